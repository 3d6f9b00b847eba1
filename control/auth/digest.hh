#pragma once
// HTTP Digest for SIP (RFC 3261 22.4, RFC 2617, RFC 7616, RFC 8760): MD5 and
// SHA-256, qop=auth (and the RFC 2069 form without qop, which RFC 3665's flows use).
// Hashes go through OpenSSL 3 EVP with algorithms fetched once and contexts reused,
// so one verification costs a few microseconds and no allocation.
//
// Credentials are kept as HA1 = H(username ":" realm ":" password), never the
// password: compute_ha1() is the only place a password is seen.

#include "parser/auth.hh"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

typedef struct evp_md_st EVP_MD;
typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace sipedge::control::auth {

enum class digest_algorithm : std::uint8_t { md5, sha256 };

// "MD5" / "SHA-256"; false for anything else (incl. the -sess variants, not offered).
bool parse_algorithm(std::string_view text, digest_algorithm& out);
std::string_view algorithm_name(digest_algorithm a);
constexpr std::size_t digest_size(digest_algorithm a) {
    return a == digest_algorithm::md5 ? 16 : 32;
}

// HA1 of one user in one realm, for each algorithm the user may use.
struct stored_credential {
    std::array<std::uint8_t, 16> ha1_md5{};
    std::array<std::uint8_t, 32> ha1_sha256{};
    bool has_md5 = false;
    bool has_sha256 = false;

    std::span<const std::uint8_t> ha1(digest_algorithm a) const {
        return a == digest_algorithm::md5 ? std::span<const std::uint8_t>(ha1_md5)
                                          : std::span<const std::uint8_t>(ha1_sha256);
    }
    bool has(digest_algorithm a) const { return a == digest_algorithm::md5 ? has_md5 : has_sha256; }
};

// Lower-case hex of bytes into out (2 * bytes.size() chars).
void to_hex(std::span<const std::uint8_t> bytes, char* out);
std::string to_hex(std::span<const std::uint8_t> bytes);
// Parses exactly 2 * out.size() hex digits (either case).
bool from_hex(std::string_view hex, std::span<std::uint8_t> out);

// Reusable EVP contexts. Not thread-safe: one per thread.
class hasher {
public:
    hasher();
    ~hasher();
    hasher(const hasher&) = delete;
    hasher& operator=(const hasher&) = delete;

    // H(parts[0] ":" parts[1] ":" ...); writes digest_size(a) bytes.
    void hash_joined(digest_algorithm a, std::span<const std::string_view> parts,
                     std::uint8_t* out);
    // HMAC-SHA-256 with the key given to set_hmac_key(); writes 32 bytes.
    void set_hmac_key(std::string_view key);
    void hmac_sha256(std::span<const std::uint8_t> data, std::uint8_t* out);
    // HA2 = H(method ":" uri) as lower-case hex (2 * digest_size(a) chars into
    // out_hex). The last one is kept: a registrar sees the same REGISTER and
    // Request-URI again and again.
    void ha2_hex(digest_algorithm a, std::string_view method, std::string_view uri, char* out_hex);

private:
    struct ha2_entry {
        bool valid = false;
        std::string method;
        std::string uri;
        char hex[64];
    };
    ha2_entry _ha2[2]; // by algorithm
    const EVP_MD* _md5 = nullptr;
    const EVP_MD* _sha256 = nullptr;
    EVP_MD_CTX* _ctx = nullptr;
    EVP_MAC_CTX* _mac = nullptr;
};

stored_credential compute_credential(hasher& h, std::string_view user, std::string_view realm,
                                     std::string_view password);

// The client side (tests, benchmark, sipedgectl checks): the response digest for
// the given credentials fields, as lower-case hex.
std::string client_response(hasher& h, digest_algorithm a, std::span<const std::uint8_t> ha1,
                            std::string_view method, std::string_view uri, std::string_view nonce,
                            std::string_view nc, std::string_view cnonce, std::string_view qop);

// Stateless nonces: hex(timestamp[8] | salt[8] | HMAC-SHA-256(secret, timestamp |
// salt | realm)[0..16)) = 64 characters. A nonce proves the server made it for
// this realm; its age decides stale. Nonce-counts seen with qop are remembered per
// nonce until it expires, so a replayed (or lower) nc is refused.
//
// A remembered nonce also keeps the MAC and realm check() verified it with: when
// the same nonce comes back (a refresh reusing it) with the same MAC bytes for the
// same realm, the HMAC (a third of a registration's cost) is not computed again.
// The answer is the same: the MAC is a function of (timestamp, salt, realm).
class nonce_manager {
public:
    enum class state : std::uint8_t { valid, stale, invalid };

    // lifetime: seconds a nonce is accepted; max_tracked: nonces whose nc is
    // remembered at once (oldest forgotten first — a forgotten nonce is treated as
    // stale, so forgetting never lets a replay in).
    nonce_manager(std::string_view secret, std::uint32_t lifetime_s,
                  std::size_t max_tracked = 1u << 20);

    static constexpr std::size_t nonce_length = 64;
    // Writes nonce_length characters.
    void issue(std::int64_t now, std::string_view realm, char* out);
    std::string issue(std::int64_t now, std::string_view realm);
    state check(std::string_view nonce, std::string_view realm, std::int64_t now);
    // nc (8 hex digits) must be greater than every nc accepted before for this
    // nonce. Records it when accepted.
    bool accept_nc(std::string_view nonce, std::uint32_t nc, std::int64_t now);
    // Forget nonces older than the lifetime.
    std::size_t purge(std::int64_t now);
    std::size_t tracked() const;
    std::uint32_t lifetime() const { return _lifetime; }
    hasher& hashing() { return _hasher; }

    ~nonce_manager();

private:
    struct impl;
    hasher _hasher;
    std::uint32_t _lifetime;
    std::size_t _max_tracked;
    std::uint64_t _salt;
    impl* _impl;
};

enum class verdict : std::uint8_t {
    ok,
    missing,      // no Digest credentials for our realm: challenge
    malformed,    // credentials lack fields or have bad values: 400
    bad_nonce,    // not ours (forged, other realm): challenge
    stale_nonce,  // ours but expired (or forgotten): challenge with stale=true
    replay,       // nonce-count not increasing: challenge
    unknown_user, // no HA1 for user@realm: challenge (no hint which part failed)
    bad_response, // wrong password: challenge
    unsupported,  // algorithm or qop we do not offer: challenge
    wrong_uri,    // uri parameter differs from the Request-URI: 400
};
std::string_view verdict_name(verdict v);

// Looks up user@realm; null when unknown. Called at most once per verify().
struct credential_lookup {
    const void* context = nullptr;
    const stored_credential* (*fn)(const void* context, std::string_view user,
                                   std::string_view realm) = nullptr;
};

// Checks one Authorization / Proxy-Authorization value against realm.
verdict verify_digest(nonce_manager& nonces, const parser::auth_params& c, std::string_view method,
                      std::string_view request_uri, std::string_view realm,
                      credential_lookup lookup, std::int64_t now);

// A challenge header value: Digest realm="..", nonce="..", qop="auth",
// algorithm=.., stale=true (when stale). Written into out; returns the length.
std::size_t write_challenge(char* out, std::size_t capacity, std::string_view realm,
                            std::string_view nonce, digest_algorithm a, bool stale);

} // namespace sipedge::control::auth
