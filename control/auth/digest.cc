#include "control/auth/digest.hh"

#include "common/ipc/digest_check.hh"

#include <cstring>
#include <deque>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace sipedge::control::auth {

namespace {

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        x = (x >= 'A' && x <= 'Z') ? static_cast<char>(x + 32) : x;
        y = (y >= 'A' && y <= 'Z') ? static_cast<char>(y + 32) : y;
        if (x != y) {
            return false;
        }
    }
    return true;
}

void put_u64(std::uint8_t* p, std::uint64_t v) {
    for (int i = 7; i >= 0; --i) {
        p[i] = static_cast<std::uint8_t>(v);
        v >>= 8;
    }
}

std::uint64_t get_u64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
        v = v << 8 | p[i];
    }
    return v;
}

} // namespace

bool parse_algorithm(std::string_view text, digest_algorithm& out) {
    if (text.empty() || iequal(text, "MD5")) {
        out = digest_algorithm::md5;
        return true;
    }
    if (iequal(text, "SHA-256")) {
        out = digest_algorithm::sha256;
        return true;
    }
    return false;
}

std::string_view algorithm_name(digest_algorithm a) {
    return a == digest_algorithm::md5 ? "MD5" : "SHA-256";
}

void to_hex(std::span<const std::uint8_t> bytes, char* out) {
    ipc::digest::to_hex(bytes.data(), bytes.size(), out);
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    std::string s(bytes.size() * 2, '\0');
    to_hex(bytes, s.data());
    return s;
}

bool from_hex(std::string_view hex, std::span<std::uint8_t> out) {
    return ipc::digest::from_hex(hex, out.data(), out.size());
}

// ---- hasher ----

hasher::hasher() {
    _md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
    _sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    _ctx = EVP_MD_CTX_new();
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac != nullptr) {
        _mac = EVP_MAC_CTX_new(mac);
        EVP_MAC_free(mac);
    }
    if (_md5 == nullptr || _sha256 == nullptr || _ctx == nullptr || _mac == nullptr) {
        // Start-up only: OpenSSL without its default provider cannot run control.
        throw std::runtime_error("OpenSSL: MD5, SHA-256 or HMAC unavailable");
    }
}

hasher::~hasher() {
    EVP_MAC_CTX_free(_mac);
    EVP_MD_CTX_free(_ctx);
    EVP_MD_free(const_cast<EVP_MD*>(_md5));
    EVP_MD_free(const_cast<EVP_MD*>(_sha256));
}

void hasher::hash_joined(digest_algorithm a, std::span<const std::string_view> parts,
                         std::uint8_t* out) {
    EVP_DigestInit_ex2(_ctx, a == digest_algorithm::md5 ? _md5 : _sha256, nullptr);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i != 0) {
            EVP_DigestUpdate(_ctx, ":", 1);
        }
        EVP_DigestUpdate(_ctx, parts[i].data(), parts[i].size());
    }
    unsigned int len = 0;
    EVP_DigestFinal_ex(_ctx, out, &len);
}

void hasher::set_hmac_key(std::string_view key) {
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                           OSSL_PARAM_construct_end()};
    EVP_MAC_init(_mac, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params);
}

void hasher::hmac_sha256(std::span<const std::uint8_t> data, std::uint8_t* out) {
    // A null key re-uses the key of the last init (OpenSSL 3 EVP_MAC_init).
    EVP_MAC_init(_mac, nullptr, 0, nullptr);
    EVP_MAC_update(_mac, data.data(), data.size());
    std::size_t len = 0;
    EVP_MAC_final(_mac, out, &len, 32);
}

void hasher::ha2_hex(digest_algorithm a, std::string_view method, std::string_view uri,
                     char* out_hex) {
    ha2_entry& e = _ha2[a == digest_algorithm::md5 ? 0 : 1];
    const std::size_t n = digest_size(a);
    if (!e.valid || e.method != method || e.uri != uri) {
        std::uint8_t ha2[32];
        const std::string_view a2[] = {method, uri};
        hash_joined(a, a2, ha2);
        to_hex(std::span<const std::uint8_t>(ha2, n), e.hex);
        e.method.assign(method);
        e.uri.assign(uri);
        e.valid = true;
    }
    std::memcpy(out_hex, e.hex, 2 * n);
}

