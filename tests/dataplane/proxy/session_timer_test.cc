// RFC 4028 at the proxy core, end to end through proxy_core with its own wheel as
// the simulated clock (1 ms ticks): §8.1 request handling (422 or raise, Min-SE,
// insertion), §8.2 response handling and the §9 refresher rows, timed dialogs
// (created by the 2xx to INVITE, refreshed by UPDATE, freed by BYE or expiry with
// BYE to both ends) and the table-full outcome.

#include "tests/dataplane/proxy/single_proxy.hh"

#include <gtest/gtest.h>

namespace sipedge::proxy::test {
namespace {

using sip::header_id;

proxy_config timer_config(std::uint32_t min_se, expiry_action on_expiry = expiry_action::forget,
                          std::uint32_t dialogs = 16) {
    proxy_config c = config();
    c.session_timers.min_se = min_se;
    c.session_timers.on_expiry = on_expiry;
    c.session_timers.dialog_capacity = dialogs;
    return c;
}

// A response with extra header lines (before Content-Length).
std::string with(std::string msg, std::string_view lines) {
    msg.insert(msg.find("Content-Length:"), wire(lines));
    return msg;
}

const std::string caller_contact = "Contact: <sip:alice@192.0.2.10>\n";

class session_timer_test : public ::testing::Test {
protected:
    explicit session_timer_test(proxy_config c = timer_config(90, expiry_action::bye))
        : p(std::move(c)) {
        p.location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
    }

    // INVITE from the UAC with extra header lines; the forwarded INVITE, or null.
    const sent_message* send_invite(std::string_view extra,
                                    std::string_view branch = "z9hG4bKst1") {
        last = p.deliver(invite("sip:bob@example.com", branch, std::string(extra) + caller_contact),
                         uac);
        return find_sent(last, uas1, "INVITE");
    }
    // The UAS's 2xx (with extra lines) to the forwarded INVITE; the 200 sent upstream.
    parsed_message answer(const sent_message& fwd, std::string_view extra) {
        auto ok = with(uas_response(fwd.bytes, 200, "b1", "<sip:bob@192.0.2.21>"), extra);
        last = p.deliver(ok, uas1);
        const sent_message* up = find_sent(last, uac, "SIP/2.0 200");
        EXPECT_TRUE(up);
        return up ? up->parsed() : parsed_message{};
    }
    // A request inside the established dialog (Call-ID of branch z9hG4bKst1).
    std::string in_dialog(std::string_view method, int cseq, std::string_view branch, bool from_uac,
                          std::string_view extra = "") {
        const std::string alice = "<sip:alice@example.org>;tag=a1";
        const std::string bob = "<sip:bob@example.com>;tag=b1";
        return wire(
            std::string(method) + " " + (from_uac ? "sip:bob@192.0.2.21" : "sip:alice@192.0.2.10") +
            " SIP/2.0\nVia: SIP/2.0/UDP " + (from_uac ? "192.0.2.10" : "192.0.2.21") +
            ":5060;branch=" + std::string(branch) +
            "\nMax-Forwards: 70\nRoute: <sip:198.51.100.1;lr>\nFrom: " + (from_uac ? alice : bob) +
            "\nTo: " + (from_uac ? bob : alice) +
            "\nCall-ID: call-z9hG4bKst1@192.0.2.10\nCSeq: " + std::to_string(cseq) + " " +
            std::string(method) + "\n" + std::string(extra) + "Content-Length: 0\n\n");
    }
    // A dialog with Session-Expires 90 negotiated, refresher uac (UAS without timers).
    void establish_90() {
        const sent_message* fwd = send_invite("Supported: timer\nSession-Expires: 90\n");
        ASSERT_TRUE(fwd);
        const parsed_message up = answer(*fwd, "");
        EXPECT_EQ(up.first(header_id::session_expires), "90;refresher=uac");
        ASSERT_EQ(p.core.dialogs().size(), 1u);
    }

