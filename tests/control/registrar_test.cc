// control/registrar: RFC 3261 §10.3 binding rules, sans-IO (no auth here; see
// register_service_test.cc for the whole REGISTER path).

#include "control/registrar/registrar.hh"
#include "tests/control/control_test_support.hh"

#include <gtest/gtest.h>

namespace sipedge::control::registrar {
namespace {

using testing::parse;
using testing::register_spec;
using testing::register_text;

constexpr const char* aor = "bob@biloxi.example.com";

struct registrar_fixture : ::testing::Test {
    registrar_limits limits{60, 7200, 3600, 3};
    registrar reg{limits};
    register_context ctx{ipc::endpoint::ipv4(0xc0000204, 5060), 0, 1000};

    register_outcome apply(const register_spec& s) {
        auto p = parse(register_text(s));
        EXPECT_TRUE(p->ok);
        return reg.apply(aor, *p->view, ctx);
    }
    std::vector<std::string> uris() {
        std::vector<std::string> out;
        for (const binding& b : reg.bindings(aor)) {
            out.push_back(b.uri);
        }
        return out;
    }
};

TEST_F(registrar_fixture, new_binding_uses_the_default_expiry) {
    register_spec s;
    const auto o = apply(s);
    EXPECT_EQ(o.status, 200);
    EXPECT_TRUE(o.changed);
    ASSERT_EQ(reg.bindings(aor).size(), 1u);
    const binding& b = reg.bindings(aor)[0];
    EXPECT_EQ(b.uri, "sip:bob@192.0.2.4");
    EXPECT_EQ(b.expires_at, 1000 + 3600);
    EXPECT_EQ(b.q, 1000);
    EXPECT_EQ(b.call_id, s.call_id);
    EXPECT_EQ(b.cseq, 1u);
    EXPECT_EQ(b.received, ctx.source);
}

// changed: persist; routes_changed: what the dataplane routes on moved (publish now).
TEST_F(registrar_fixture, a_refresh_changes_the_bindings_but_not_the_routes) {
    register_spec s;
    auto o = apply(s);
    EXPECT_TRUE(o.changed);
    EXPECT_TRUE(o.routes_changed) << "a new contact";
    s.cseq = 2;
    ctx.now += 10;
    o = apply(s);
    EXPECT_TRUE(o.changed) << "a later expiry and CSeq are saved";
    EXPECT_FALSE(o.routes_changed) << "the same contact, q, path and source";
    s.cseq = 3;
    s.contacts = {"<sip:bob@192.0.2.4>;q=0.5"};
    o = apply(s);
    EXPECT_TRUE(o.routes_changed) << "q orders the forks";
    s.cseq = 4;
    ctx.source = ipc::endpoint::ipv4(0xc0000205, 5060);
    o = apply(s);
    EXPECT_TRUE(o.routes_changed) << "a new source address";
    s.cseq = 5;
    s.expires = 0;
    o = apply(s);
    EXPECT_TRUE(o.routes_changed) << "removed";
}

// A refresh of existing bindings is applied where they are (no copy): it must
// answer, keep order and stay atomic exactly as when bindings come or go.
TEST_F(registrar_fixture, a_refresh_in_place_answers_as_a_copy_would) {
    register_spec s;
    s.contacts = {"<sip:bob@192.0.2.4>", "<sip:bob@192.0.2.5>;q=0.5"};
    ASSERT_EQ(apply(s).status, 200);

    s.cseq = 2; // both refreshed, listed the other way round
    s.contacts = {"<sip:bob@192.0.2.5>;q=0.5;expires=120", "<sip:bob@192.0.2.4>"};
    ctx.now += 10;
    auto o = apply(s);
    EXPECT_EQ(o.status, 200);
    EXPECT_TRUE(o.changed);
    EXPECT_FALSE(o.routes_changed);
    EXPECT_EQ(uris(), (std::vector<std::string>{"sip:bob@192.0.2.4", "sip:bob@192.0.2.5"}));
    EXPECT_EQ(reg.bindings(aor)[0].expires_at, ctx.now + 3600);
    EXPECT_EQ(reg.bindings(aor)[1].expires_at, ctx.now + 120);
    EXPECT_EQ(reg.bindings(aor)[1].cseq, 2u);
    EXPECT_EQ(reg.bindings(aor)[1].updated_at, ctx.now);

    const std::vector<binding> refreshed(reg.bindings(aor).begin(), reg.bindings(aor).end());
    auto unchanged = [&](const char* why) {
        EXPECT_EQ(std::vector<binding>(reg.bindings(aor).begin(), reg.bindings(aor).end()),
                  refreshed)
            << why;
    };
    s.cseq = 3; // the first Contact fine, the second too brief: nothing changes
    s.contacts = {"<sip:bob@192.0.2.4>", "<sip:bob@192.0.2.5>;expires=30"};
    o = apply(s);
    EXPECT_EQ(o.status, 423);
    EXPECT_FALSE(o.changed);
    unchanged("423");
    s.cseq = 2; // the same Call-ID with an old CSeq
    s.contacts = {"<sip:bob@192.0.2.4>"};
    o = apply(s);
    EXPECT_EQ(o.status, 500);
    unchanged("500");
    reg.set_limits({60, 7200, 3600, 1}); // fewer contacts allowed than held
    s.cseq = 4;
    o = apply(s);
    EXPECT_EQ(o.status, 403);
    unchanged("403");
    reg.set_limits(limits);

    s.cseq = 5; // the same binding twice: the last one wins, as before
    s.contacts = {"<sip:bob@192.0.2.4>;expires=100", "<sip:bob@192.0.2.4>;expires=200"};
    o = apply(s);
    EXPECT_EQ(o.status, 200);
    EXPECT_FALSE(o.routes_changed);
    EXPECT_EQ(reg.bindings(aor).size(), 2u);
    EXPECT_EQ(reg.bindings(aor)[0].expires_at, ctx.now + 200);

    s.cseq = 6; // a Path and a User-Agent are part of the binding
    s.contacts = {"<sip:bob@192.0.2.4>"};
    s.extra_headers = {"Path: <sip:p1.example.com;lr>", "User-Agent: phone/2"};
    o = apply(s);
    EXPECT_TRUE(o.routes_changed) << "a Path changes the route";
    EXPECT_EQ(reg.bindings(aor)[0].path, "<sip:p1.example.com;lr>");
    EXPECT_EQ(reg.bindings(aor)[0].user_agent, "phone/2");
    EXPECT_EQ(reg.bindings(aor)[1], refreshed[1]) << "the binding not named is untouched";

    ctx.now = reg.bindings(aor)[1].expires_at; // the second one has expired
    s.cseq = 7;
    o = apply(s);
    EXPECT_EQ(o.status, 200);
    EXPECT_TRUE(o.routes_changed) << "an expired binding went";
    EXPECT_EQ(uris(), (std::vector<std::string>{"sip:bob@192.0.2.4"}));
}

// The Contacts of one request apply in order, each to what the ones before it left
// (RFC 3261 10.3 step 7): a Contact that gives a binding an instance and reg-id
// (RFC 5626) makes a later Contact with the same pair name that binding, even where
// the bindings as they were before the request would have matched another one.
TEST_F(registrar_fixture, contacts_apply_in_order_to_what_earlier_ones_left) {
    register_spec s;
    s.contacts = {"<sip:bob@192.0.2.4>", "<sip:bob@192.0.2.4:5060>;q=0.1"};
    ASSERT_EQ(apply(s).status, 200);
    s.cseq = 2;
    s.contacts = {"<sip:bob@192.0.2.4>;+sip.instance=\"<urn:uuid:1>\";reg-id=1",
                  "<sip:bob@192.0.2.4:5060>;+sip.instance=\"<urn:uuid:1>\";reg-id=1"};
    const auto o = apply(s);
    EXPECT_EQ(o.status, 200);
    EXPECT_TRUE(o.routes_changed);
    ASSERT_EQ(reg.bindings(aor).size(), 2u);
    const binding& first = reg.bindings(aor)[0];
    EXPECT_EQ(first.uri, "sip:bob@192.0.2.4:5060") << "the second Contact named it by instance";
    EXPECT_EQ(first.instance, "\"<urn:uuid:1>\"");
    EXPECT_EQ(first.cseq, 2u);
    const binding& second = reg.bindings(aor)[1];
    EXPECT_EQ(second.uri, "sip:bob@192.0.2.4:5060");
    EXPECT_EQ(second.q, 100) << "not named by the request: as it was";
    EXPECT_EQ(second.cseq, 1u);
}

TEST_F(registrar_fixture, expires_header_then_param_then_max) {
    register_spec s;
    s.expires = 120;
    s.contacts = {"<sip:bob@192.0.2.4>", "<sip:bob@192.0.2.5>;expires=300",
                  "<sip:bob@192.0.2.6>;expires=999999"};
    ASSERT_EQ(apply(s).status, 200);
    const auto b = reg.bindings(aor);
    ASSERT_EQ(b.size(), 3u);
    EXPECT_EQ(b[0].expires_at, 1000 + 120);
    EXPECT_EQ(b[1].expires_at, 1000 + 300);
    EXPECT_EQ(b[2].expires_at, 1000 + 7200) << "shortened to max_expires";
}

TEST_F(registrar_fixture, too_brief_is_423_with_min_expires_and_changes_nothing) {
    register_spec s;
    ASSERT_EQ(apply(s).status, 200);
    s.cseq = 2;
    s.contacts = {"<sip:bob@192.0.2.9>", "<sip:bob@192.0.2.4>;expires=30"};
    const auto o = apply(s);
    EXPECT_EQ(o.status, 423);
    EXPECT_EQ(o.min_expires, 60u);
    EXPECT_FALSE(o.changed);
    EXPECT_EQ(uris(), std::vector<std::string>{"sip:bob@192.0.2.4"});
    EXPECT_EQ(reg.bindings(aor)[0].cseq, 1u);
}

TEST_F(registrar_fixture, expires_zero_removes_one_binding) {
    register_spec s;
    s.contacts = {"<sip:bob@192.0.2.4>", "<sip:bob@192.0.2.5>"};
    ASSERT_EQ(apply(s).status, 200);
    s.cseq = 2;
    s.contacts = {"<sip:bob@192.0.2.5>;expires=0"};
    const auto o = apply(s);
    EXPECT_EQ(o.status, 200);
    EXPECT_TRUE(o.changed);
    EXPECT_EQ(uris(), std::vector<std::string>{"sip:bob@192.0.2.4"});
}

TEST_F(registrar_fixture, star_needs_expires_zero_and_to_be_alone) {
    register_spec s;
    s.contacts = {"<sip:bob@192.0.2.4>", "<sip:bob@192.0.2.5>"};
    ASSERT_EQ(apply(s).status, 200);
    register_spec star;
    star.call_id = "other@x";
    star.contacts = {"*"};
    EXPECT_EQ(apply(star).status, 400) << "no Expires: 0";
    star.expires = 0;
    star.contacts = {"*", "<sip:bob@192.0.2.6>"};
    EXPECT_EQ(apply(star).status, 400) << "* with another contact";
    EXPECT_EQ(reg.bindings(aor).size(), 2u);
    star.contacts = {"*"};
    const auto o = apply(star);
    EXPECT_EQ(o.status, 200);
    EXPECT_TRUE(o.changed);
    EXPECT_TRUE(reg.bindings(aor).empty());
    EXPECT_EQ(reg.aor_count(), 0u);
}

TEST_F(registrar_fixture, star_with_an_old_cseq_of_the_same_call_id_fails) {
    register_spec s;
    s.cseq = 5;
    ASSERT_EQ(apply(s).status, 200);
    register_spec star = s;
    star.cseq = 5;
    star.contacts = {"*"};
    star.expires = 0;
    EXPECT_EQ(apply(star).status, 500);
    EXPECT_EQ(reg.bindings(aor).size(), 1u);
    star.cseq = 6;
    EXPECT_EQ(apply(star).status, 200);
    EXPECT_TRUE(reg.bindings(aor).empty());
}

TEST_F(registrar_fixture, call_id_and_cseq_ordering) {
    register_spec s;
    s.cseq = 10;
    ASSERT_EQ(apply(s).status, 200);
    s.cseq = 9;
    s.expires = 600;
    EXPECT_EQ(apply(s).status, 500) << "same Call-ID, lower CSeq";
    s.cseq = 10;
    EXPECT_EQ(apply(s).status, 500) << "same Call-ID, same CSeq";
    EXPECT_EQ(reg.bindings(aor)[0].expires_at, 1000 + 3600);
    s.cseq = 11;
    EXPECT_EQ(apply(s).status, 200);
    EXPECT_EQ(reg.bindings(aor)[0].expires_at, 1000 + 600);
    s.call_id = "a-new-call-id@elsewhere"; // a rebooted UA: any CSeq
    s.cseq = 1;
    s.expires = 900;
    EXPECT_EQ(apply(s).status, 200);
    ASSERT_EQ(reg.bindings(aor).size(), 1u);
    EXPECT_EQ(reg.bindings(aor)[0].call_id, "a-new-call-id@elsewhere");
    EXPECT_EQ(reg.bindings(aor)[0].expires_at, 1000 + 900);
}

TEST_F(registrar_fixture, listing_without_contact_changes_nothing) {
    register_spec s;
    ASSERT_EQ(apply(s).status, 200);
    register_spec q;
    q.contacts.clear();
    q.cseq = 2;
    const auto o = apply(q);
    EXPECT_EQ(o.status, 200);
    EXPECT_FALSE(o.changed);
    EXPECT_EQ(reg.bindings(aor).size(), 1u);
}

TEST_F(registrar_fixture, max_contacts_is_enforced_atomically) {
    register_spec s;
    s.contacts = {"<sip:bob@192.0.2.1>", "<sip:bob@192.0.2.2>"};
    ASSERT_EQ(apply(s).status, 200);
    s.cseq = 2;
    s.contacts = {"<sip:bob@192.0.2.3>", "<sip:bob@192.0.2.4>"};
    const auto o = apply(s);
    EXPECT_EQ(o.status, 403);
    EXPECT_EQ(o.reason, "Too Many Contacts");
    EXPECT_FALSE(o.changed);
    EXPECT_EQ(reg.bindings(aor).size(), 2u);
    // Removing one while adding one stays within the limit.
    s.cseq = 3;
    s.contacts = {"<sip:bob@192.0.2.1>;expires=0", "<sip:bob@192.0.2.3>", "<sip:bob@192.0.2.4>"};
    EXPECT_EQ(apply(s).status, 200);
    EXPECT_EQ(reg.bindings(aor).size(), 3u);
}

TEST_F(registrar_fixture, huge_contact_list_is_refused_without_state_change) {
    // One Contact line with 200 elements (200 header lines would exceed the
    // parser's header limit before the registrar sees the request).
    register_spec s;
    std::string many;
    for (int i = 0; i < 200; ++i) {
        many += (i ? "," : "") + std::string("<sip:bob@192.0.2.") + std::to_string(i % 250) + ":" +
                std::to_string(5000 + i) + ">";
    }
    s.contacts = {many};
    const auto o = apply(s);
    EXPECT_EQ(o.status, 403);
    EXPECT_TRUE(reg.bindings(aor).empty());
}

TEST_F(registrar_fixture, params_path_and_q_are_stored_as_given) {
    register_spec s;
    s.contacts = {"<sip:bob@192.0.2.4;transport=tcp;ob>;q=0.7;+sip.instance=\"<urn:uuid:00000000-"
                  "0000-1000-8000-AABBCCDDEEFF>\";reg-id=1;expires=600"};
    s.extra_headers = {"Path: <sip:edge1.biloxi.example.com;lr>",
                       "Path: <sip:edge2.biloxi.example.com;lr;ob>"};
    ASSERT_EQ(apply(s).status, 200);
    const binding& b = reg.bindings(aor)[0];
    EXPECT_EQ(b.uri, "sip:bob@192.0.2.4;transport=tcp;ob");
    EXPECT_EQ(b.q, 700);
    EXPECT_EQ(b.params,
              "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";reg-id=1");
    EXPECT_EQ(b.instance, "\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"");
    EXPECT_EQ(b.reg_id, 1);
    EXPECT_EQ(b.path, "<sip:edge1.biloxi.example.com;lr>,<sip:edge2.biloxi.example.com;lr;ob>");
    EXPECT_EQ(b.expires_at, 1000 + 600);
}

TEST_F(registrar_fixture, outbound_instance_and_reg_id_identify_the_binding) {
    register_spec s;
    s.contacts = {"<sip:bob@192.0.2.4:5060>;+sip.instance=\"<urn:uuid:1>\";reg-id=1"};
    ASSERT_EQ(apply(s).status, 200);
    s.cseq = 2;
    s.contacts = {"<sip:bob@203.0.113.9:40000>;+sip.instance=\"<urn:uuid:1>\";reg-id=1"};
    ASSERT_EQ(apply(s).status, 200);
    EXPECT_EQ(uris(), std::vector<std::string>{"sip:bob@203.0.113.9:40000"})
        << "same instance and reg-id: the binding moved, not a second one";
    s.cseq = 3;
    s.contacts = {"<sip:bob@203.0.113.9:40001>;+sip.instance=\"<urn:uuid:1>\";reg-id=2"};
    ASSERT_EQ(apply(s).status, 200);
    EXPECT_EQ(reg.bindings(aor).size(), 2u);
}

TEST_F(registrar_fixture, uri_comparison_ignores_host_case_only) {
    register_spec s;
    s.contacts = {"<sip:bob@Client.Biloxi.example.com>"};
    ASSERT_EQ(apply(s).status, 200);
    s.cseq = 2;
    s.contacts = {"<sip:bob@client.biloxi.EXAMPLE.com>"};
    ASSERT_EQ(apply(s).status, 200);
    EXPECT_EQ(reg.bindings(aor).size(), 1u);
    s.cseq = 3;
    s.contacts = {"<sip:BOB@client.biloxi.example.com>"};
    ASSERT_EQ(apply(s).status, 200);
    EXPECT_EQ(reg.bindings(aor).size(), 2u) << "user parts are case-sensitive";
    EXPECT_TRUE(same_contact_uri("sip:a@B.com:5060", "SIP:a@b.COM:5060"));
    EXPECT_FALSE(same_contact_uri("sip:a@b.com:5060", "sip:a@b.com"));
}

TEST_F(registrar_fixture, bad_requests_are_400_without_change) {
    register_spec s;
    s.contacts = {"<sip:bob@192.0.2.4"};
    EXPECT_EQ(apply(s).status, 400);
    s.contacts = {"<sip:bob@192.0.2.4>"};
    s.extra_headers = {"Expires: soon"};
    EXPECT_EQ(apply(s).status, 400);
    EXPECT_TRUE(reg.bindings(aor).empty());
}

TEST_F(registrar_fixture, expiry_timer_removes_bindings_and_reports_the_aors) {
    register_spec s;
    s.contacts = {"<sip:bob@192.0.2.4>;expires=100", "<sip:bob@192.0.2.5>;expires=200"};
    ASSERT_EQ(apply(s).status, 200);
    EXPECT_EQ(reg.next_expiry(), 1100);
    EXPECT_TRUE(reg.expire(1099).empty());
    EXPECT_EQ(reg.expire(1100), std::vector<std::string>{aor});
    EXPECT_EQ(uris(), std::vector<std::string>{"sip:bob@192.0.2.5"});
    EXPECT_EQ(reg.expire(1200), std::vector<std::string>{aor});
    EXPECT_EQ(reg.aor_count(), 0u);
    EXPECT_EQ(reg.next_expiry(), std::numeric_limits<std::int64_t>::max());
}

TEST_F(registrar_fixture, next_expiry_is_a_lower_bound_that_expire_tightens) {
    register_spec s;
    s.contacts = {"<sip:bob@192.0.2.4>;expires=100"};
    ASSERT_EQ(apply(s).status, 200);
    EXPECT_EQ(reg.next_expiry(), 1100);
    s.cseq = 2;
    s.contacts = {"<sip:bob@192.0.2.4>;expires=500"}; // refreshed: expires later
    ASSERT_EQ(apply(s).status, 200);
    EXPECT_LE(reg.next_expiry(), 1100) << "never later than the real next expiry";
    EXPECT_TRUE(reg.expire(1100).empty()) << "the refreshed binding is not due";
    EXPECT_EQ(reg.next_expiry(), 1500);
    std::vector<binding> loaded(1);
    loaded[0].uri = "sip:carol@192.0.2.9";
    loaded[0].expires_at = 1200;
    reg.load("carol@chicago.example.com", loaded);
    EXPECT_EQ(reg.next_expiry(), 1200);
}

TEST_F(registrar_fixture, snapshot_is_sorted_by_q_and_skips_expired) {
    register_spec s;
    s.contacts = {"<sip:bob@192.0.2.1>;q=0.1;expires=100", "<sip:bob@192.0.2.2>;q=0.9",
                  "<sip:bob@192.0.2.3>;q=0.5"};
    ASSERT_EQ(apply(s).status, 200);
    ipc::location_table_builder b;
    reg.fill(b, 1150);
    std::vector<std::uint64_t> buf((b.required_bytes() + 7) / 8);
    ASSERT_GT(b.serialise(buf.data(), buf.size() * 8, 1, 1150), 0u);
    const ipc::table_entry* e = ipc::find_location(buf.data(), "bob@BILOXI.example.com");
    ASSERT_NE(e, nullptr);
    ASSERT_EQ(e->value_count, 2u);
    EXPECT_EQ(ipc::decode_contact(buf.data(), ipc::entry_contacts(buf.data(), e)[0]).uri,
              "sip:bob@192.0.2.2");
    EXPECT_EQ(ipc::decode_contact(buf.data(), ipc::entry_contacts(buf.data(), e)[1]).q, 500);
}

TEST(registrar_aor, aor_of_lowercases_the_host) {
    std::string_view domain;
    EXPECT_EQ(aor_of("Bob <sips:Bob@Biloxi.Example.COM>;tag=1", &domain), "Bob@biloxi.example.com");
    EXPECT_EQ(domain, "Biloxi.Example.COM");
    EXPECT_EQ(aor_of("<sip:biloxi.example.com>"), "");
    EXPECT_EQ(aor_of("<tel:+15551234>"), "");
    EXPECT_EQ(aor_of("<sip:bob@biloxi.example.com"), "");
}

} // namespace
} // namespace sipedge::control::registrar
