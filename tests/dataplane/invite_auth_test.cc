// The dataplane's digest check for requests from our users (RFC 3665 §3.2 F2), in a
// real proxy core, against a real link file whose credential table a control side
// publishes in the same process: 407 with challenges, a valid answer forwarded
// without its Proxy-Authorization, wrong password / forged / stale / replayed
// nonces challenged again, malformed 400, other user 403, and what is not checked.
#include "common/ipc/digest_check.hh"
#include "common/ipc/link.hh"
#include "dataplane/invite_auth.hh"
#include "parser/auth.hh"
#include "tests/dataplane/link_pair.hh"
#include "tests/dataplane/proxy/single_proxy.hh"

#include <ctime>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

namespace sipedge::dataplane {
namespace {

namespace digest = ipc::digest;
using proxy::test::find_sent;
using proxy::test::uac;
using proxy::test::uas1;

constexpr std::string_view secret = "a-test-secret-of-32-characters!!";

// HA1 = H(user:realm:password), as control computes and publishes it.
ipc::credential_record credential(std::string_view user, std::string_view realm,
                                  std::string_view password) {
    ipc::credential_record r{};
    const std::string text = std::string(user) + ":" + std::string(realm) + ":" + std::string(password);
    digest::md5 m;
    m.update(text);
    m.final(r.ha1_md5);
    digest::sha256 s;
    s.update(text);
    s.final(r.ha1_sha256);
    r.flags = ipc::credential_has_md5 | ipc::credential_has_sha256;
    return r;
}

struct invite_auth_test : test::link_pair_base {
    proxy::auth_config config;
    std::unique_ptr<proxy::test::proxy_node> node;
    std::unique_ptr<invite_auth> auth;
    std::int64_t now = std::time(nullptr);

    invite_auth_test() : link_pair_base("invite-auth-test") {}
    void SetUp() override {
        link_pair_base::SetUp();
        ipc::credential_table_builder table;
        table.add({"alice", "atlanta.example.com", credential("alice", "atlanta.example.com", "secret")});
        ASSERT_EQ(ctl->publish_credentials(table, now), ipc::publish_result::ok);
        dp->quiescent(0);

        config.nonce_secret = std::string(secret);
        config.realms = {{"atlanta.example.com", "atlanta.example.com"}};
        node = std::make_unique<proxy::test::proxy_node>(proxy::test::config());
        node->location.add("bob@example.com", {"sip:bob@192.0.2.21:5060", 1000});
        auth = std::make_unique<invite_auth>(*dp, 0, config, node->counters);
        auth->set_time(now);
        node->core.set_authorizer(auth->authorizer());
    }
    void TearDown() override {
        auth.reset();
        link_pair_base::TearDown();
    }

