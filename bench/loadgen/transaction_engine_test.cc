// The REGISTER-with-digest and OPTIONS engine on a simulated wire against
// direct mode's registrar (uas_responder): registrations are challenged once
// and then refreshed in one round trip, stale nonces are re-challenged, a wrong
// password or a 403 is a counted failure, loss is recovered by timer E and
// silence ends in timer F, a late 401 is absorbed. And the Authorization line
// matches RFC 2617's worked example.

#include "bench/loadgen/digest_client.hh"
#include "bench/loadgen/test_wire.hh"
#include "bench/loadgen/transaction_engine.hh"
#include "parser/auth.hh"
#include "parser/message_parser.hh"

#include <gtest/gtest.h>
#include <string>

namespace sipedge::loadgen {
namespace {

using harness = wire_harness<transaction_engine>;

engine_config register_config(std::uint32_t users, std::uint64_t rate, std::uint64_t count) {
    engine_config c = direct_config();
    c.kind = scenario::register_;
    c.users = users;
    c.rate = rate;
    c.calls = count;
    c.domain = "example.com";
    c.password = "bench-password";
    return c;
}

TEST(LoadgenRegister, ChallengedOnceThenRefreshedInOneRoundTrip) {
    harness h(register_config(100, 1000, 500));
    h.net.keep_log = true;
    ASSERT_TRUE(h.run(100'000, 60'000 * ms));
    EXPECT_EQ(h[stat_id::reg_attempted], 500u);
    EXPECT_EQ(h[stat_id::reg_succeeded], 500u);
    EXPECT_EQ(h[stat_id::reg_failed], 0u);
    EXPECT_EQ(h[stat_id::reg_challenged], 100u); // each user's first registration
    EXPECT_EQ(h[stat_id::reg_stale], 0u);
    EXPECT_EQ(h[stat_id::reg_one_round_trip], 400u);
    EXPECT_EQ(h[stat_id::uas_challenges], 100u);
    EXPECT_EQ(h[stat_id::uas_registered], 500u);
    EXPECT_EQ(h[stat_id::uas_auth_refused], 0u);
    EXPECT_EQ(h[stat_id::retrans_sent], 0u);
    EXPECT_EQ(h[stat_id::unexpected], 0u);
    EXPECT_EQ(h[stat_id::late], 0u);
    EXPECT_EQ(h[stat_id::parse_errors], 0u);
    // 100 x (REGISTER, 401, REGISTER, 200) + 400 x (REGISTER, 200).
    EXPECT_EQ(h[stat_id::msgs_sent], 1200u);
    EXPECT_EQ(h[stat_id::msgs_received], 1200u);
    EXPECT_EQ(h.net.misrouted, 0u);
    EXPECT_EQ(h.engine->active(), 0u);
    EXPECT_EQ(take_snapshot(h.stats).latency.total, 500u);
    // A refresh: same Call-ID as the user's first REGISTER, higher CSeq, nc 2.
    const std::string* first = nullptr;
    const std::string* refresh = nullptr;
    for (const std::string& m : h.net.log) {
        if (m.starts_with("REGISTER ") && m.find("To: <sip:user7@example.com>") != std::string::npos) {
            (first == nullptr ? first : refresh) = &m;
            if (refresh != nullptr && refresh->find("nc=00000002") != std::string::npos) {
                break;
            }
            if (refresh != nullptr) {
                refresh = nullptr; // the credentials after the first 401: keep looking
            }
        }
    }
    ASSERT_NE(first, nullptr);
    ASSERT_NE(refresh, nullptr);
    auto line = [](const std::string& m, std::string_view name) {
        const std::size_t at = m.find(name);
        return at == std::string::npos ? std::string() : m.substr(at, m.find('\r', at) - at);
    };
    EXPECT_EQ(line(*first, "Call-ID: "), line(*refresh, "Call-ID: "));
    EXPECT_EQ(line(*first, "Authorization: "), "");
    EXPECT_NE(line(*refresh, "CSeq: 3 REGISTER"), "");
    EXPECT_NE(line(*refresh, "qop=auth"), "");
    EXPECT_NE(line(*refresh, "uri=\"sip:example.com\""), "");
    EXPECT_NE(line(*first, "Contact: <sip:user7@198.51.100.2:5061>"), "");
}

TEST(LoadgenRegister, WithoutNonceReuseEveryRegistrationIsChallenged) {
    engine_config cfg = register_config(50, 1000, 200);
    cfg.reuse_nonce = false;
    harness h(cfg);
    ASSERT_TRUE(h.run(100'000, 60'000 * ms));
    EXPECT_EQ(h[stat_id::reg_succeeded], 200u);
    EXPECT_EQ(h[stat_id::reg_challenged], 200u);
    EXPECT_EQ(h[stat_id::reg_one_round_trip], 0u);
    EXPECT_EQ(h[stat_id::msgs_sent], 800u);
}

TEST(LoadgenRegister, Sha256Challenge) {
    engine_config cfg = register_config(20, 1000, 60);
    cfg.uas_algorithm = digest_alg::sha256;
    harness h(cfg);
    h.net.keep_log = true;
    ASSERT_TRUE(h.run(100'000, 60'000 * ms));
    EXPECT_EQ(h[stat_id::reg_succeeded], 60u);
    EXPECT_EQ(h[stat_id::reg_failed], 0u);
    bool seen = false;
    for (const std::string& m : h.net.log) {
        seen = seen || (m.starts_with("REGISTER ") && m.find("algorithm=SHA-256") != std::string::npos);
    }
    EXPECT_TRUE(seen);
}

TEST(LoadgenRegister, StaleNonceIsChallengedAgainNotFailed) {
    engine_config cfg = register_config(10, 5, 40); // each user every 2 s
    cfg.uas_nonce_lifetime_s = 1;
    harness h(cfg);
    ASSERT_TRUE(h.run(1 * ms, 120'000 * ms));
    EXPECT_EQ(h[stat_id::reg_succeeded], 40u);
    EXPECT_EQ(h[stat_id::reg_failed], 0u);
    EXPECT_EQ(h[stat_id::reg_stale], 30u); // every refresh
    EXPECT_EQ(h[stat_id::reg_challenged], 40u);
    EXPECT_EQ(h[stat_id::reg_one_round_trip], 0u);
}

TEST(LoadgenRegister, WrongPasswordIsAFailure) {
    engine_config cfg = register_config(10, 100, 30);
    cfg.uas_password = "not-the-password";
    harness h(cfg);
    ASSERT_TRUE(h.run(1 * ms, 60'000 * ms));
    EXPECT_EQ(h[stat_id::reg_succeeded], 0u);
    EXPECT_EQ(h[stat_id::reg_failed], 30u);
    EXPECT_EQ(h[stat_id::fail_reg_auth], 30u);
    EXPECT_EQ(h[stat_id::uas_auth_refused], 30u);
    EXPECT_EQ(h[stat_id::unexpected], 0u);
}

TEST(LoadgenRegister, ForbiddenIsAFailure) {
    harness h(register_config(10, 100, 30));
    h.net.rewrite = [](wire::packet& p) {
        if (p.bytes.starts_with("SIP/2.0 200 ")) {
            p.bytes.replace(0, p.bytes.find('\r'), "SIP/2.0 403 Forbidden");
        }
    };
    ASSERT_TRUE(h.run(1 * ms, 60'000 * ms));
    EXPECT_EQ(h[stat_id::reg_succeeded], 0u);
    EXPECT_EQ(h[stat_id::reg_failed], 30u);
    EXPECT_EQ(h[stat_id::fail_reg_rejected], 30u);
    // A refused registration forgets its nonce: every one is challenged.
    EXPECT_EQ(h[stat_id::reg_challenged], 30u);
}

TEST(LoadgenRegister, ContactMissingFromThe200IsAFailure) {
    harness h(register_config(5, 100, 10));
    h.net.rewrite = [](wire::packet& p) {
        if (p.bytes.starts_with("SIP/2.0 200 ")) {
            const std::size_t at = p.bytes.find("Contact: <sip:user");
            p.bytes.replace(at, 18, "Contact: <sip:other");
        }
    };
    ASSERT_TRUE(h.run(1 * ms, 60'000 * ms));
    EXPECT_EQ(h[stat_id::fail_reg_no_contact], 10u);
}

TEST(LoadgenRegister, LossIsRecoveredByTimerE) {
    engine_config cfg = register_config(200, 250, 1000); // each user every 0.8 s
    cfg.t1_ms = 50;
    cfg.t2_ms = 400;
    harness h(cfg);
    std::uint64_t lcg = 11;
    h.net.drop = [&lcg](const wire::packet&) {
        lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
        return (lcg >> 33) % 100 < 10;
    };
    ASSERT_TRUE(h.run(100'000, 600'000 * ms));
    EXPECT_GT(h.net.dropped, 100u);
    EXPECT_EQ(h[stat_id::reg_succeeded], 1000u)
        << "timeouts " << h[stat_id::fail_reg_timeout] << ", auth " << h[stat_id::fail_reg_auth]
        << ", busy " << h[stat_id::fail_user_busy];
    EXPECT_GT(h[stat_id::retrans_register], 0u);
    // The registrar repeats its 200 to a retransmitted REGISTER it already took.
    EXPECT_GT(h[stat_id::retrans_sent], h[stat_id::retrans_register]);
    EXPECT_GT(h[stat_id::retrans_received], 0u);
    EXPECT_EQ(h[stat_id::unexpected], 0u);
    EXPECT_EQ(h.engine->active(), 0u);
}

TEST(LoadgenRegister, SilenceEndsInTimerF) {
    harness h(register_config(10, 100, 10));
    h.net.drop = [](const wire::packet&) { return true; };
    ASSERT_TRUE(h.run(1 * ms, 120'000 * ms));
    EXPECT_EQ(h[stat_id::reg_failed], 10u);
    EXPECT_EQ(h[stat_id::fail_reg_timeout], 10u);
    // Timer E at 0.5, 1.5, 3.5, 7.5 s, then every T2 (4 s) to 31.5 s; F at 32 s.
    EXPECT_EQ(h[stat_id::retrans_register], 10u * 10u);
    EXPECT_EQ(h[stat_id::msgs_sent], 11u * 10u);
    EXPECT_EQ(h.engine->active(), 0u);
}

TEST(LoadgenRegister, LateChallengeToARetransmissionIsAbsorbed) {
    harness h(register_config(5, 100, 5));
    h.net.delay = 300 * ms; // round trip 600 ms > T1: the first REGISTER is sent twice
    ASSERT_TRUE(h.run(1 * ms, 60'000 * ms));
    EXPECT_EQ(h[stat_id::reg_succeeded], 5u);
    // Each REGISTER is sent twice: T1 expires before its answer is back.
    EXPECT_EQ(h[stat_id::retrans_register], 10u);
    EXPECT_EQ(h[stat_id::late], 5u); // the second 401, after the credentials went
    EXPECT_EQ(h[stat_id::unexpected], 0u);
}

TEST(LoadgenRegister, BusyUserIsCounted) {
    harness h(register_config(1, 10'000, 20));
    ASSERT_TRUE(h.run(10'000, 60'000 * ms));
    EXPECT_GT(h[stat_id::fail_user_busy], 0u);
    EXPECT_EQ(h[stat_id::reg_succeeded] + h[stat_id::fail_user_busy], 20u);
}

TEST(LoadgenRegister, StrangersAreCountedNotTrusted) {
    harness h(register_config(5, 10, 1));
    h.net.now = 5 * ms;
    h.engine->start(h.net.now);
    const std::string foreign =
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/UDP 198.51.100.2:5061;branch=z9hG4bKlr0000000000000001ffffffffffffffff\r\n"
        "From: <sip:user0@example.com>;tag=1\r\nTo: <sip:user0@example.com>;tag=2\r\n"
        "Call-ID: lr00000000.0123456789abcdef@198.51.100.2\r\nCSeq: 1 REGISTER\r\n"
        "Content-Length: 0\r\n\r\n";
    h.deliver(foreign, side::uac, uas_ip, 5060);
    EXPECT_EQ(h[stat_id::unexpected], 1u);
    EXPECT_EQ(h[stat_id::reg_succeeded], 0u);
}

TEST(LoadgenOptionsScenario, DirectOptionsAreAnswered) {
    engine_config cfg = direct_config();
    cfg.kind = scenario::options;
    cfg.users = 50;
    cfg.rate = 2000;
    cfg.calls = 1000;
    harness h(cfg);
    h.net.keep_log = true;
    ASSERT_TRUE(h.run(100'000, 60'000 * ms));
    EXPECT_EQ(h[stat_id::options_attempted], 1000u);
    EXPECT_EQ(h[stat_id::options_succeeded], 1000u);
    EXPECT_EQ(h[stat_id::options_failed], 0u);
    EXPECT_EQ(h[stat_id::uas_options_answered], 1000u);
    EXPECT_EQ(h[stat_id::msgs_sent], 2000u);
    EXPECT_EQ(h[stat_id::unexpected], 0u);
    const stats_snapshot s = take_snapshot(h.stats);
    EXPECT_EQ(s.latency.total, 1000u);
    EXPECT_GE(s.latency.quantile_ns(0.5), 400'000u);
    EXPECT_TRUE(h.net.log.front().starts_with("OPTIONS sip:198.51.100.3:5060 SIP/2.0\r\n"));
}

// As for calls (engine_test): every OPTIONS due within the duration is sent,
// even when the loop first comes round after it has passed.
TEST(LoadgenOptionsScenario, DurationSendsEveryItemDueWithinIt) {
    engine_config cfg = direct_config();
    cfg.kind = scenario::options;
    cfg.users = 5000;
    cfg.rate = 1000;
    cfg.duration_ms = 1500;
    harness h(cfg);
    ASSERT_TRUE(h.run(7 * ms, 60'000 * ms));
    EXPECT_EQ(h[stat_id::options_attempted], 1500u);
    EXPECT_EQ(h[stat_id::options_succeeded], 1500u);
}

TEST(LoadgenOptionsScenario, RejectionAndSilenceAreFailures) {
    engine_config cfg = direct_config();
    cfg.kind = scenario::options;
    cfg.users = 8;
    cfg.rate = 100;
    cfg.calls = 8;
    harness h(cfg);
    int n = 0;
    h.net.rewrite = [](wire::packet& p) {
        if (p.bytes.starts_with("SIP/2.0 200 ")) {
            p.bytes.replace(0, p.bytes.find('\r'), "SIP/2.0 404 Not Found");
        }
    };
    h.net.drop = [&n](const wire::packet& p) { return p.to == side::uas && ++n % 2 == 0; };
    ASSERT_TRUE(h.run(1 * ms, 120'000 * ms));
    EXPECT_EQ(h[stat_id::options_failed], 8u);
    EXPECT_GT(h[stat_id::fail_options_rejected], 0u);
    EXPECT_EQ(h[stat_id::fail_options_rejected] + h[stat_id::fail_options_timeout], 8u);
}

// RFC 2617 3.5's example: Mufasa, "Circle Of Life", GET /dir/index.html.
TEST(LoadgenDigest, AuthorizationMatchesRfc2617Example) {
    const std::string response =
        "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 198.51.100.2\r\nFrom: <sip:a@b>;tag=1\r\n"
        "To: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n"
        "WWW-Authenticate: Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n"
        "Content-Length: 0\r\n\r\n";
    std::string padded = response + std::string(parser::parser_padding, '\0');
    parser::message_parser p;
    sip::message_view view;
    ASSERT_TRUE(p.parse({padded.data(), response.size()}, padded.size(), view).ok());
    stored_challenge c;
    bool stale = true;
    ASSERT_EQ(take_challenge(view, c, stale), challenge_outcome::taken);
    EXPECT_FALSE(stale);
    EXPECT_TRUE(c.qop_auth);
    char buf[1024];
    msg_writer w(buf, sizeof buf);
    write_authorization(w, c, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1,
                        "0a4f113b");
    ASSERT_TRUE(w.ok());
    const std::string line(w.view());
    EXPECT_NE(line.find("response=\"6629fae49393a05397450978507c4ef1\""), std::string::npos)
        << line;
    EXPECT_NE(line.find("nc=00000001"), std::string::npos);
    EXPECT_NE(line.find("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""), std::string::npos);
    const auto creds = parser::parse_credentials(line.substr(15, line.size() - 17));
    ASSERT_TRUE(creds.ok());
    EXPECT_EQ(creds.value().username, "Mufasa");
    EXPECT_EQ(creds.value().cnonce, "0a4f113b");
}

TEST(LoadgenDigest, UnusableChallengesAreTold) {
    const std::string response =
        "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 198.51.100.2\r\nFrom: <sip:a@b>;tag=1\r\n"
        "To: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n"
        "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess, qop=\"auth\"\r\n"
        "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"\r\n"
        "Content-Length: 0\r\n\r\n";
    std::string padded = response + std::string(parser::parser_padding, '\0');
    parser::message_parser p;
    sip::message_view view;
    ASSERT_TRUE(p.parse({padded.data(), response.size()}, padded.size(), view).ok());
    stored_challenge c;
    bool stale = false;
    EXPECT_EQ(take_challenge(view, c, stale), challenge_outcome::unusable);
    EXPECT_FALSE(c.valid);
}

} // namespace
} // namespace sipedge::loadgen
