#pragma once
// Match keys for §17.1.3 (responses to client transactions) and §17.2.3 (requests
// to server transactions), with the RFC 2543 fallback when the top Via branch
// lacks the magic cookie. A key is two seeded 64-bit hashes of the fields the RFC
// compares; equal fields give equal keys, and the 128 bits make an accidental
// collision negligible.

#include "dataplane/transaction/transaction.hh"
#include "parser/essentials.hh"
#include "sip/message_view.hh"

#include <cstdint>
#include <string_view>

namespace sipedge::txn {

class key_maker {
public:
    explicit key_maker(std::uint64_t seed) : _seed(seed) {}

    // Key of the server transaction a request belongs to. `as_method` overrides
    // the method used for matching: ACK matches its INVITE (pass "INVITE"), and a
    // CANCEL is looked up once as itself and once as "INVITE" to find the
    // transaction it cancels (§9.2).
    txn_key server_key(const sip::message_view& msg, const parser::message_essentials& e,
                       std::string_view as_method) const;
    txn_key server_key(const sip::message_view& msg, const parser::message_essentials& e) const;

    // Key of the client transaction: our own branch (which always has the cookie)
    // and the CSeq method (a CANCEL shares its INVITE's branch, §9.1).
    txn_key client_key(std::string_view branch, std::string_view cseq_method) const;
    // The same for a branch the TU reads back into fields exactly (one text per
    // value, as the proxy's branches are): the key of those fields, three words,
    // and the method -- a third of the hashing of the 45-byte text. A TU uses one
    // form or the other for a transaction, never both.
    txn_key client_key(std::uint64_t w0, std::uint64_t w1, std::uint64_t w2,
                       std::string_view cseq_method) const;

private:
    std::uint64_t _seed;
};

// The method a request matches as: ACK -> INVITE, everything else itself.
std::string_view match_method(const sip::message_view& msg);

} // namespace sipedge::txn