stored_credential compute_credential(hasher& h, std::string_view user, std::string_view realm,
                                     std::string_view password) {
    stored_credential c;
    const std::string_view parts[] = {user, realm, password};
    h.hash_joined(digest_algorithm::md5, parts, c.ha1_md5.data());
    h.hash_joined(digest_algorithm::sha256, parts, c.ha1_sha256.data());
    c.has_md5 = c.has_sha256 = true;
    return c;
}

namespace {

// response = H(HA1hex ":" nonce [":" nc ":" cnonce ":" qop] ":" HA2hex), as hex.
std::size_t expected_response(hasher& h, digest_algorithm a, std::span<const std::uint8_t> ha1,
                              std::string_view method, std::string_view uri, std::string_view nonce,
                              std::string_view nc, std::string_view cnonce, std::string_view qop,
                              char* out_hex) {
    const std::size_t n = digest_size(a);
    char ha1_hex[64];
    char ha2_hex[64];
    to_hex(ha1.first(n), ha1_hex);
    h.ha2_hex(a, method, uri, ha2_hex);
    std::uint8_t resp[32];
    if (qop.empty()) {
        const std::string_view parts[] = {{ha1_hex, 2 * n}, nonce, {ha2_hex, 2 * n}};
        h.hash_joined(a, parts, resp);
    } else {
        const std::string_view parts[] = {{ha1_hex, 2 * n}, nonce, nc,
                                          cnonce,           qop,   {ha2_hex, 2 * n}};
        h.hash_joined(a, parts, resp);
    }
    to_hex(std::span<const std::uint8_t>(resp, n), out_hex);
    return 2 * n;
}

} // namespace

std::string client_response(hasher& h, digest_algorithm a, std::span<const std::uint8_t> ha1,
                            std::string_view method, std::string_view uri, std::string_view nonce,
                            std::string_view nc, std::string_view cnonce, std::string_view qop) {
    char out[64];
    const std::size_t n = expected_response(h, a, ha1, method, uri, nonce, nc, cnonce, qop, out);
    return std::string(out, n);
}

// ---- nonces ----

struct nonce_manager::impl {
    struct key {
        std::uint64_t ts;
        std::uint64_t salt;
        bool operator==(const key&) const = default;
    };
    struct key_hash {
        std::size_t operator()(const key& k) const {
            return std::hash<std::uint64_t>{}(k.salt * 0x9e3779b97f4a7c15ULL ^ k.ts);
        }
    };
    static constexpr std::uint32_t no_realm = 0xffffffffu;
    struct entry {
        std::uint32_t nc = 0;
        // Index in realms of the realm check() verified mac for; no_realm when the
        // nonce was not verified here (accept_nc alone): check() computes the HMAC.
        std::uint32_t realm = no_realm;
        std::uint8_t mac[16] = {};
    };
    std::unordered_map<key, entry, key_hash> nc_seen;
    std::deque<key> order; // insertion order, for purge and eviction
    // Newest issue time of a nonce forgotten for room: older unknown nonces are stale.
    std::uint64_t evicted_up_to = 0;
    // Realms seen by check() (a handful: the served domains); capped.
    std::vector<std::string> realms;
    static constexpr std::size_t max_realms = 64;
    // The last nonce check() found valid by its HMAC: accept_nc records its MAC.
    bool last_valid = false;
    key last_key{};
    std::uint32_t last_realm = no_realm;
    std::uint8_t last_mac[16] = {};

    std::uint32_t realm_index(std::string_view realm, bool add) {
        for (std::size_t i = 0; i < realms.size(); ++i) {
            if (realms[i] == realm) {
                return static_cast<std::uint32_t>(i);
            }
        }
        if (!add || realms.size() >= max_realms) {
            return no_realm;
        }
        realms.emplace_back(realm);
        return static_cast<std::uint32_t>(realms.size() - 1);
    }
};

nonce_manager::nonce_manager(std::string_view secret, std::uint32_t lifetime_s,
                             std::size_t max_tracked)
    : _lifetime(lifetime_s), _max_tracked(max_tracked == 0 ? 1 : max_tracked), _impl(new impl()) {
    _hasher.set_hmac_key(secret);
    std::uint8_t r[8];
    if (RAND_bytes(r, sizeof r) != 1) {
        throw std::runtime_error("OpenSSL: no random bytes");
    }
    _salt = get_u64(r);
}

