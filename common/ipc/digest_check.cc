#include "common/ipc/digest_check.hh"

#include <array>
#include <cstring>

namespace sipedge::ipc::digest {

namespace {

constexpr std::uint32_t rotl(std::uint32_t x, int n) {
    return (x << n) | (x >> (32 - n));
}
constexpr std::uint32_t rotr(std::uint32_t x, int n) {
    return (x >> n) | (x << (32 - n));
}

constexpr std::uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
constexpr int md5_s[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                           5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                           4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                           6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

constexpr std::uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// Shared block buffering of the two Merkle–Damgård hashes.
template <typename Hash>
void buffered_update(Hash& h, std::uint8_t* buf, std::size_t& used, std::uint64_t& length,
                     std::string_view data) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
    std::size_t n = data.size();
    length += n;
    if (used != 0) {
        const std::size_t take = n < 64 - used ? n : 64 - used;
        std::memcpy(buf + used, p, take);
        used += take;
        p += take;
        n -= take;
        if (used < 64) {
            return;
        }
        h(buf);
        used = 0;
    }
    while (n >= 64) {
        h(p);
        p += 64;
        n -= 64;
    }
    std::memcpy(buf, p, n);
    used = n;
}

// Pads with 0x80, zeros and the bit length (little- or big-endian).
template <typename Hash>
void pad(Hash& h, std::uint8_t* buf, std::size_t used, std::uint64_t length, bool big_endian) {
    buf[used++] = 0x80;
    if (used > 56) {
        std::memset(buf + used, 0, 64 - used);
        h(buf);
        used = 0;
    }
    std::memset(buf + used, 0, 56 - used);
    const std::uint64_t bits = length * 8;
    for (int i = 0; i < 8; ++i) {
        buf[56 + i] = static_cast<std::uint8_t>(bits >> (big_endian ? 56 - 8 * i : 8 * i));
    }
    h(buf);
}

// Hex digit values (either case); 0xff for every other byte.
constexpr std::array<std::uint8_t, 256> hex_values = [] {
    std::array<std::uint8_t, 256> t{};
    t.fill(0xff);
    for (int c = 0; c < 10; ++c) {
        t[static_cast<std::size_t>('0' + c)] = static_cast<std::uint8_t>(c);
    }
    for (int c = 0; c < 6; ++c) {
        t[static_cast<std::size_t>('a' + c)] = static_cast<std::uint8_t>(10 + c);
        t[static_cast<std::size_t>('A' + c)] = static_cast<std::uint8_t>(10 + c);
    }
    return t;
}();

// H(parts joined by ':').
void hash_joined(algorithm a, std::span<const std::string_view> parts, std::uint8_t* out) {
    if (a == algorithm::md5) {
        md5 h;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (i != 0) {
                h.update(":");
            }
            h.update(parts[i]);
        }
        h.final(out);
    } else {
        sha256 h;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (i != 0) {
                h.update(":");
            }
            h.update(parts[i]);
        }
        h.final(out);
    }
}

void nonce_mac(std::string_view secret, const std::uint8_t* ts_salt, std::string_view realm,
               std::uint8_t* mac16) {
    std::uint8_t buf[16 + 256];
    std::memcpy(buf, ts_salt, 16);
    const std::size_t rl = realm.size() < 256 ? realm.size() : 256;
    std::memcpy(buf + 16, realm.data(), rl);
    std::uint8_t full[32];
    hmac_sha256(secret, {reinterpret_cast<const char*>(buf), 16 + rl}, full);
    std::memcpy(mac16, full, 16);
}

} // namespace

void to_hex(const std::uint8_t* p, std::size_t n, char* out) {
    static constexpr char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
}

bool from_hex(std::string_view hex, std::uint8_t* out, std::size_t n) {
    if (hex.size() != 2 * n) {
        return false;
    }
    // Branch-free: a non-digit sets a high bit in `bad`, checked once at the end.
    std::uint8_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t hi = hex_values[static_cast<unsigned char>(hex[2 * i])];
        const std::uint8_t lo = hex_values[static_cast<unsigned char>(hex[2 * i + 1])];
        bad |= hi | lo;
        out[i] = static_cast<std::uint8_t>(hi << 4 | (lo & 0xf));
    }
    return (bad & 0xf0) == 0;
}

