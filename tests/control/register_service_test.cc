// control/registrar/register_service: whole REGISTERs to responses. RFC 3665 §2.1–2.5
// replayed from the corpus (our own nonces replace the RFC's, the RFC's other bytes
// stay), and the attacks the issue lists: replayed nonce-count, stale nonce, forged
// nonce, wrong password, huge Contact list, foreign domain — each with the right
// answer and no state change.

#include "control/registrar/register_service.hh"
#include "tests/control/control_test_support.hh"
#include "tests/parser/corpus_loader.hh"

#include <gtest/gtest.h>

namespace sipedge::control::registrar {
namespace {

using namespace sipedge::control::testing;

constexpr const char* bob = "bob@biloxi.example.com";

std::vector<std::string> flow(const char* file) {
    return sipedge::testing::load_rfc3665_yaml(
        sipedge::testing::read_file(std::filesystem::path(SIPEDGE_CORPUS_DIR) / "rfc3665" / file));
}

// The message with its Authorization header (folded lines included) replaced.
std::string with_authorization(const std::string& msg, const std::string& value) {
    std::string out;
    std::size_t pos = 0;
    bool skipping = false;
    while (pos < msg.size()) {
        const std::size_t end = msg.find("\r\n", pos);
        const std::string line = msg.substr(pos, end - pos);
        pos = end + 2;
        if (line.rfind("Authorization:", 0) == 0) {
            skipping = true;
            continue;
        }
        if (skipping && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            continue;
        }
        skipping = false;
        if (line.rfind("Content-Length:", 0) == 0 && !value.empty()) {
            out += "Authorization: " + value + "\r\n";
        }
        out += line + "\r\n";
    }
    return out;
}

struct service_fixture : ::testing::Test {
    registrar reg{registrar_limits{60, 7200, 3600, 10}};
    auth::credential_store users;
    auth::nonce_manager nonces{"test secret", 300};
    register_service svc{
        reg, users, nonces,
        service_settings{
            {{"biloxi.example.com", "atlanta.example.com"}, {"chicago.example.com", ""}},
            true,
            {auth::digest_algorithm::sha256, auth::digest_algorithm::md5}}};
    std::int64_t now = 1'700'000'000;
    char out[8192];
    std::string last;

    void SetUp() override {
        auth::hasher h;
        users.put("bob", "atlanta.example.com",
                  auth::compute_credential(h, "bob", "atlanta.example.com", "zanzibar"));
        users.put("carol", "chicago.example.com",
                  auth::compute_credential(h, "carol", "chicago.example.com", "secret"));
    }
    register_result send(const std::string& text) {
        auto p = parse(text);
        EXPECT_TRUE(p->ok) << text;
        register_context ctx{ipc::endpoint::ipv4(0xc00002c9, 5061), 2, now};
        const register_result r = svc.handle(*p->view, ctx, out, sizeof out);
        last.assign(out, r.length);
        EXPECT_EQ(status_of(last), r.status) << last;
        return r;
    }
    digest_client rfc_client(std::string password = "zanzibar") {
        digest_client c;
        c.realm = "atlanta.example.com";
        c.password = std::move(password);
        return c;
    }
    // RFC 3665's own nonce-less first step: send, expect 401, return our MD5 nonce.
    std::string challenge(const std::string& text) {
        const auto r = send(text);
        EXPECT_EQ(r.status, 401);
        const std::string n = challenge_nonce(last, "MD5");
        EXPECT_EQ(n.size(), auth::nonce_manager::nonce_length);
        return n;
    }
    void preload(std::initializer_list<const char*> uris) {
        std::vector<binding> v;
        for (const char* u : uris) {
            binding b;
            b.uri = u;
            b.call_id = "earlier-registration@biloxi.example.com";
            b.cseq = 1;
            b.expires_at = now + 3600;
            v.push_back(b);
        }
        reg.load(bob, v);
    }
};

TEST_F(service_fixture, rfc3665_2_1_successful_new_registration) {
    const auto m = flow("2.01_sip-client-new-registration.yaml");
    ASSERT_EQ(m.size(), 4u);
    // F1 → F2: 401 with a challenge in the realm the RFC shows.
    const auto f2 = send(m[0]);
    EXPECT_EQ(f2.status, 401);
    EXPECT_FALSE(f2.changed);
    const auto challenges = header_values(last, "WWW-Authenticate");
    ASSERT_EQ(challenges.size(), 2u);
    const auto c = parser::parse_challenge(challenges[1]);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.value().realm, "atlanta.example.com");
    EXPECT_EQ(c.value().qop, "auth");
    EXPECT_EQ(c.value().algorithm, "MD5");
    EXPECT_FALSE(c.value().stale);
    EXPECT_EQ(challenge_nonce(last, "SHA-256").size(), 64u) << "RFC 8760: SHA-256 offered first";
    EXPECT_FALSE(header_values(last, "To")[0].find(";tag=") == std::string::npos);
    EXPECT_TRUE(reg.bindings(bob).empty());

