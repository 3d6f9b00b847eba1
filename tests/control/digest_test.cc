// control/auth: digest computation against the RFC 2617 / RFC 7616 examples,
// stateless nonces, nonce-count replay protection, and verify_digest's verdicts.

#include "control/auth/credential_store.hh"
#include "control/auth/digest.hh"
#include "parser/auth.hh"

#include <gtest/gtest.h>
#include <string>

namespace sipedge::control::auth {
namespace {

std::string ha1_hex(digest_algorithm a, std::string_view user, std::string_view realm,
                    std::string_view password) {
    hasher h;
    const stored_credential c = compute_credential(h, user, realm, password);
    return to_hex(c.ha1(a));
}

TEST(digest, rfc2617_example_md5_qop_auth) {
    hasher h;
    const stored_credential c =
        compute_credential(h, "Mufasa", "testrealm@host.com", "Circle Of Life");
    EXPECT_EQ(client_response(h, digest_algorithm::md5, c.ha1(digest_algorithm::md5), "GET",
                              "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
                              "0a4f113b", "auth"),
              "6629fae49393a05397450978507c4ef1");
}

TEST(digest, rfc7616_examples_md5_and_sha256) {
    hasher h;
    const stored_credential c =
        compute_credential(h, "Mufasa", "http-auth@example.org", "Circle of Life");
    const char* nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const char* cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    EXPECT_EQ(client_response(h, digest_algorithm::md5, c.ha1(digest_algorithm::md5), "GET",
                              "/dir/index.html", nonce, "00000001", cnonce, "auth"),
              "8ca523f5e9506fed4657c9700eebdbec");
    EXPECT_EQ(client_response(h, digest_algorithm::sha256, c.ha1(digest_algorithm::sha256), "GET",
                              "/dir/index.html", nonce, "00000001", cnonce, "auth"),
              "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(digest, ha1_is_the_hash_not_the_password) {
    const std::string md5 = ha1_hex(digest_algorithm::md5, "bob", "biloxi.example.com", "zanzibar");
    EXPECT_EQ(md5.size(), 32u);
    EXPECT_EQ(md5.find("zanzibar"), std::string::npos);
    EXPECT_NE(md5, ha1_hex(digest_algorithm::md5, "bob", "biloxi.example.com", "zanzibaR"));
    EXPECT_EQ(ha1_hex(digest_algorithm::sha256, "bob", "biloxi.example.com", "zanzibar").size(),
              64u);
}

TEST(digest, hex_round_trip_and_rejects) {
    std::uint8_t b[4];
    EXPECT_TRUE(from_hex("00fF10aB", b));
    EXPECT_EQ(to_hex(b), "00ff10ab");
    EXPECT_FALSE(from_hex("00fF10a", b));
    EXPECT_FALSE(from_hex("00fF10ag", b));
}

TEST(nonce, valid_stale_and_forged) {
    nonce_manager n("secret", 300);
    const std::string nonce = n.issue(1000, "biloxi.example.com");
    EXPECT_EQ(nonce.size(), nonce_manager::nonce_length);
    EXPECT_EQ(n.check(nonce, "biloxi.example.com", 1000), nonce_manager::state::valid);
    EXPECT_EQ(n.check(nonce, "biloxi.example.com", 1300), nonce_manager::state::valid);
    EXPECT_EQ(n.check(nonce, "biloxi.example.com", 1301), nonce_manager::state::stale);
    EXPECT_EQ(n.check(nonce, "atlanta.example.com", 1000), nonce_manager::state::invalid)
        << "a nonce is bound to its realm";
    std::string forged = nonce;
    forged[40] = forged[40] == 'a' ? 'b' : 'a';
    EXPECT_EQ(n.check(forged, "biloxi.example.com", 1000), nonce_manager::state::invalid);
    std::string later = nonce;
    later[15] = later[15] == '1' ? '2' : '1'; // timestamp changed: MAC no longer matches
    EXPECT_EQ(n.check(later, "biloxi.example.com", 1000), nonce_manager::state::invalid);
    EXPECT_EQ(n.check("abc", "biloxi.example.com", 1000), nonce_manager::state::invalid);
    nonce_manager other("other secret", 300);
    EXPECT_EQ(other.check(nonce, "biloxi.example.com", 1000), nonce_manager::state::invalid);
    EXPECT_NE(n.issue(1000, "biloxi.example.com"), nonce) << "every nonce is unique";
}

// A nonce remembered after check() + accept_nc() is checked against the MAC it was
// verified with instead of a new HMAC: the answers must be the ones the HMAC gives.
TEST(nonce, remembered_nonce_answers_as_the_hmac_does) {
    nonce_manager n("secret", 300);
    const std::string nonce = n.issue(1000, "biloxi.example.com");
    ASSERT_EQ(n.check(nonce, "biloxi.example.com", 1000), nonce_manager::state::valid);
    ASSERT_TRUE(n.accept_nc(nonce, 1, 1000));
    EXPECT_EQ(n.check(nonce, "biloxi.example.com", 1001), nonce_manager::state::valid);
    EXPECT_EQ(n.check(nonce, "biloxi.example.com", 1301), nonce_manager::state::stale);
    EXPECT_EQ(n.check(nonce, "atlanta.example.com", 1001), nonce_manager::state::invalid)
        << "remembered for its realm only";
    for (std::size_t i = 32; i < nonce_manager::nonce_length; ++i) {
        std::string forged = nonce;
        forged[i] = forged[i] == 'a' ? 'b' : 'a';
        EXPECT_EQ(n.check(forged, "biloxi.example.com", 1001), nonce_manager::state::invalid)
            << "MAC digit " << i;
    }
    std::string upper = nonce;
    for (char& c : upper) {
        c = (c >= 'a' && c <= 'f') ? static_cast<char>(c - 32) : c;
    }
    EXPECT_EQ(n.check(upper, "biloxi.example.com", 1001), nonce_manager::state::valid)
        << "hex digits of either case, as before";
    // Tracked by accept_nc alone (never checked here): check() still computes the MAC.
    const std::string other = n.issue(1000, "biloxi.example.com");
    ASSERT_TRUE(n.accept_nc(other, 1, 1000));
    EXPECT_EQ(n.check(other, "atlanta.example.com", 1000), nonce_manager::state::invalid);
    EXPECT_EQ(n.check(other, "biloxi.example.com", 1000), nonce_manager::state::valid);
    EXPECT_EQ(n.check(other, "atlanta.example.com", 1000), nonce_manager::state::invalid);
    nonce_manager stranger("other secret", 300);
    ASSERT_TRUE(stranger.accept_nc(nonce, 1, 1000));
    EXPECT_EQ(stranger.check(nonce, "biloxi.example.com", 1000), nonce_manager::state::invalid)
        << "tracking a count proves nothing about the MAC";
}

TEST(nonce, nonce_count_must_increase) {
    nonce_manager n("secret", 300);
    const std::string a = n.issue(1000, "r");
    const std::string b = n.issue(1000, "r");
    EXPECT_TRUE(n.accept_nc(a, 1, 1000));
    EXPECT_FALSE(n.accept_nc(a, 1, 1000)) << "replay";
    EXPECT_TRUE(n.accept_nc(a, 2, 1000));
    EXPECT_FALSE(n.accept_nc(a, 1, 1000)) << "older count";
    EXPECT_TRUE(n.accept_nc(b, 1, 1000)) << "counts are per nonce";
    EXPECT_EQ(n.tracked(), 2u);
    EXPECT_EQ(n.purge(2000), 2u);
    EXPECT_EQ(n.tracked(), 0u);
}

TEST(nonce, forgetting_for_room_never_lets_a_replay_in) {
    nonce_manager n("secret", 300, 2);
    const std::string a = n.issue(1000, "r");
    const std::string b = n.issue(1001, "r");
    const std::string c = n.issue(1002, "r");
    EXPECT_TRUE(n.accept_nc(a, 1, 1002));
    EXPECT_TRUE(n.accept_nc(b, 1, 1002));
    EXPECT_TRUE(n.accept_nc(c, 1, 1002)); // evicts a
    EXPECT_FALSE(n.accept_nc(a, 1, 1002)) << "a was forgotten: refused, not accepted again";
}

struct verify_fixture : ::testing::Test {
    nonce_manager nonces{"secret", 300};
    credential_store users;
    hasher h;
    void SetUp() override {
        users.put("bob", "biloxi.example.com",
                  compute_credential(h, "bob", "biloxi.example.com", "zanzibar"));
    }
    std::string creds(std::string_view nonce, std::string_view password, digest_algorithm a,
                      std::string_view nc = "00000001", std::string_view qop = "auth",
                      std::string_view uri = "sip:biloxi.example.com") {
        const stored_credential c = compute_credential(h, "bob", "biloxi.example.com", password);
        const std::string resp = client_response(h, a, c.ha1(a), "REGISTER", uri, nonce, nc,
                                                 qop.empty() ? "" : "xyz", qop);
        std::string v = "Digest username=\"bob\", realm=\"biloxi.example.com\", nonce=\"" +
                        std::string(nonce) + "\", uri=\"" + std::string(uri) + "\", response=\"" +
                        resp + "\", algorithm=" + std::string(algorithm_name(a));
        if (!qop.empty()) {
            v += ", qop=" + std::string(qop) + ", nc=" + std::string(nc) + ", cnonce=\"xyz\"";
        }
        return v;
    }
    verdict check(const std::string& value, std::int64_t now = 1000) {
        const auto p = parser::parse_credentials(value);
        EXPECT_TRUE(p.ok()) << value;
        return verify_digest(nonces, p.value(), "REGISTER", "sip:biloxi.example.com",
                             "biloxi.example.com", users.lookup(), now);
    }
};

TEST_F(verify_fixture, good_credentials_md5_sha256_and_rfc2069) {
    const std::string n = nonces.issue(1000, "biloxi.example.com");
    EXPECT_EQ(check(creds(n, "zanzibar", digest_algorithm::md5)), verdict::ok);
    const std::string n2 = nonces.issue(1000, "biloxi.example.com");
    EXPECT_EQ(check(creds(n2, "zanzibar", digest_algorithm::sha256)), verdict::ok);
    const std::string n3 = nonces.issue(1000, "biloxi.example.com");
    EXPECT_EQ(check(creds(n3, "zanzibar", digest_algorithm::md5, "", "")), verdict::ok);
}

TEST_F(verify_fixture, each_failure_has_its_verdict) {
    const std::string n = nonces.issue(1000, "biloxi.example.com");
    EXPECT_EQ(check(creds(n, "wrong", digest_algorithm::md5)), verdict::bad_response);
    EXPECT_EQ(check(creds(n, "zanzibar", digest_algorithm::md5)), verdict::ok);
    EXPECT_EQ(check(creds(n, "zanzibar", digest_algorithm::md5)), verdict::replay);
    EXPECT_EQ(check(creds(n, "zanzibar", digest_algorithm::md5, "00000002")), verdict::ok);
    EXPECT_EQ(check(creds(n, "zanzibar", digest_algorithm::md5, "00000003"), 1301),
              verdict::stale_nonce);
    const std::string forged(64, 'a');
    EXPECT_EQ(check(creds(forged, "zanzibar", digest_algorithm::md5)), verdict::bad_nonce);
    EXPECT_EQ(check(creds(n, "zanzibar", digest_algorithm::md5, "00000004", "auth-int")),
              verdict::unsupported);
    EXPECT_EQ(check(creds(n, "zanzibar", digest_algorithm::md5, "00000005", "auth",
                          "sip:elsewhere.example.com")),
              verdict::wrong_uri);
    EXPECT_EQ(check("Digest username=\"bob\", realm=\"biloxi.example.com\", nonce=\"" + n +
                    "\", uri=\"sip:biloxi.example.com\", response=\"00\", algorithm=SHA-512-256"),
              verdict::unsupported);
    EXPECT_EQ(check("Digest username=\"bob\", realm=\"biloxi.example.com\", nonce=\"" + n + "\""),
              verdict::malformed);
    EXPECT_EQ(check("Digest username=\"bob\", realm=\"atlanta.example.com\", nonce=\"" + n +
                    "\", uri=\"sip:biloxi.example.com\", response=\"00\""),
              verdict::missing)
        << "credentials for another realm are not ours to judge";
    users.erase("bob", "biloxi.example.com");
    EXPECT_EQ(check(creds(n, "zanzibar", digest_algorithm::md5, "00000009")),
              verdict::unknown_user);
}

TEST_F(verify_fixture, challenge_text) {
    char buf[256];
    const std::size_t n = write_challenge(buf, sizeof buf, "biloxi.example.com", "abc",
                                          digest_algorithm::sha256, true);
    EXPECT_EQ(std::string(buf, n), "Digest realm=\"biloxi.example.com\", nonce=\"abc\", "
                                   "qop=\"auth\", algorithm=SHA-256, stale=true");
    const auto parsed = parser::parse_challenge(std::string(buf, n));
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed.value().stale);
    EXPECT_EQ(write_challenge(buf, 10, "biloxi.example.com", "abc", digest_algorithm::md5, false),
              0u);
}

} // namespace
} // namespace sipedge::control::auth