// ---- MD5 (RFC 1321) ----

md5::md5() : _h{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476} {}

void md5::block(const std::uint8_t* p) {
    std::uint32_t m[16];
    for (int i = 0; i < 16; ++i) {
        m[i] = static_cast<std::uint32_t>(p[4 * i]) |
               static_cast<std::uint32_t>(p[4 * i + 1]) << 8 |
               static_cast<std::uint32_t>(p[4 * i + 2]) << 16 |
               static_cast<std::uint32_t>(p[4 * i + 3]) << 24;
    }
    std::uint32_t a = _h[0], b = _h[1], c = _h[2], d = _h[3];
    for (int i = 0; i < 64; ++i) {
        std::uint32_t f;
        int g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        f = f + a + md5_k[i] + m[g];
        a = d;
        d = c;
        c = b;
        b = b + rotl(f, md5_s[i]);
    }
    _h[0] += a;
    _h[1] += b;
    _h[2] += c;
    _h[3] += d;
}

void md5::update(std::string_view data) {
    auto blk = [this](const std::uint8_t* p) { block(p); };
    buffered_update(blk, _buf, _used, _length, data);
}

void md5::final(std::uint8_t out[16]) {
    auto blk = [this](const std::uint8_t* p) { block(p); };
    pad(blk, _buf, _used, _length, false);
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) {
            out[4 * i + j] = static_cast<std::uint8_t>(_h[i] >> (8 * j));
        }
    }
}

// ---- SHA-256 (FIPS 180-4) ----

sha256::sha256()
    : _h{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19} {}