nonce_manager::~nonce_manager() {
    delete _impl;
}

namespace {
// timestamp | salt | realm → first 16 bytes of the HMAC.
void nonce_mac(hasher& h, const std::uint8_t* ts_salt, std::string_view realm, std::uint8_t* mac) {
    std::uint8_t buf[16 + 256];
    std::memcpy(buf, ts_salt, 16);
    const std::size_t rl = realm.size() < 256 ? realm.size() : 256;
    std::memcpy(buf + 16, realm.data(), rl);
    std::uint8_t full[32];
    h.hmac_sha256(std::span<const std::uint8_t>(buf, 16 + rl), full);
    std::memcpy(mac, full, 16);
}
} // namespace

void nonce_manager::issue(std::int64_t now, std::string_view realm, char* out) {
    std::uint8_t raw[32];
    put_u64(raw, static_cast<std::uint64_t>(now));
    put_u64(raw + 8, _salt++);
    nonce_mac(_hasher, raw, realm, raw + 16);
    to_hex(raw, out);
}

std::string nonce_manager::issue(std::int64_t now, std::string_view realm) {
    std::string s(nonce_length, '\0');
    issue(now, realm, s.data());
    return s;
}

nonce_manager::state nonce_manager::check(std::string_view nonce, std::string_view realm,
                                          std::int64_t now) {
    std::uint8_t raw[32];
    if (!from_hex(nonce, raw)) {
        return state::invalid;
    }
    const impl::key k{get_u64(raw), get_u64(raw + 8)};
    const auto it = _impl->nc_seen.find(k);
    const bool known = it != _impl->nc_seen.end() && it->second.realm != impl::no_realm &&
                       _impl->realms[it->second.realm] == realm &&
                       CRYPTO_memcmp(it->second.mac, raw + 16, 16) == 0;
    if (!known) {
        std::uint8_t mac[16];
        nonce_mac(_hasher, raw, realm, mac);
        if (CRYPTO_memcmp(mac, raw + 16, 16) != 0) {
            return state::invalid;
        }
        const std::uint32_t ri = _impl->realm_index(realm, true);
        if (it != _impl->nc_seen.end() && ri != impl::no_realm) {
            it->second.realm = ri;
            std::memcpy(it->second.mac, mac, 16);
        }
        _impl->last_valid = true;
        _impl->last_key = k;
        _impl->last_realm = ri;
        std::memcpy(_impl->last_mac, mac, 16);
    }
    const auto ts = static_cast<std::int64_t>(k.ts);
    if (ts > now + 5 || now - ts > static_cast<std::int64_t>(_lifetime)) {
        return state::stale;
    }
    return state::valid;
}

bool nonce_manager::accept_nc(std::string_view nonce, std::uint32_t nc, std::int64_t now) {
    std::uint8_t raw[32];
    if (!from_hex(nonce, raw)) {
        return false;
    }
    const impl::key k{get_u64(raw), get_u64(raw + 8)};
    const auto it = _impl->nc_seen.find(k);
    if (it != _impl->nc_seen.end()) {
        if (nc <= it->second.nc) {
            return false;
        }
        it->second.nc = nc;
        return true;
    }
    if (k.ts <= _impl->evicted_up_to) {
        return false; // forgotten for room: refuse rather than risk a replay
    }
    if (_impl->nc_seen.size() >= _max_tracked) {
        purge(now);
        while (_impl->nc_seen.size() >= _max_tracked && !_impl->order.empty()) {
            const impl::key old = _impl->order.front();
            _impl->order.pop_front();
            _impl->nc_seen.erase(old);
            _impl->evicted_up_to = std::max(_impl->evicted_up_to, old.ts);
        }
        if (k.ts <= _impl->evicted_up_to) {
            return false;
        }
    }
    impl::entry e;
    e.nc = nc;
    if (_impl->last_valid && _impl->last_key == k) {
        e.realm = _impl->last_realm;
        std::memcpy(e.mac, _impl->last_mac, 16);
    }
    _impl->nc_seen.emplace(k, e);
    _impl->order.push_back(k);
    return true;
}