    proxy_node p;
    std::vector<sent_message> last;
};

// ---------------------------------------------------------------- §8.1 requests

class min_se_3600 : public session_timer_test {
protected:
    min_se_3600() : session_timer_test(timer_config(3600)) {}
};

TEST_F(min_se_3600, small_se_from_timer_capable_uac_gets_422_with_our_min_se) {
    EXPECT_FALSE(send_invite("Supported: timer\nSession-Expires: 90\n"));
    const sent_message* r = find_sent(last, uac, "SIP/2.0 422 Session Interval Too Small");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->parsed().first(header_id::min_se), "3600");
    EXPECT_EQ(p.count(counter_id::st_422_sent), 1u);
    // Require: timer means support too.
    EXPECT_FALSE(send_invite("Require: timer\nSession-Expires: 90\n", "z9hG4bKst2"));
    EXPECT_TRUE(find_sent(last, uac, "SIP/2.0 422"));
}

TEST_F(min_se_3600, uac_without_timer_support_never_gets_422_se_is_raised) {
    const sent_message* fwd = send_invite("Session-Expires: 90;refresher=uas\n");
    ASSERT_TRUE(fwd);
    EXPECT_FALSE(find_sent(last, uac, "SIP/2.0 422"));
    const parsed_message m = fwd->parsed();
    EXPECT_EQ(m.first(header_id::session_expires), "3600;refresher=uas");
    EXPECT_EQ(m.first(header_id::min_se), "3600");
    EXPECT_EQ(p.count(counter_id::st_se_raised), 1u);
    EXPECT_EQ(p.count(counter_id::st_422_sent), 0u);
}

TEST_F(min_se_3600, min_se_below_ours_is_raised_in_the_forwarded_request) {
    const sent_message* fwd =
        send_invite("Supported: timer\nSession-Expires: 4000\nMin-SE: 1000\n");
    ASSERT_TRUE(fwd);
    const parsed_message m = fwd->parsed();
    EXPECT_EQ(m.first(header_id::session_expires), "4000");
    EXPECT_EQ(m.first(header_id::min_se), "3600");
    EXPECT_EQ(m.values(header_id::min_se).size(), 1u);
}

TEST_F(min_se_3600, compact_form_x_is_understood) {
    EXPECT_FALSE(send_invite("k: timer\nx: 120\n"));
    EXPECT_TRUE(find_sent(last, uac, "SIP/2.0 422"));
}

TEST_F(session_timer_test, malformed_session_expires_is_answered_400) {
    EXPECT_FALSE(send_invite("Session-Expires: soon\n"));
    EXPECT_TRUE(find_sent(last, uac, "SIP/2.0 400"));
    EXPECT_EQ(p.count(counter_id::st_bad_header), 1u);
}

TEST(session_timer_insert, absent_se_is_inserted_when_configured) {
    proxy_config c = timer_config(90);
    c.session_timers.insert_when_absent = true;
    c.session_timers.session_expires = 1800;
    proxy_node p(c);
    p.location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
    auto out = p.deliver(invite(), uac);
    const sent_message* fwd = find_sent(out, uas1, "INVITE");
    ASSERT_TRUE(fwd);
    EXPECT_EQ(fwd->parsed().first(header_id::session_expires), "1800");
    EXPECT_FALSE(fwd->parsed()->has(header_id::min_se)); // ours is the default 90
    EXPECT_EQ(p.count(counter_id::st_se_inserted), 1u);
}

TEST(session_timer_insert, nothing_changes_when_disabled) {
    proxy_config c = timer_config(3600);
    c.session_timers.enabled = false;
    proxy_node p(c);
    p.location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
    auto out = p.deliver(
        invite("sip:bob@example.com", "z9hG4bKd", "Supported: timer\nSession-Expires: 90\n"), uac);
    const sent_message* fwd = find_sent(out, uas1, "INVITE");
    ASSERT_TRUE(fwd);
    EXPECT_EQ(fwd->parsed().first(header_id::session_expires), "90");
}

// ---------------------------------------------------------------- §8.2 responses

TEST_F(session_timer_test, uas_without_timers_uac_with_gets_refresher_uac_and_require) {
    const sent_message* fwd = send_invite("Supported: timer\nSession-Expires: 1800\n");
    ASSERT_TRUE(fwd);
    const parsed_message up = answer(*fwd, "");
    EXPECT_EQ(up.first(header_id::session_expires), "1800;refresher=uac");
    EXPECT_EQ(up.values(header_id::require), std::vector<std::string>{"timer"});
    EXPECT_EQ(p.count(counter_id::st_response_se_inserted), 1u);
    EXPECT_EQ(p.count(counter_id::st_dialogs_created), 1u);
    std::array<dialog_sample, 4> s{};
    ASSERT_EQ(p.core.dialogs().sample(s, p.wheel.now(), p.core.ticks_per_second()), 1u);
    EXPECT_EQ(std::string_view(s[0].call_id, s[0].call_id_length), "call-z9hG4bKst1@192.0.2.10");
    EXPECT_EQ(s[0].interval, 1800u);
    EXPECT_EQ(s[0].refresher, parser::refresher::uac);
    EXPECT_EQ(s[0].seconds_left, 1768u);
}

TEST_F(min_se_3600, a_uas_interval_below_our_min_se_does_not_shorten_our_expiry) {
    const sent_message* fwd = send_invite("Supported: timer\nSession-Expires: 3600\n");
    ASSERT_TRUE(fwd);
    EXPECT_EQ(answer(*fwd, "Session-Expires: 10;refresher=uac\n").first(header_id::session_expires),
              "10;refresher=uac"); // passed on
    ASSERT_EQ(p.core.dialogs().size(), 1u);
    EXPECT_EQ(p.core.dialogs().at(0).interval, 3600u);
    EXPECT_TRUE(p.advance_to(60'000).empty()); // not at 10 s - 3 s
    EXPECT_EQ(p.core.dialogs().size(), 1u);
}

TEST_F(session_timer_test, neither_end_supports_timers_no_dialog_is_timed) {
    const sent_message* fwd = send_invite("Session-Expires: 1800\n");
    ASSERT_TRUE(fwd);
    const parsed_message up = answer(*fwd, "");
    EXPECT_FALSE(up->has(header_id::session_expires));
    EXPECT_FALSE(up->has(header_id::require));
    EXPECT_EQ(p.core.dialogs().size(), 0u);
}

// RFC 4028 §9 Table 2, one test per row, through the proxy: the 2xx from a
// timer-capable UAS that left refresher out (or chose) and what goes upstream.
// row(): Session-Expires of the 200 sent upstream for an INVITE and a 2xx.
class refresher_table : public session_timer_test {
protected:
    std::string row(std::string_view invite_extra, std::string_view ok_extra) {
        const sent_message* fwd = send_invite(invite_extra);
        EXPECT_TRUE(fwd);
        return fwd ? answer(*fwd, ok_extra).first(header_id::session_expires) : "";
    }
    parser::refresher recorded() { return p.core.dialogs().at(0).refresher; }
};

TEST_F(refresher_table, row1_uac_no_request_none_response_uas) {
    EXPECT_EQ(row("Session-Expires: 1800\n", "Session-Expires: 1800\nRequire: timer\n"),
              "1800;refresher=uas");
    EXPECT_EQ(recorded(), parser::refresher::uas);
}
TEST_F(refresher_table, row1_uas_choosing_uac_for_a_uac_without_timers_is_corrected) {
    EXPECT_EQ(row("Session-Expires: 1800\n", "Session-Expires: 1800;refresher=uac\n"),
              "1800;refresher=uas");
}
TEST_F(refresher_table, row2_uac_yes_request_none_uas_may_choose_uac) {
    EXPECT_EQ(
        row("Supported: timer\nSession-Expires: 1800\n", "Session-Expires: 1800;refresher=uac\n"),
        "1800;refresher=uac");
    EXPECT_EQ(recorded(), parser::refresher::uac);
}
TEST_F(refresher_table, row2_uac_yes_request_none_response_without_refresher_gets_uas) {
    EXPECT_EQ(row("Supported: timer\nSession-Expires: 1800\n", "Session-Expires: 1800\n"),
              "1800;refresher=uas");
    EXPECT_EQ(recorded(), parser::refresher::uas);
}
TEST_F(refresher_table, row3_request_uac_response_uac) {
    EXPECT_EQ(
        row("Supported: timer\nSession-Expires: 1800;refresher=uac\n", "Session-Expires: 1800\n"),
        "1800;refresher=uac");
    EXPECT_EQ(recorded(), parser::refresher::uac);
}
TEST_F(refresher_table, row4_request_uas_response_uas) {
    EXPECT_EQ(
        row("Supported: timer\nSession-Expires: 1800;refresher=uas\n", "Session-Expires: 1800\n"),
        "1800;refresher=uas");
    EXPECT_EQ(recorded(), parser::refresher::uas);
}

// ---------------------------------------------------------------- dialogs and expiry

TEST_F(session_timer_test, expiry_sends_bye_with_reason_to_both_ends_at_se_minus_a_third) {
    establish_90();
    // SE 90: the session counts as gone at 90 - min(32, 30) = 60 s = 60000 ticks.
    EXPECT_TRUE(p.advance_to(59'999).empty());
    EXPECT_EQ(p.core.dialogs().size(), 1u);
    auto out = p.advance_to(60'000);
    const sent_message* to_bob = find_sent(out, uas1, "BYE sip:bob@192.0.2.21 SIP/2.0");
    const sent_message* to_alice = find_sent(out, uac, "BYE sip:alice@192.0.2.10 SIP/2.0");
    ASSERT_TRUE(to_bob);
    ASSERT_TRUE(to_alice);
    for (const sent_message* m : {to_bob, to_alice}) {
        const parsed_message b = m->parsed();
        ASSERT_TRUE(b.ok);
        EXPECT_EQ(b.first(header_id::reason), "SIP;cause=408;text=\"Session timer expired\"");
        EXPECT_EQ(b.first(header_id::call_id), "call-z9hG4bKst1@192.0.2.10");
        EXPECT_FALSE(b->has(header_id::route)); // we are the only record-router
        EXPECT_TRUE(
            b.first(header_id::via).starts_with("SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK"));
    }
    const parsed_message b = to_bob->parsed();
    EXPECT_EQ(b.essentials().from_tag, "a1");
    EXPECT_EQ(b.essentials().to_tag, "b1");
    EXPECT_EQ(b.first(header_id::cseq), "2 BYE");
    const parsed_message a = to_alice->parsed();
    EXPECT_EQ(a.essentials().from_tag, "b1");
    EXPECT_EQ(a.essentials().to_tag, "a1");
    EXPECT_EQ(a.first(header_id::cseq), "1 BYE");
    EXPECT_EQ(p.core.dialogs().size(), 0u);
    EXPECT_EQ(p.count(counter_id::st_dialogs_expired), 1u);
    EXPECT_EQ(p.count(counter_id::st_byes_sent), 2u);
    // Their 200s end at the proxy (our client transactions, found by the branch),
    // nothing goes on, and the BYE is not sent again (Timer E would at 60.5 s).
    EXPECT_TRUE(p.deliver(uas_response(to_bob->bytes, 200, "b1"), uas1).empty());
    EXPECT_EQ(p.count(counter_id::drop_stray_response), 0u);
    EXPECT_FALSE(find_sent(p.advance_to(64'000), uas1, "BYE"));
}

TEST_F(session_timer_test, update_with_session_expires_postpones_expiry) {
    establish_90();
    p.advance_to(30'000);
    auto out = p.deliver(in_dialog("UPDATE", 2, "z9hG4bKupd1", true,
                                   "Supported: timer\nSession-Expires: 90;refresher=uac\n"),
                         uac);
    const sent_message* fwd = find_sent(out, uas1, "UPDATE");
    ASSERT_TRUE(fwd);
    out = p.deliver(
        with(uas_response(fwd->bytes, 200, "b1"), "Session-Expires: 90;refresher=uac\n"), uas1);
    ASSERT_TRUE(find_sent(out, uac, "SIP/2.0 200"));
    EXPECT_EQ(p.count(counter_id::st_dialogs_refreshed), 1u);
    // The old deadline passes quietly; the new one is 30 + 60 s.
    EXPECT_FALSE(find_sent(p.advance_to(60'000), uas1, "BYE"));
    EXPECT_FALSE(find_sent(p.advance_to(89'999), uas1, "BYE"));
    out = p.advance_to(90'000);
    const sent_message* bye = find_sent(out, uas1, "BYE");
    ASSERT_TRUE(bye);
    EXPECT_EQ(bye->parsed().first(header_id::cseq), "3 BYE"); // above the UPDATE's 2
}

TEST_F(session_timer_test, reinvite_answered_without_timer_turns_expiry_off) {
    establish_90();
    // The UAC re-INVITEs without Session-Expires or timer support; the UAS answers
    // without one: the session has no expiration any more, nobody gets a BYE.
    auto out = p.deliver(in_dialog("INVITE", 2, "z9hG4bKre1", true), uac);
    const sent_message* fwd = find_sent(out, uas1, "INVITE");
    ASSERT_TRUE(fwd);
    out = p.deliver(uas_response(fwd->bytes, 200, "b1"), uas1);
    const sent_message* up = find_sent(out, uac, "SIP/2.0 200");
    ASSERT_TRUE(up);
    EXPECT_FALSE(up->parsed()->has(header_id::session_expires));
    EXPECT_EQ(p.core.dialogs().size(), 0u);
    EXPECT_EQ(p.count(counter_id::st_dialogs_ended), 1u);
    for (const sent_message& m : p.advance_to(200'000)) {
        EXPECT_EQ(m.bytes.find("Session timer expired"), std::string::npos) << m.bytes;
    }
}

TEST_F(session_timer_test, bye_frees_the_dialog_and_nothing_fires_later) {
    establish_90();
    auto out = p.deliver(in_dialog("BYE", 2, "z9hG4bKbye1", true), uac);
    const sent_message* bye = find_sent(out, uas1, "BYE");
    ASSERT_TRUE(bye);
    EXPECT_EQ(p.core.dialogs().size(), 0u);
    EXPECT_EQ(p.count(counter_id::st_dialogs_ended), 1u);
    p.deliver(uas_response(bye->bytes, 200, "b1"), uas1); // ends its retransmissions
    for (const sent_message& m : p.advance_to(200'000)) {
        EXPECT_EQ(m.bytes.find("Session timer expired"), std::string::npos) << m.bytes;
    }
    EXPECT_EQ(p.count(counter_id::st_dialogs_expired), 0u);
}

TEST_F(session_timer_test, bye_from_the_callee_frees_it_too) {
    establish_90();
    auto out = p.deliver(in_dialog("BYE", 1, "z9hG4bKbye2", false), uas1);
    ASSERT_TRUE(find_sent(out, uac, "BYE"));
    EXPECT_EQ(p.core.dialogs().size(), 0u);
}

TEST(session_timer_forget, expiry_frees_state_without_bye) {
    proxy_node p(timer_config(90, expiry_action::forget));
    p.location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
    auto out = p.deliver(
        invite("sip:bob@example.com", "z9hG4bKf", "Supported: timer\nSession-Expires: 90\n"), uac);
    const sent_message* fwd = find_sent(out, uas1, "INVITE");
    ASSERT_TRUE(fwd);
    p.deliver(uas_response(fwd->bytes, 200, "b1", "<sip:bob@192.0.2.21>"), uas1);
    ASSERT_EQ(p.core.dialogs().size(), 1u);
    out = p.advance_to(60'000);
    EXPECT_FALSE(find_sent(out, uas1, "BYE"));
    EXPECT_FALSE(find_sent(out, uac, "BYE"));
    EXPECT_EQ(p.core.dialogs().size(), 0u);
    EXPECT_EQ(p.count(counter_id::st_dialogs_expired), 1u);
}

TEST(session_timer_full, a_full_table_is_counted_and_the_call_goes_on) {
    proxy_node p(timer_config(90, expiry_action::bye, 1));
    p.location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
    for (const std::string_view branch : {"z9hG4bKfull1", "z9hG4bKfull2"}) {
        auto out = p.deliver(
            invite("sip:bob@example.com", branch, "Supported: timer\nSession-Expires: 90\n"), uac);
        const sent_message* fwd = find_sent(out, uas1, "INVITE");
        ASSERT_TRUE(fwd);
        out = p.deliver(uas_response(fwd->bytes, 200, "b1", "<sip:bob@192.0.2.21>"), uas1);
        EXPECT_TRUE(find_sent(out, uac, "SIP/2.0 200")); // forwarded either way
    }
    EXPECT_EQ(p.core.dialogs().size(), 1u);
    EXPECT_EQ(p.count(counter_id::st_dialogs_created), 1u);
    EXPECT_EQ(p.count(counter_id::st_dialog_table_full), 1u);
}

} // namespace
} // namespace sipedge::proxy::test