    // F3 → F4: the RFC's REGISTER with a response to our nonce (RFC 2069 form, as F3).
    digest_client client = rfc_client();
    client.qop = false;
    const std::string f3 =
        with_authorization(m[2], client.authorization("REGISTER", "sips:ss2.biloxi.example.com",
                                                      challenge_nonce(last, "MD5")));
    const auto f4 = send(f3);
    EXPECT_EQ(f4.status, 200);
    EXPECT_TRUE(f4.changed);
    EXPECT_EQ(f4.aor, bob);
    EXPECT_EQ(header_values(last, "Contact"), header_values(m[3], "Contact"));
    EXPECT_EQ(header_values(last, "Call-ID"), header_values(m[3], "Call-ID"));
    EXPECT_EQ(header_values(last, "CSeq"), header_values(m[3], "CSeq"));
    ASSERT_EQ(reg.bindings(bob).size(), 1u);
    EXPECT_EQ(reg.bindings(bob)[0].uri, "sips:bob@client.biloxi.example.com");
}

TEST_F(service_fixture, rfc3665_2_2_update_of_contact_list) {
    const auto m = flow("2.02_update-of-contact-list.yaml");
    ASSERT_EQ(m.size(), 2u);
    preload({"sips:bob@client.biloxi.example.com"});
    const std::string nonce = challenge(with_authorization(m[0], ""));
    const std::string f1 = with_authorization(
        m[0], rfc_client().authorization("REGISTER", "sips:ss2.biloxi.example.com", nonce));
    const auto f2 = send(f1);
    EXPECT_EQ(f2.status, 200);
    EXPECT_TRUE(f2.changed);
    const auto contacts = header_values(last, "Contact");
    const auto expected = header_values(m[1], "Contact");
    ASSERT_EQ(contacts.size(), 2u);
    EXPECT_EQ(contacts[0], expected[0]);
    // The RFC shows expires=4294967295 for the mailto: binding; our max_expires caps
    // it (RFC 3261 §10.3 step 7 lets the registrar shorten).
    EXPECT_EQ(contacts[1], "<mailto:bob@biloxi.example.com>;expires=3600");
}

TEST_F(service_fixture, rfc3665_2_3_request_for_current_contact_list) {
    const auto m = flow("2.03_request-for-current-contact-list.yaml");
    ASSERT_EQ(m.size(), 2u);
    preload({"sips:bob@client.biloxi.example.com", "mailto:bob@biloxi.example.com"});
    const std::string nonce = challenge(with_authorization(m[0], ""));
    const auto f2 = send(with_authorization(
        m[0], rfc_client().authorization("REGISTER", "sips:ss2.biloxi.example.com", nonce)));
    EXPECT_EQ(f2.status, 200);
    EXPECT_FALSE(f2.changed) << "a query changes nothing";
    const auto contacts = header_values(last, "Contact");
    ASSERT_EQ(contacts.size(), 2u);
    EXPECT_EQ(contacts[0], header_values(m[1], "Contact")[0]);
    EXPECT_EQ(contacts[1].rfind("<mailto:bob@biloxi.example.com>;expires=", 0), 0u);
    EXPECT_EQ(reg.bindings(bob).size(), 2u);
}

TEST_F(service_fixture, rfc3665_2_4_cancellation_of_registration) {
    const auto m = flow("2.04_cancellation-of-registration.yaml");
    ASSERT_EQ(m.size(), 2u);
    preload({"sips:bob@client.biloxi.example.com", "mailto:bob@biloxi.example.com"});
    const std::string nonce = challenge(with_authorization(m[0], ""));
    EXPECT_EQ(reg.bindings(bob).size(), 2u) << "the 401 removed nothing";
    const auto f2 = send(with_authorization(
        m[0], rfc_client().authorization("REGISTER", "sips:ss2.biloxi.example.com", nonce)));
    EXPECT_EQ(f2.status, 200);
    EXPECT_TRUE(f2.changed);
    EXPECT_TRUE(header_values(last, "Contact").empty());
    EXPECT_TRUE(header_values(m[1], "Contact").empty());
    EXPECT_TRUE(reg.bindings(bob).empty());
}

TEST_F(service_fixture, rfc3665_2_5_unsuccessful_registration) {
    const auto m = flow("2.05_unsuccessful-registration.yaml");
    ASSERT_EQ(m.size(), 4u);
    const std::string nonce = challenge(m[0]);
    const auto f4 = send(with_authorization(
        m[2], rfc_client("wrong password")
                  .authorization("REGISTER", "sips:ss2.biloxi.example.com", nonce)));
    EXPECT_EQ(f4.status, 401);
    EXPECT_EQ(f4.verdict, auth::verdict::bad_response);
    EXPECT_FALSE(f4.changed);
    EXPECT_FALSE(challenge_nonce(last, "MD5").empty()) << "F4 carries a fresh challenge";
    EXPECT_TRUE(reg.bindings(bob).empty());
}

TEST_F(service_fixture, rfc3665_nonces_of_the_rfc_itself_are_refused) {
    // The corpus' own F3 carries the RFC's nonce, which we never issued.
    const auto m = flow("2.01_sip-client-new-registration.yaml");
    const auto r = send(m[2]);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.verdict, auth::verdict::bad_nonce);
    EXPECT_TRUE(reg.bindings(bob).empty());
}