std::size_t nonce_manager::purge(std::int64_t now) {
    std::size_t n = 0;
    // Entries are in first-use order, which follows issue order closely; stop at
    // the first one still alive.
    while (!_impl->order.empty()) {
        const impl::key k = _impl->order.front();
        if (now - static_cast<std::int64_t>(k.ts) <= static_cast<std::int64_t>(_lifetime)) {
            break;
        }
        _impl->order.pop_front();
        n += _impl->nc_seen.erase(k);
    }
    return n;
}

std::size_t nonce_manager::tracked() const {
    return _impl->nc_seen.size();
}

// ---- verification ----

std::string_view verdict_name(verdict v) {
    switch (v) {
    case verdict::ok:
        return "ok";
    case verdict::missing:
        return "missing";
    case verdict::malformed:
        return "malformed";
    case verdict::bad_nonce:
        return "bad_nonce";
    case verdict::stale_nonce:
        return "stale_nonce";
    case verdict::replay:
        return "replay";
    case verdict::unknown_user:
        return "unknown_user";
    case verdict::bad_response:
        return "bad_response";
    case verdict::unsupported:
        return "unsupported";
    case verdict::wrong_uri:
        return "wrong_uri";
    }
    return "unknown";
}

verdict verify_digest(nonce_manager& nonces, const parser::auth_params& c, std::string_view method,
                      std::string_view request_uri, std::string_view realm,
                      credential_lookup lookup, std::int64_t now) {
    if (!c.is_digest || c.realm != realm) {
        return verdict::missing;
    }
    if (c.username.empty() || c.nonce.empty() || c.response.empty() || c.uri.empty()) {
        return verdict::malformed;
    }
    digest_algorithm alg;
    if (!parse_algorithm(c.algorithm, alg)) {
        return verdict::unsupported;
    }
    const bool with_qop = !c.qop.empty();
    std::uint32_t nc = 0;
    if (with_qop) {
        if (!iequal(c.qop, "auth")) {
            return verdict::unsupported;
        }
        std::uint8_t ncb[4];
        if (c.cnonce.empty() || !from_hex(c.nc, ncb)) {
            return verdict::malformed;
        }
        nc = static_cast<std::uint32_t>(ncb[0]) << 24 | static_cast<std::uint32_t>(ncb[1]) << 16 |
             static_cast<std::uint32_t>(ncb[2]) << 8 | ncb[3];
    }
    switch (nonces.check(c.nonce, realm, now)) {
    case nonce_manager::state::invalid:
        return verdict::bad_nonce;
    case nonce_manager::state::stale:
        return verdict::stale_nonce;
    case nonce_manager::state::valid:
        break;
    }
    if (c.uri != request_uri) {
        return verdict::wrong_uri;
    }
    const stored_credential* cred =
        lookup.fn == nullptr ? nullptr : lookup.fn(lookup.context, c.username, realm);
    if (cred == nullptr) {
        return verdict::unknown_user;
    }
    if (!cred->has(alg)) {
        return verdict::unsupported;
    }
    char expect[64];
    const std::size_t n = expected_response(nonces.hashing(), alg, cred->ha1(alg), method, c.uri,
                                            c.nonce, c.nc, c.cnonce, with_qop ? c.qop : "", expect);
    if (c.response.size() != n) {
        return verdict::bad_response;
    }
    char got[64];
    for (std::size_t i = 0; i < n; ++i) {
        const char ch = c.response[i];
        got[i] = (ch >= 'A' && ch <= 'F') ? static_cast<char>(ch + 32) : ch;
    }
    if (CRYPTO_memcmp(got, expect, n) != 0) {
        return verdict::bad_response;
    }
    if (with_qop && !nonces.accept_nc(c.nonce, nc, now)) {
        return verdict::replay;
    }
    return verdict::ok;
}

std::size_t write_challenge(char* out, std::size_t capacity, std::string_view realm,
                            std::string_view nonce, digest_algorithm a, bool stale) {
    std::size_t w = 0;
    auto put = [&](std::string_view s) {
        if (w + s.size() <= capacity) {
            std::memcpy(out + w, s.data(), s.size());
        }
        w += s.size();
    };
    put("Digest realm=\"");
    put(realm);
    put("\", nonce=\"");
    put(nonce);
    put("\", qop=\"auth\", algorithm=");
    put(algorithm_name(a));
    if (stale) {
        put(", stale=true");
    }
    return w <= capacity ? w : 0;
}

} // namespace sipedge::control::auth
