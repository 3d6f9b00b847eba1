// The dataplane's portable digest code (common/ipc/digest_check) against OpenSSL and
// against control's nonces: a nonce minted on one side is accepted on the other.

#include "common/ipc/digest_check.hh"
#include "control/auth/digest.hh"

#include <cstring>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <random>
#include <string>

namespace sipedge {
namespace {

TEST(digest_interop, portable_hashes_equal_openssl_on_random_inputs) {
    std::mt19937 rng(7);
    for (int n = 0; n < 400; ++n) {
        std::string data(static_cast<std::size_t>(n), '\0');
        for (char& c : data) {
            c = static_cast<char>(rng());
        }
        std::uint8_t a[32], b[32];
        unsigned len = 0;
        ipc::digest::md5 m;
        m.update(data);
        m.final(a);
        EVP_Digest(data.data(), data.size(), b, &len, EVP_md5(), nullptr);
        ASSERT_EQ(std::memcmp(a, b, 16), 0) << n;
        ipc::digest::sha256 s;
        s.update(data);
        s.final(a);
        EVP_Digest(data.data(), data.size(), b, &len, EVP_sha256(), nullptr);
        ASSERT_EQ(std::memcmp(a, b, 32), 0) << n;
        const std::string key = data.substr(0, static_cast<std::size_t>(n) % 100);
        ipc::digest::hmac_sha256(key, data, a);
        HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), b, &len);
        ASSERT_EQ(std::memcmp(a, b, 32), 0) << n;
    }
}

TEST(digest_interop, nonces_cross_between_control_and_dataplane) {
    const std::string secret = "shared-secret-from-the-toml";
    control::auth::nonce_manager control_side(secret, 300);
    const std::string from_control = control_side.issue(5000, "example.com");
    EXPECT_EQ(ipc::digest::check_nonce(secret, "example.com", from_control, 5100, 300),
              ipc::digest::nonce_state::valid);
    char from_dataplane[ipc::digest::nonce_length];
    ipc::digest::mint_nonce(secret, "example.com", 5000, 99, from_dataplane);
    EXPECT_EQ(control_side.check({from_dataplane, sizeof from_dataplane}, "example.com", 5100),
              control::auth::nonce_manager::state::valid);
}

TEST(digest_interop, dataplane_verifies_what_a_client_computes_with_control_ha1) {
    control::auth::hasher h;
    const control::auth::stored_credential c =
        control::auth::compute_credential(h, "alice", "atlanta.example.com", "wonderland");
    ipc::credential_record rec{};
    std::memcpy(rec.ha1_md5, c.ha1_md5.data(), 16);
    std::memcpy(rec.ha1_sha256, c.ha1_sha256.data(), 32);
    rec.flags = ipc::credential_has_md5 | ipc::credential_has_sha256;
    for (const auto alg :
         {control::auth::digest_algorithm::md5, control::auth::digest_algorithm::sha256}) {
        const std::string resp = control::auth::client_response(h, alg, c.ha1(alg), "INVITE",
                                                                "sip:bob@biloxi.example.com",
                                                                "n0nce", "00000001", "abc", "auth");
        const auto a = alg == control::auth::digest_algorithm::md5 ? ipc::digest::algorithm::md5
                                                                   : ipc::digest::algorithm::sha256;
        EXPECT_TRUE(ipc::digest::verify(a, rec, "INVITE", "sip:bob@biloxi.example.com", "n0nce",
                                        "00000001", "abc", "auth", resp));
        EXPECT_FALSE(ipc::digest::verify(a, rec, "INVITE", "sip:carol@biloxi.example.com", "n0nce",
                                         "00000001", "abc", "auth", resp));
    }
}

} // namespace
} // namespace sipedge
