#pragma once
// Digest checks for the dataplane's fast path (INVITE from our users, RFC 3665 §3.2
// F2 → 407), against the credential table control publishes (flat_table.hh). The
// dataplane links neither OpenSSL nor a crypto library, so MD5, SHA-256 and
// HMAC-SHA-256 are portable implementations here; they run per request, never
// allocate, and are checked against RFC test vectors and against OpenSSL (tests).
//
// Nonces use control's format (control/auth/digest.hh): hex(timestamp[8] | salt[8]
// | HMAC-SHA-256(secret, timestamp | salt | realm)[0..16)), 64 characters. With the
// same secret (the one TOML file's control.nonce_secret) a nonce minted on either
// side is accepted by the other. Nonce-count replay tracking needs per-nonce state,
// which this file does not keep: the caller decides (e.g. a short lifetime for
// INVITE nonces, or per-lcore nc records).

#include "common/ipc/flat_table.hh"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sipedge::ipc::digest {

enum class algorithm : std::uint8_t { md5, sha256 };

constexpr std::size_t size_of(algorithm a) {
    return a == algorithm::md5 ? 16 : 32;
}

// Incremental hashes.
class md5 {
public:
    md5();
    void update(std::string_view data);
    void final(std::uint8_t out[16]);

private:
    void block(const std::uint8_t* p);
    std::uint32_t _h[4];
    std::uint64_t _length = 0;
    std::uint8_t _buf[64];
    std::size_t _used = 0;
};

class sha256 {
public:
    sha256();
    void update(std::string_view data);
    void final(std::uint8_t out[32]);

private:
    void block(const std::uint8_t* p);
    std::uint32_t _h[8];
    std::uint64_t _length = 0;
    std::uint8_t _buf[64];
    std::size_t _used = 0;
};

void hmac_sha256(std::string_view key, std::string_view data, std::uint8_t out[32]);

// Lower-case hex of n bytes into out (2n chars); exactly 2n hex digits of either
// case back into n bytes (false on anything else).
void to_hex(const std::uint8_t* bytes, std::size_t n, char* out);
bool from_hex(std::string_view hex, std::uint8_t* out, std::size_t n);

// HA1 = H(username ":" realm ":" password): size_of(a) bytes into out. For
// clients (sipedge-loadgen) and checkers that hold the password, not an HA1.
void ha1(algorithm a, std::string_view username, std::string_view realm, std::string_view password,
         std::uint8_t* out);

// response = H(HA1hex ":" nonce [":" nc ":" cnonce ":" qop] ":" H(method ":" uri)hex)
// as lower-case hex into out (2 * size_of(a) chars); qop empty: the RFC 2069 form.
std::size_t response(algorithm a, std::span<const std::uint8_t> ha1, std::string_view method,
                     std::string_view uri, std::string_view nonce, std::string_view nc,
                     std::string_view cnonce, std::string_view qop, char* out);

// The client's response (hex, either case) matches the credential's HA1 for a.
// False when the record has no HA1 for a.
bool verify(algorithm a, const credential_record& cred, std::string_view method,
            std::string_view uri, std::string_view nonce, std::string_view nc,
            std::string_view cnonce, std::string_view qop, std::string_view client_response);

enum class nonce_state : std::uint8_t { valid, stale, invalid };

inline constexpr std::size_t nonce_length = 64;
// Writes nonce_length characters.
void mint_nonce(std::string_view secret, std::string_view realm, std::int64_t now,
                std::uint64_t salt, char* out);
nonce_state check_nonce(std::string_view secret, std::string_view realm, std::string_view nonce,
                        std::int64_t now, std::uint32_t lifetime_s);

} // namespace sipedge::ipc::digest
