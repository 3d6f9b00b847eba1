// common/ipc/digest_check: the portable MD5 / SHA-256 / HMAC-SHA-256 against
// published test vectors, digest responses against RFC 2617 / RFC 7616, and the
// nonce format. (tests/control/digest_interop_test.cc checks them against OpenSSL
// and control's nonces.)

#include "common/ipc/digest_check.hh"

#include <gtest/gtest.h>
#include <string>

namespace sipedge::ipc::digest {
namespace {

std::string hex(const std::uint8_t* p, std::size_t n) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += d[p[i] >> 4];
        s += d[p[i] & 15];
    }
    return s;
}

std::string md5_hex(std::string_view s) {
    md5 h;
    h.update(s);
    std::uint8_t out[16];
    h.final(out);
    return hex(out, 16);
}

std::string sha256_hex(std::string_view s) {
    sha256 h;
    h.update(s);
    std::uint8_t out[32];
    h.final(out);
    return hex(out, 32);
}

TEST(ipc_digest, md5_rfc1321_vectors) {
    EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
    EXPECT_EQ(
        md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
        "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(ipc_digest, sha256_fips180_vectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    sha256 h;
    const std::string chunk(1000, 'a');
    for (int i = 0; i < 1000; ++i) {
        h.update(chunk);
    }
    std::uint8_t out[32];
    h.final(out);
    EXPECT_EQ(hex(out, 32), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(ipc_digest, incremental_equals_one_shot_across_block_edges) {
    std::string data;
    for (int i = 0; i < 300; ++i) {
        data += static_cast<char>(i * 7 + 3);
    }
    for (std::size_t split : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 128u, 299u}) {
        md5 a;
        a.update(std::string_view(data).substr(0, split));
        a.update(std::string_view(data).substr(split));
        std::uint8_t x[16];
        a.final(x);
        EXPECT_EQ(hex(x, 16), md5_hex(data)) << split;
        sha256 b;
        b.update(std::string_view(data).substr(0, split));
        b.update(std::string_view(data).substr(split));
        std::uint8_t y[32];
        b.final(y);
        EXPECT_EQ(hex(y, 32), sha256_hex(data)) << split;
    }
}

TEST(ipc_digest, hmac_sha256_rfc4231) {
    std::uint8_t out[32];
    hmac_sha256(std::string(20, '\x0b'), "Hi There", out);
    EXPECT_EQ(hex(out, 32), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    hmac_sha256("Jefe", "what do ya want for nothing?", out);
    EXPECT_EQ(hex(out, 32), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
                out);
    EXPECT_EQ(hex(out, 32), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

credential_record mufasa(std::string_view realm, std::string_view password) {
    credential_record r{};
    const std::string a1 = "Mufasa:" + std::string(realm) + ":" + std::string(password);
    md5 m;
    m.update(a1);
    m.final(r.ha1_md5);
    sha256 s;
    s.update(a1);
    s.final(r.ha1_sha256);
    r.flags = credential_has_md5 | credential_has_sha256;
    return r;
}

TEST(ipc_digest, responses_match_rfc2617_and_rfc7616) {
    const credential_record c2617 = mufasa("testrealm@host.com", "Circle Of Life");
    EXPECT_TRUE(verify(algorithm::md5, c2617, "GET", "/dir/index.html",
                       "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth",
                       "6629fae49393a05397450978507c4ef1"));
    EXPECT_TRUE(verify(algorithm::md5, c2617, "GET", "/dir/index.html",
                       "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth",
                       "6629FAE49393A05397450978507C4EF1"))
        << "hex case does not matter";
    EXPECT_FALSE(verify(algorithm::md5, c2617, "GET", "/dir/index.html",
                        "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000002", "0a4f113b", "auth",
                        "6629fae49393a05397450978507c4ef1"));
    const credential_record c7616 = mufasa("http-auth@example.org", "Circle of Life");
    const char* nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const char* cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    EXPECT_TRUE(verify(algorithm::sha256, c7616, "GET", "/dir/index.html", nonce, "00000001",
                       cnonce, "auth",
                       "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"));
    EXPECT_TRUE(verify(algorithm::md5, c7616, "GET", "/dir/index.html", nonce, "00000001", cnonce,
                       "auth", "8ca523f5e9506fed4657c9700eebdbec"));
    credential_record md5_only = c7616;
    md5_only.flags = credential_has_md5;
    EXPECT_FALSE(verify(algorithm::sha256, md5_only, "GET", "/dir/index.html", nonce, "00000001",
                        cnonce, "auth",
                        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"))
        << "no SHA-256 HA1 stored";
}

TEST(ipc_digest, nonces_valid_stale_forged) {
    char n[nonce_length];
    mint_nonce("secret-0123456789", "example.com", 1000, 42, n);
    const std::string_view nonce(n, sizeof n);
    EXPECT_EQ(check_nonce("secret-0123456789", "example.com", nonce, 1000, 30), nonce_state::valid);
    EXPECT_EQ(check_nonce("secret-0123456789", "example.com", nonce, 1031, 30), nonce_state::stale);
    EXPECT_EQ(check_nonce("other-secret-0123", "example.com", nonce, 1000, 30),
              nonce_state::invalid);
    EXPECT_EQ(check_nonce("secret-0123456789", "example.org", nonce, 1000, 30),
              nonce_state::invalid);
    std::string forged(nonce);
    forged[63] = forged[63] == '0' ? '1' : '0';
    EXPECT_EQ(check_nonce("secret-0123456789", "example.com", forged, 1000, 30),
              nonce_state::invalid);
    EXPECT_EQ(check_nonce("secret-0123456789", "example.com", "zz", 1000, 30),
              nonce_state::invalid);
}

} // namespace
} // namespace sipedge::ipc::digest