void sha256::block(const std::uint8_t* p) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
        w[i] = static_cast<std::uint32_t>(p[4 * i]) << 24 |
               static_cast<std::uint32_t>(p[4 * i + 1]) << 16 |
               static_cast<std::uint32_t>(p[4 * i + 2]) << 8 | p[4 * i + 3];
    }
    for (int i = 16; i < 64; ++i) {
        const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = _h[0], b = _h[1], c = _h[2], d = _h[3], e = _h[4], f = _h[5], g = _h[6],
                  h = _h[7];
    for (int i = 0; i < 64; ++i) {
        const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        const std::uint32_t ch = (e & f) ^ (~e & g);
        const std::uint32_t t1 = h + s1 + ch + sha_k[i] + w[i];
        const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        const std::uint32_t t2 = s0 + maj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    _h[0] += a;
    _h[1] += b;
    _h[2] += c;
    _h[3] += d;
    _h[4] += e;
    _h[5] += f;
    _h[6] += g;
    _h[7] += h;
}

void sha256::update(std::string_view data) {
    auto blk = [this](const std::uint8_t* p) { block(p); };
    buffered_update(blk, _buf, _used, _length, data);
}

void sha256::final(std::uint8_t out[32]) {
    auto blk = [this](const std::uint8_t* p) { block(p); };
    pad(blk, _buf, _used, _length, true);
    for (int i = 0; i < 8; ++i) {
        for (int j = 0; j < 4; ++j) {
            out[4 * i + j] = static_cast<std::uint8_t>(_h[i] >> (24 - 8 * j));
        }
    }
}

void hmac_sha256(std::string_view key, std::string_view data, std::uint8_t out[32]) {
    std::uint8_t k[64] = {};
    if (key.size() > 64) {
        sha256 kh;
        kh.update(key);
        kh.final(k);
    } else {
        std::memcpy(k, key.data(), key.size());
    }
    std::uint8_t ipad[64];
    std::uint8_t opad[64];
    for (int i = 0; i < 64; ++i) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    std::uint8_t inner[32];
    sha256 hi;
    hi.update({reinterpret_cast<const char*>(ipad), 64});
    hi.update(data);
    hi.final(inner);
    sha256 ho;
    ho.update({reinterpret_cast<const char*>(opad), 64});
    ho.update({reinterpret_cast<const char*>(inner), 32});
    ho.final(out);
}

// ---- digest ----

void ha1(algorithm a, std::string_view username, std::string_view realm, std::string_view password,
         std::uint8_t* out) {
    const std::string_view parts[] = {username, realm, password};
    hash_joined(a, parts, out);
}

std::size_t response(algorithm a, std::span<const std::uint8_t> ha1, std::string_view method,
                     std::string_view uri, std::string_view nonce, std::string_view nc,
                     std::string_view cnonce, std::string_view qop, char* out) {
    const std::size_t n = size_of(a);
    std::uint8_t ha2[32];
    const std::string_view a2[] = {method, uri};
    hash_joined(a, a2, ha2);
    char ha1_hex[64];
    char ha2_hex[64];
    to_hex(ha1.data(), n, ha1_hex);
    to_hex(ha2, n, ha2_hex);
    std::uint8_t r[32];
    if (qop.empty()) {
        const std::string_view parts[] = {{ha1_hex, 2 * n}, nonce, {ha2_hex, 2 * n}};
        hash_joined(a, parts, r);
    } else {
        const std::string_view parts[] = {{ha1_hex, 2 * n}, nonce, nc,
                                          cnonce,           qop,   {ha2_hex, 2 * n}};
        hash_joined(a, parts, r);
    }
    to_hex(r, n, out);
    return 2 * n;
}

bool verify(algorithm a, const credential_record& cred, std::string_view method,
            std::string_view uri, std::string_view nonce, std::string_view nc,
            std::string_view cnonce, std::string_view qop, std::string_view client_response) {
    const bool has = a == algorithm::md5 ? (cred.flags & credential_has_md5) != 0
                                         : (cred.flags & credential_has_sha256) != 0;
    const std::size_t n = 2 * size_of(a);
    if (!has || client_response.size() != n) {
        return false;
    }
    char expect[64];
    response(a,
             a == algorithm::md5 ? std::span<const std::uint8_t>(cred.ha1_md5)
                                 : std::span<const std::uint8_t>(cred.ha1_sha256),
             method, uri, nonce, nc, cnonce, qop, expect);
    // Constant time over the (fixed) length.
    unsigned diff = 0;
    for (std::size_t i = 0; i < n; ++i) {
        char c = client_response[i];
        c = (c >= 'A' && c <= 'F') ? static_cast<char>(c + 32) : c;
        diff |= static_cast<unsigned>(c ^ expect[i]);
    }
    return diff == 0;
}

void mint_nonce(std::string_view secret, std::string_view realm, std::int64_t now,
                std::uint64_t salt, char* out) {
    std::uint8_t raw[32];
    for (int i = 0; i < 8; ++i) {
        raw[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(now) >> (56 - 8 * i));
        raw[8 + i] = static_cast<std::uint8_t>(salt >> (56 - 8 * i));
    }
    nonce_mac(secret, raw, realm, raw + 16);
    to_hex(raw, 32, out);
}

nonce_state check_nonce(std::string_view secret, std::string_view realm, std::string_view nonce,
                        std::int64_t now, std::uint32_t lifetime_s) {
    if (nonce.size() != nonce_length) {
        return nonce_state::invalid;
    }
    std::uint8_t raw[32];
    if (!from_hex(nonce, raw, sizeof raw)) {
        return nonce_state::invalid;
    }
    std::uint8_t mac[16];
    nonce_mac(secret, raw, realm, mac);
    unsigned diff = 0;
    for (int i = 0; i < 16; ++i) {
        diff |= static_cast<unsigned>(mac[i] ^ raw[16 + i]);
    }
    if (diff != 0) {
        return nonce_state::invalid;
    }
    std::uint64_t ts = 0;
    for (int i = 0; i < 8; ++i) {
        ts = ts << 8 | raw[i];
    }
    const auto t = static_cast<std::int64_t>(ts);
    if (t > now + 5 || now - t > static_cast<std::int64_t>(lifetime_s)) {
        return nonce_state::stale;
    }
    return nonce_state::valid;
}

} // namespace sipedge::ipc::digest
