// Timer C (RFC 3261 §16.6 step 11, §16.8): an INVITE branch that stays without a
// final response. With a provisional the proxy CANCELs the branch and the caller
// gets 408; without one the branch ends as if a 408 had arrived. Every provisional
// restarts timer C. Simulated time: 1 tick = 1 ms, timer C = 181 s (the default).

#include "tests/dataplane/proxy/single_proxy.hh"

#include <gtest/gtest.h>

namespace sipedge::proxy::test {
namespace {

using sip::header_id;
using timer::tick_t;
using timer::timer_wheel;

constexpr tick_t timer_c = 181000;
constexpr tick_t sixty_four_t1 = 64 * 500;

std::size_t count_to(const std::vector<sent_message>& v, const txn::endpoint& to,
                     std::string_view start) {
    std::size_t n = 0;
    for (const sent_message& m : v) {
        n += m.to == to && m.bytes.starts_with(start) ? 1 : 0;
    }
    return n;
}

class timer_c_test : public ::testing::Test {
protected:
    timer_c_test() : p(config()) {
        p.location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
    }

    // The INVITE through the proxy; returns what reached the UAS.
    std::string start_call() {
        auto out = p.deliver(invite(), uac);
        EXPECT_TRUE(find_sent(out, uac, "SIP/2.0 100"));
        const sent_message* fwd = find_sent(out, uas1, "INVITE");
        EXPECT_TRUE(fwd);
        return fwd ? fwd->bytes : std::string();
    }
    // Advances to `until`, collecting everything sent on the way.
    std::vector<sent_message> run_until(tick_t until) {
        std::vector<sent_message> all;
        for (auto& m : p.advance_to(until)) {
            all.push_back(std::move(m));
        }
        return all;
    }
    // Everything ends once the last timers (L, M, D, H, J, K) have run out.
    void expect_all_state_freed() {
        (void)run_until(p.wheel.now() + 10 * sixty_four_t1);
        EXPECT_EQ(p.core.transactions(), 0u);
        EXPECT_EQ(p.core.contexts_in_use(), 0u);
        EXPECT_EQ(p.core.message_store_chunks_used(), 0u);
        EXPECT_EQ(p.wheel.size(), 0u);
    }