    // An INVITE from alice@atlanta (or `from`), with extra header lines.
    static std::string request(std::string_view branch, std::string_view extra,
                               std::string_view from = "<sip:alice@atlanta.example.com>;tag=a1",
                               std::string_view method = "INVITE") {
        return proxy::test::wire(std::string(method) +
                                 " sip:bob@example.com SIP/2.0\n"
                                 "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=" +
                                 std::string(branch) +
                                 "\n"
                                 "Max-Forwards: 70\n"
                                 "From: " +
                                 std::string(from) +
                                 "\n"
                                 "To: <sip:bob@example.com>\n"
                                 "Call-ID: " +
                                 std::string(branch) +
                                 "@192.0.2.10\n"
                                 "CSeq: 1 " +
                                 std::string(method) + "\n" + std::string(extra) +
                                 "Content-Length: 0\n\n");
    }
    // A Proxy-Authorization line answering `nonce` (qop=auth, SHA-256 or MD5).
    static std::string answer(std::string_view nonce, std::string_view password,
                              std::string_view nc = "00000001", bool sha = true,
                              std::string_view user = "alice",
                              std::string_view method = "INVITE") {
        const auto cred = credential(user, "atlanta.example.com", password);
        const digest::algorithm a = sha ? digest::algorithm::sha256 : digest::algorithm::md5;
        const std::span<const std::uint8_t> ha1 =
            sha ? std::span<const std::uint8_t>(cred.ha1_sha256)
                : std::span<const std::uint8_t>(cred.ha1_md5);
        char response[64];
        const std::size_t n = digest::response(a, ha1, method, "sip:bob@example.com", nonce, nc,
                                               "0a4f113b", "auth", response);
        return "Proxy-Authorization: Digest username=\"" + std::string(user) +
               "\", realm=\"atlanta.example.com\", nonce=\"" + std::string(nonce) +
               "\", uri=\"sip:bob@example.com\", response=\"" + std::string(response, n) +
               "\", algorithm=" + (sha ? "SHA-256" : "MD5") + ", qop=auth, nc=" + std::string(nc) +
               ", cnonce=\"0a4f113b\"\n";
    }
    // The nonce of the 407's first challenge (empty when there is no 407).
    std::string challenged(const std::vector<proxy::test::sent_message>& sent, bool* stale = nullptr) {
        const proxy::test::sent_message* r = find_sent(sent, uac, "SIP/2.0 407 ");
        if (r == nullptr) {
            return {};
        }
        auto p = r->parsed();
        const auto h = p->first_value(sip::header_id::proxy_authenticate);
        if (!h) {
            return {};
        }
        auto ch = parser::parse_challenge(*h);
        EXPECT_TRUE(ch.ok());
        EXPECT_EQ(ch.value().realm, "atlanta.example.com");
        if (stale != nullptr) {
            *stale = ch.value().stale;
        }
        return std::string(ch.value().nonce);
    }
    std::vector<proxy::test::sent_message> send(const std::string& bytes) {
        return node->deliver(bytes, uac);
    }
};

TEST_F(invite_auth_test, challenges_then_forwards_without_the_credentials) {
    const auto first = send(request("z9hG4bK1", ""));
    ASSERT_EQ(first.size(), 1u);
    const std::string nonce = challenged(first);
    ASSERT_EQ(nonce.size(), digest::nonce_length);
    EXPECT_NE(first[0].bytes.find("Proxy-Authenticate: Digest realm=\"atlanta.example.com\""),
              std::string::npos);
    EXPECT_NE(first[0].bytes.find("algorithm=MD5"), std::string::npos); // both offered
    EXPECT_EQ(node->count(counter_id::auth_challenged), 1u);
    // The UAC ACKs the 407 (absorbed) and retries with credentials.
    EXPECT_TRUE(send(proxy::test::wire("ACK sip:bob@example.com SIP/2.0\n"
                                       "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1\n"
                                       "Max-Forwards: 70\n"
                                       "From: <sip:alice@atlanta.example.com>;tag=a1\n"
                                       "To: <sip:bob@example.com>;tag=x\n"
                                       "Call-ID: z9hG4bK1@192.0.2.10\nCSeq: 1 ACK\n"
                                       "Content-Length: 0\n\n"))
                    .empty());
    const auto second = send(request("z9hG4bK2", answer(nonce, "secret") +
                                                      "Proxy-Authorization: Digest username=\"x\", "
                                                      "realm=\"other.net\", nonce=\"n\", uri=\"u\", "
                                                      "response=\"r\"\n"));
    const proxy::test::sent_message* fwd = find_sent(second, uas1, "INVITE ");
    ASSERT_NE(fwd, nullptr);
    // Ours is consumed (§22.3); another proxy's realm passes on.
    EXPECT_EQ(fwd->bytes.find("atlanta.example.com\", nonce"), std::string::npos);
    EXPECT_NE(fwd->bytes.find("realm=\"other.net\""), std::string::npos);
    EXPECT_EQ(node->count(counter_id::auth_ok), 1u);
}

TEST_F(invite_auth_test, md5_answers_are_accepted_too) {
    const std::string nonce = challenged(send(request("z9hG4bK1", "")));
    const auto sent = send(request("z9hG4bK2", answer(nonce, "secret", "00000001", false)));
    EXPECT_NE(find_sent(sent, uas1, "INVITE "), nullptr);
}

TEST_F(invite_auth_test, wrong_password_forged_and_replayed_nonces_are_challenged_again) {
    const std::string nonce = challenged(send(request("z9hG4bK1", "")));
    const auto wrong = send(request("z9hG4bK2", answer(nonce, "guess")));
    EXPECT_EQ(find_sent(wrong, uas1, "INVITE "), nullptr);
    EXPECT_FALSE(challenged(wrong).empty());
    EXPECT_EQ(node->count(counter_id::auth_failed), 1u);

    std::string forged = nonce;
    forged[40] = forged[40] == 'a' ? 'b' : 'a'; // HMAC part changed
    const auto f = send(request("z9hG4bK3", answer(forged, "secret")));
    EXPECT_EQ(find_sent(f, uas1, "INVITE "), nullptr);
    EXPECT_EQ(node->count(counter_id::auth_failed), 2u);

    ASSERT_NE(find_sent(send(request("z9hG4bK4", answer(nonce, "secret", "00000001"))), uas1,
                        "INVITE "),
              nullptr);
    // The same nc again (a captured request replayed as a new transaction) and a lower one.
    bool stale = false;
    const auto replay = send(request("z9hG4bK5", answer(nonce, "secret", "00000001")));
    EXPECT_EQ(find_sent(replay, uas1, "INVITE "), nullptr);
    EXPECT_FALSE(challenged(replay, &stale).empty());
    EXPECT_TRUE(stale);
    EXPECT_EQ(node->count(counter_id::auth_replay), 1u);
    EXPECT_NE(find_sent(send(request("z9hG4bK6", answer(nonce, "secret", "00000002"))), uas1,
                        "INVITE "),
              nullptr);
    EXPECT_EQ(find_sent(send(request("z9hG4bK7", answer(nonce, "secret", "00000002"))), uas1,
                        "INVITE "),
              nullptr);
    EXPECT_EQ(node->count(counter_id::auth_replay), 2u);
}

TEST_F(invite_auth_test, an_expired_nonce_gets_stale_true) {
    const std::string nonce = challenged(send(request("z9hG4bK1", "")));
    auth->set_time(now + config.nonce_lifetime + 1);
    bool stale = false;
    const auto sent = send(request("z9hG4bK2", answer(nonce, "secret")));
    EXPECT_EQ(find_sent(sent, uas1, "INVITE "), nullptr);
    const std::string fresh = challenged(sent, &stale);
    EXPECT_TRUE(stale);
    EXPECT_NE(fresh, nonce);
    EXPECT_EQ(node->count(counter_id::auth_stale), 1u);
}

TEST_F(invite_auth_test, malformed_credentials_400_and_another_user_403) {
    const auto bad = send(request(
        "z9hG4bK1", "Proxy-Authorization: Digest username=\"alice\", realm=\"atlanta.example.com\"\n"));
    EXPECT_NE(find_sent(bad, uac, "SIP/2.0 400 "), nullptr);
    const std::string nonce = challenged(send(request("z9hG4bK2", "")));
    // Valid credentials of a user, but the From names alice.
    ipc::credential_table_builder table;
    table.add({"alice", "atlanta.example.com", credential("alice", "atlanta.example.com", "secret")});
    table.add({"carol", "atlanta.example.com", credential("carol", "atlanta.example.com", "pw")});
    ASSERT_EQ(ctl->publish_credentials(table, now), ipc::publish_result::ok);
    dp->quiescent(0);
    const auto other =
        send(request("z9hG4bK3", answer(nonce, "pw", "00000001", true, "carol")));
    EXPECT_NE(find_sent(other, uac, "SIP/2.0 403 "), nullptr);
    EXPECT_EQ(node->count(counter_id::auth_refused), 2u);
}

TEST_F(invite_auth_test, only_out_of_dialog_requests_from_our_domains_are_checked) {
    // Another domain's user: routed as before.
    EXPECT_NE(find_sent(send(request("z9hG4bK1", "", "<sip:carol@chicago.example.org>;tag=c")),
                        uas1, "INVITE "),
              nullptr);
    // OPTIONS from our user is checked; in-dialog requests (To tag) are not.
    EXPECT_FALSE(challenged(send(request("z9hG4bK2", "", "<sip:alice@atlanta.example.com>;tag=a",
                                         "OPTIONS")))
                     .empty());
    std::string bye = request("z9hG4bK3", "", "<sip:alice@atlanta.example.com>;tag=a", "BYE");
    bye.replace(bye.find("To: <sip:bob@example.com>"), 25, "To: <sip:bob@example.com>;tag=b");
    EXPECT_NE(find_sent(send(bye), uas1, "BYE "), nullptr);
    // Switched off: nothing is checked.
    config.invite = false;
    EXPECT_NE(find_sent(send(request("z9hG4bK4", "")), uas1, "INVITE "), nullptr);
    EXPECT_EQ(node->count(counter_id::auth_challenged), 1u);
}

} // namespace
} // namespace sipedge::dataplane
