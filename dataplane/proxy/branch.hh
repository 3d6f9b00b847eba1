#pragma once
// Our Via branch values and message dispatch. A branch this proxy puts in its Via
// is "z9hG4bK" (the RFC 3261 cookie) + "sE" + owning lcore (4 hex) + loop hash
// (16 hex, §16.6 step 8) + transaction index and generation (8 + 8 hex), so that
//  - a response carries back the lcore that owns its client transaction,
//  - a request that comes back with the same loop hash is a loop (§16.3 step 4),
//  - every client transaction's branch is unique.

#include "dataplane/transaction/transaction_key.hh"
#include "parser/essentials.hh"
#include "sip/message_view.hh"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::proxy {

inline constexpr std::string_view our_branch_prefix = "z9hG4bKsE";
inline constexpr std::size_t branch_length = 9 + 4 + 16 + 16;

struct branch_fields {
    std::uint16_t lcore = 0;
    std::uint64_t loop_hash = 0;
    std::uint32_t id = 0;
    std::uint32_t generation = 0;
};

// Cheap shape test: a branch this proxy (any lcore) may have written.
inline bool is_our_branch(std::string_view branch) {
    return branch.size() == branch_length && branch.starts_with(our_branch_prefix);
}

// Writes v as `digits` lower-case hex digits (most significant first) to out.
void put_hex(char* out, std::uint64_t v, int digits);

// Writes branch_length bytes to out.
std::size_t format_branch(const branch_fields& f, char* out);
// False when the value is not one of ours.
bool parse_branch(std::string_view branch, branch_fields& out);

// The match key of the client transaction our branch f names, for requests of
// cseq_method (key_maker's field form: a branch parse_branch accepts has exactly
// one text per value, so equal fields are equal branches).
inline txn::txn_key client_key(const txn::key_maker& keys, const branch_fields& f,
                               std::string_view cseq_method) {
    return keys.client_key(f.loop_hash, (std::uint64_t{f.id} << 32) | f.generation, f.lcore,
                           cseq_method);
}

// §16.6 step 8 loop-detection hash: Request-URI as received, From and To tags,
// Call-ID, CSeq number, Proxy-Require and Proxy-Authorization. The RFC also names
// the top Via; it is left out because on a loop the top Via is the previous hop's
// (often our own), so including it would make a loop look like a spiral.
std::uint64_t loop_hash(const sip::message_view& msg, const parser::message_essentials& e);

// Owning lcore of a request: hash of the Call-ID, the same on every lcore, so
// that an INVITE, its CANCEL and its ACK meet on one core.
std::uint16_t lcore_for_call_id(std::string_view call_id, std::uint16_t lcore_count);

// Owning lcore of any parsed message, for the dataplane's dispatch: a response
// whose top Via branch is ours goes to the lcore encoded in it; everything else by
// Call-ID. Messages without a Call-ID go to lcore 0 (they are dropped there).
std::uint16_t owning_lcore(const sip::message_view& msg, std::uint16_t lcore_count);

} // namespace sipedge::proxy