struct carol_fixture : service_fixture {
    digest_client carol() {
        digest_client c;
        c.user = "carol";
        c.realm = "chicago.example.com";
        c.password = "secret";
        return c;
    }
    register_spec spec() {
        register_spec s;
        s.user = "carol";
        s.domain = "chicago.example.com";
        s.request_uri = "sip:chicago.example.com";
        s.call_id = "c1@192.0.2.7";
        s.contacts = {"<sip:carol@192.0.2.7>"};
        return s;
    }
    std::string nonce() {
        register_spec s = spec();
        const auto r = send(register_text(s));
        EXPECT_EQ(r.status, 401);
        return challenge_nonce(last, "SHA-256");
    }
    std::span<const binding> bindings() { return reg.bindings("carol@chicago.example.com"); }
};

TEST_F(carol_fixture, sha256_with_qop_registers) {
    digest_client c = carol();
    c.algorithm = auth::digest_algorithm::sha256;
    register_spec s = spec();
    s.authorization = c.authorization("REGISTER", s.request_uri, nonce());
    const auto r = send(register_text(s));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(bindings().size(), 1u);
    EXPECT_EQ(header_values(last, "Contact"),
              std::vector<std::string>{"<sip:carol@192.0.2.7>;expires=3600"});
    EXPECT_EQ(header_values(last, "Date"),
              std::vector<std::string>{"Tue, 14 Nov 2023 22:13:20 GMT"}); // now = 1'700'000'000
    // The date is formatted once per second: a later second gets its own.
    now += 61;
    s.cseq += 1;
    s.authorization = c.authorization("REGISTER", s.request_uri, nonce());
    ASSERT_EQ(send(register_text(s)).status, 200);
    EXPECT_EQ(header_values(last, "Date"),
              std::vector<std::string>{"Tue, 14 Nov 2023 22:14:21 GMT"});
}

TEST_F(carol_fixture, replayed_nonce_count_changes_nothing) {
    digest_client c = carol();
    c.algorithm = auth::digest_algorithm::sha256;
    const std::string n = nonce();
    register_spec add = spec();
    add.authorization = c.authorization("REGISTER", add.request_uri, n);
    const std::string captured = register_text(add);
    ASSERT_EQ(send(captured).status, 200);
    // The user unregisters with the next nonce-count...
    register_spec del = spec();
    del.cseq = 2;
    del.expires = 0;
    c.nc = 2;
    del.authorization = c.authorization("REGISTER", del.request_uri, n);
    ASSERT_EQ(send(register_text(del)).status, 200);
    ASSERT_TRUE(bindings().empty());
    // ...and an attacker replays the captured REGISTER: refused, binding not back.
    const auto r = send(captured);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.verdict, auth::verdict::replay);
    EXPECT_FALSE(r.changed);
    EXPECT_TRUE(bindings().empty());
}

