#pragma once
// The UAC's side of HTTP Digest for REGISTER (RFC 3261 22.4, RFC 2617, RFC 7616,
// RFC 8760): takes a challenge it can answer from a 401, keeps it per user
// (nonce, realm, opaque, algorithm, the HA1 for that realm) so a refresh can
// reuse the nonce with nc + 1, and writes the Authorization header line. The
// hashes are common/ipc/digest_check's (no OpenSSL in the generator).

#include "bench/loadgen/msg_writer.hh"
#include "common/ipc/digest_check.hh"
#include "sip/message_view.hh"

#include <cstdint>
#include <string_view>

namespace sipedge::loadgen {

struct stored_challenge {
    static constexpr std::size_t nonce_capacity = 128;
    static constexpr std::size_t realm_capacity = 64;
    static constexpr std::size_t opaque_capacity = 64;

    char nonce[nonce_capacity];
    char realm[realm_capacity];
    char opaque[opaque_capacity];
    std::uint8_t ha1[32];
    std::uint8_t nonce_length = 0, realm_length = 0, opaque_length = 0;
    ipc::digest::algorithm alg = ipc::digest::algorithm::md5;
    bool qop_auth = false;  // answer with qop=auth, nc and cnonce (else RFC 2069 form)
    bool valid = false;     // holds a challenge
    bool ha1_valid = false; // ha1 is for this realm and algorithm

    std::string_view nonce_view() const { return {nonce, nonce_length}; }
    std::string_view realm_view() const { return {realm, realm_length}; }
    std::string_view opaque_view() const { return {opaque, opaque_length}; }
};

enum class challenge_outcome : std::uint8_t {
    taken,     // stored; stale tells whether the server said stale=true
    none,      // no WWW-Authenticate at all
    unusable,  // only challenges we cannot answer (scheme, algorithm, qop, sizes)
};

// From a 401: the first Digest WWW-Authenticate whose algorithm we speak (MD5,
// SHA-256; absent means MD5) and whose qop offers auth (or is absent).
challenge_outcome take_challenge(const sip::message_view& response, stored_challenge& out,
                                 bool& stale);

// "Authorization: Digest username=..., response=...\r\n" for one request.
// Computes (and caches in c) the HA1 from the password on first use.
void write_authorization(msg_writer& w, stored_challenge& c, std::string_view username,
                         std::string_view password, std::string_view method,
                         std::string_view uri, std::uint32_t nc, std::string_view cnonce);

} // namespace sipedge::loadgen