    proxy_node p;
};

TEST_F(timer_c_test, ringing_branch_is_cancelled_and_the_caller_gets_408) {
    const std::string at_uas = start_call();
    ASSERT_FALSE(at_uas.empty());
    EXPECT_TRUE(find_sent(p.deliver(uas_response(at_uas, 180, "u1"), uas1), uac, "SIP/2.0 180"));
    // A later provisional restarts timer C (§16.7 step 2): nothing at 181 s.
    EXPECT_TRUE(run_until(100000).empty());
    EXPECT_TRUE(find_sent(p.deliver(uas_response(at_uas, 183, "u1"), uas1), uac, "SIP/2.0 183"));
    EXPECT_TRUE(run_until(100000 + timer_c - 1).empty());
    EXPECT_EQ(p.count(counter_id::proxy_timer_c_fired), 0u);

    auto fired = run_until(100000 + timer_c + timer_wheel::max_lateness(timer_c));
    EXPECT_EQ(p.count(counter_id::proxy_timer_c_fired), 1u);
    const sent_message* cancel = find_sent(fired, uas1, "CANCEL");
    ASSERT_TRUE(cancel);
    auto c = cancel->parsed();
    auto inv = parse(at_uas);
    EXPECT_EQ(c->request_uri(), inv->request_uri());
    EXPECT_EQ(c.first(header_id::cseq), "1 CANCEL");
    EXPECT_EQ(c.values(header_id::via), std::vector<std::string>{inv.values(header_id::via)[0]});
    EXPECT_EQ(count_to(fired, uac, "SIP/2.0"), 0u); // nothing upstream until the branch ends

    // The UAS answers the CANCEL and ends the INVITE with 487: ACKed hop by hop,
    // and the caller hears 408, not 487 (it did not cancel).
    EXPECT_TRUE(p.deliver(uas_response(cancel->bytes, 200, "u1"), uas1).empty());
    auto end = p.deliver(uas_response(at_uas, 487, "u1"), uas1);
    EXPECT_TRUE(find_sent(end, uas1, "ACK"));
    const sent_message* timeout = find_sent(end, uac, "SIP/2.0 408");
    ASSERT_TRUE(timeout);
    EXPECT_EQ(count_to(end, uac, "SIP/2.0 487"), 0u);
    auto t = timeout->parsed();
    EXPECT_EQ(t.values(header_id::via), parse(invite()).values(header_id::via));
    EXPECT_EQ(t.first(header_id::cseq), "1 INVITE");
    EXPECT_TRUE(t.essentials().to_has_tag);
    expect_all_state_freed();
}

TEST_F(timer_c_test, branch_whose_cancel_goes_unanswered_is_given_up_after_64_t1) {
    const std::string at_uas = start_call();
    ASSERT_FALSE(at_uas.empty());
    (void)p.deliver(uas_response(at_uas, 180, "u1"), uas1);
    auto fired = run_until(timer_c + timer_wheel::max_lateness(timer_c));
    ASSERT_GE(count_to(fired, uas1, "CANCEL"), 1u); // (retransmitted within the wheel's lateness)
    EXPECT_EQ(count_to(fired, uac, "SIP/2.0"), 0u);

    // The UAS stays silent: the CANCEL is retransmitted (timer E), and 64*T1 after
    // it the branch counts as timed out and the caller gets 408.
    auto later = run_until(timer_c + sixty_four_t1 + 2 * timer_wheel::max_lateness(timer_c));
    EXPECT_GE(count_to(later, uas1, "CANCEL"), 5u);
    EXPECT_EQ(count_to(later, uas1, "INVITE"), 0u);     // Proceeding: no INVITE retransmission
    EXPECT_GE(count_to(later, uac, "SIP/2.0 408"), 1u); // timer G resends it until the ACK
    EXPECT_EQ(p.count(counter_id::proxy_timer_c_fired), 2u);

    // The INVITE's client transaction is gone: a late 487 is stray, never forwarded.
    const std::uint64_t strays = p.count(counter_id::drop_stray_response);
    EXPECT_TRUE(p.deliver(uas_response(at_uas, 487, "u1"), uas1).empty());
    EXPECT_EQ(p.count(counter_id::drop_stray_response), strays + 1);
    // The caller's ACK ends its server transaction.
    std::string ack = invite("sip:bob@example.com", "z9hG4bKuac1", "", "ACK");
    EXPECT_TRUE(p.deliver(ack, uac).empty());
    expect_all_state_freed();
}

TEST_F(timer_c_test, branch_without_provisional_ends_as_408_without_cancel) {
    // Timer C can beat timer B only when 64*T1 exceeds it: T1 = 4 s (B = 256 s).
    proxy_config cfg = config();
    cfg.timers.t1 = std::chrono::milliseconds(4000);
    cfg.timers.t2 = std::chrono::milliseconds(8000);
    proxy_node slow(cfg);
    slow.location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
    auto out = slow.deliver(invite(), uac);
    const sent_message* fwd = find_sent(out, uas1, "INVITE");
    ASSERT_TRUE(fwd);
    const std::string at_uas = fwd->bytes;

    auto before = slow.advance_to(timer_c - 1);
    EXPECT_GE(count_to(before, uas1, "INVITE"), 3u); // timer A keeps resending
    EXPECT_EQ(count_to(before, uac, "SIP/2.0"), 0u);
    auto fired = slow.advance_to(timer_c + timer_wheel::max_lateness(timer_c));
    EXPECT_EQ(slow.count(counter_id::proxy_timer_c_fired), 1u);
    EXPECT_EQ(count_to(fired, uas1, "CANCEL"), 0u); // §9.1: no CANCEL before a provisional
    EXPECT_EQ(count_to(fired, uac, "SIP/2.0 408"), 1u);
    EXPECT_EQ(slow.count(counter_id::txn_timeouts), 0u); // timer C, not timer B
    // The branch's transaction ended with it: a late 180 is a stray.
    EXPECT_TRUE(slow.deliver(uas_response(at_uas, 180, "u1"), uas1).empty());
    EXPECT_EQ(slow.count(counter_id::drop_stray_response), 1u);
}

} // namespace
} // namespace sipedge::proxy::test