TEST_F(carol_fixture, stale_nonce_gets_stale_true_and_no_binding) {
    digest_client c = carol();
    const std::string n = nonce();
    now += 301;
    register_spec s = spec();
    s.authorization = c.authorization("REGISTER", s.request_uri, n);
    const auto r = send(register_text(s));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.verdict, auth::verdict::stale_nonce);
    bool stale = false;
    EXPECT_FALSE(challenge_nonce(last, "MD5", &stale).empty());
    EXPECT_TRUE(stale);
    EXPECT_TRUE(bindings().empty());
}

TEST_F(carol_fixture, forged_nonce_gets_a_plain_challenge_and_no_binding) {
    digest_client c = carol();
    register_spec s = spec();
    s.authorization =
        c.authorization("REGISTER", s.request_uri, std::string(nonce()).replace(40, 4, "beef"));
    const auto r = send(register_text(s));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.verdict, auth::verdict::bad_nonce);
    bool stale = true;
    EXPECT_FALSE(challenge_nonce(last, "MD5", &stale).empty());
    EXPECT_FALSE(stale);
    EXPECT_TRUE(bindings().empty());
}

TEST_F(carol_fixture, wrong_password_no_binding) {
    digest_client c = carol();
    c.password = "guess";
    register_spec s = spec();
    s.authorization = c.authorization("REGISTER", s.request_uri, nonce());
    const auto r = send(register_text(s));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.verdict, auth::verdict::bad_response);
    EXPECT_TRUE(bindings().empty());
}

TEST_F(carol_fixture, huge_contact_list_is_403_and_no_binding) {
    digest_client c = carol();
    register_spec s = spec();
    s.contacts.clear();
    std::string many;
    for (int i = 0; i < 150; ++i) {
        many += (i ? ", " : "") + std::string("<sip:carol@198.51.100.") + std::to_string(i) + ">";
    }
    s.contacts = {many};
    s.authorization = c.authorization("REGISTER", s.request_uri, nonce());
    const auto r = send(register_text(s));
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(last.find("Too Many Contacts"), std::string::npos);
    EXPECT_TRUE(bindings().empty());
}

TEST_F(carol_fixture, foreign_domain_is_403_without_challenge) {
    register_spec s = spec();
    s.domain = "atlanta.example.com"; // not served here
    s.user = "alice";
    const auto r = send(register_text(s));
    EXPECT_EQ(r.status, 403);
    EXPECT_TRUE(header_values(last, "WWW-Authenticate").empty());
    EXPECT_EQ(reg.aor_count(), 0u);
}

TEST_F(carol_fixture, another_users_credentials_cannot_register_this_aor) {
    digest_client c = carol();
    register_spec s = spec();
    s.user = "mallory"; // To: mallory@chicago, credentials of carol
    s.authorization = c.authorization("REGISTER", s.request_uri, nonce());
    const auto r = send(register_text(s));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(reg.aor_count(), 0u);
}

TEST_F(carol_fixture, too_brief_expiry_gets_423_with_min_expires) {
    digest_client c = carol();
    register_spec s = spec();
    s.expires = 10;
    s.authorization = c.authorization("REGISTER", s.request_uri, nonce());
    const auto r = send(register_text(s));
    EXPECT_EQ(r.status, 423);
    EXPECT_EQ(header_values(last, "Min-Expires"), std::vector<std::string>{"60"});
    EXPECT_TRUE(bindings().empty());
}

TEST_F(carol_fixture, path_is_echoed_and_stored) {
    digest_client c = carol();
    register_spec s = spec();
    s.extra_headers = {"Path: <sip:edge.chicago.example.com;lr>"};
    s.authorization = c.authorization("REGISTER", s.request_uri, nonce());
    ASSERT_EQ(send(register_text(s)).status, 200);
    EXPECT_EQ(header_values(last, "Path"),
              std::vector<std::string>{"<sip:edge.chicago.example.com;lr>"});
    ASSERT_EQ(bindings().size(), 1u);
    EXPECT_EQ(bindings()[0].path, "<sip:edge.chicago.example.com;lr>");
}

TEST_F(carol_fixture, not_a_register_is_not_handled) {
    auto p = parse("OPTIONS sip:chicago.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7;"
                   "branch=z9hG4bK1\r\nFrom: <sip:carol@chicago.example.com>;tag=1\r\nTo: "
                   "<sip:carol@chicago.example.com>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
                   "Content-Length: 0\r\n\r\n");
    ASSERT_TRUE(p->ok);
    const auto r = svc.handle(*p->view, register_context{{}, 0, now}, out, sizeof out);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.length, 0u);
}

} // namespace
} // namespace sipedge::control::registrar
