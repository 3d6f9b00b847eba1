// Calls through one proxy_core over a lossy simulated UDP network (fixed seeds):
// datagrams dropped, duplicated and reordered on every link, with the proxy's
// timer wheel and the agents' timers on one manual clock. Alice and Bob behave as
// RFC 3261 user agents (sim_agents.hh), so a call completes only through the
// retransmissions the RFC prescribes, at every hop. Bob also sends responses no
// transaction matches. Asserted:
//  - safety, at any loss: no stray response reaches Alice, no Via is left behind
//    or missing, no call gets two different final answers or one it should not;
//  - liveness: every call completes normally at 10-20 % loss; at 30 % nearly all
//    do, and the rest ended the way the RFC says (timeouts);
//  - no leak: once the network is quiet, the proxy holds no transaction, context,
//    stored message or timer.

#include "tests/dataplane/proxy/sim_agents.hh"
#include "tests/dataplane/proxy/single_proxy.hh"

#include <gtest/gtest.h>
#include <optional>

namespace sipedge::proxy::test {
namespace {

struct lossy_case {
    const char* name;
    loss_profile profile;
    std::uint64_t seed;
    unsigned min_normal_percent; // calls that must complete as planned
};

void PrintTo(const lossy_case& c, std::ostream* os) {
    *os << c.name;
}

constexpr std::size_t call_count = 160;
const txn::endpoint proxy_at = txn::endpoint::ipv4(198, 51, 100, 1, 5060);

bool completed_as_planned(const call_record& c) {
    switch (c.kind) {
    case call_kind::answered:
        return c.finals == std::set<int>{200} && c.bye_final == 200 && c.bob_got_bye;
    case call_kind::busy:
        return c.finals == std::set<int>{486} && c.bob_got_ack;
    case call_kind::message:
        return c.finals == std::set<int>{200} && c.bob_got_request;
    case call_kind::cancelled:
        return c.finals == std::set<int>{487} && c.cancel_final == 200;
    }
    return false;
}

// The final answers Alice may see for the call: the planned one, or 408 when a
// hop timed out (the proxy's timer B or C).
std::set<int> allowed_finals(call_kind k) {
    switch (k) {
    case call_kind::answered:
    case call_kind::message:
        return {200, 408};
    case call_kind::busy:
        return {486, 408};
    case call_kind::cancelled:
        return {487, 408};
    }
    return {};
}

class lossy_transport_test : public ::testing::TestWithParam<lossy_case> {};

TEST_P(lossy_transport_test, calls_complete_through_retransmissions_and_leave_no_state) {
    const lossy_case& lc = GetParam();
    sim_events events;
    sim_random random(lc.seed);
    sim_network net(events, random, lc.profile);
    proxy_node p(config(4096));
    p.location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});

    std::vector<call_record> calls(call_count);
    for (std::size_t i = 0; i < call_count; ++i) {
        calls[i].kind = static_cast<call_kind>(i % 4);
    }
    sim_uac alice(events, net, uac, proxy_at, calls);
    sim_uas bob(events, random, net, uas1, calls, alice);
    bob.inject_strays(true);
    net.attach(proxy_at, [&](const txn::endpoint& from, const std::string& bytes) {
        for (const sent_message& m : p.deliver(bytes, from)) {
            net.send(proxy_at, m.to, m.bytes);
        }
    });
    net.attach(uac, [&](const txn::endpoint&, const std::string& bytes) { alice.receive(bytes); });
    net.attach(uas1, [&](const txn::endpoint& from, const std::string& bytes) {
        bob.receive(from, bytes);
    });
    for (std::size_t i = 0; i < call_count; ++i) {
        events.at(random.between(0, 30000), [&alice, i] { alice.start(i); });
    }

    // One clock for the proxy's wheel and the simulation, run until both are idle.
    constexpr tick_t limit = 3600 * 1000;
    for (;;) {
        std::optional<tick_t> next;
        if (!events.empty()) {
            next = events.next_time();
        }
        if (const auto w = p.wheel.next_expiry_hint()) {
            next = next ? std::min(*next, *w) : *w;
        }
        if (!next || *next > limit) {
            break;
        }
        const tick_t t = std::max(*next, events.now() + 1);
        for (const sent_message& m : p.advance_to(t)) {
            net.send(proxy_at, m.to, m.bytes);
        }
        events.run_until(t);
    }
    ASSERT_TRUE(events.empty()) << "still busy after an hour of simulated time";

    // Safety.
    EXPECT_EQ(alice.faults().unknown_branch, 0u) << "a stray response reached Alice";
    EXPECT_EQ(alice.faults().wrong_via_count, 0u);
    EXPECT_EQ(alice.faults().unparsable, 0u);
    EXPECT_EQ(bob.faults().unknown_branch, 0u);
    EXPECT_EQ(bob.faults().wrong_via_count, 0u);
    EXPECT_EQ(bob.faults().unparsable, 0u);
    EXPECT_GT(bob.strays_sent(), 0u);
    EXPECT_GT(p.count(counter_id::drop_stray_response), 0u);
    std::size_t normal = 0;
    for (std::size_t i = 0; i < call_count; ++i) {
        const call_record& c = calls[i];
        EXPECT_LE(c.finals.size(), 1u) << "call " << i << " got two different final answers";
        for (const int s : c.finals) {
            EXPECT_TRUE(allowed_finals(c.kind).contains(s)) << "call " << i << " got " << s;
        }
        normal += completed_as_planned(c) ? 1 : 0;
    }
    // Liveness.
    EXPECT_GE(normal * 100, call_count * lc.min_normal_percent)
        << normal << " of " << call_count << " calls completed as planned";
    // No state left behind.
    EXPECT_EQ(p.core.transactions(), 0u);
    EXPECT_EQ(p.core.contexts_in_use(), 0u);
    EXPECT_EQ(p.core.message_store_chunks_used(), 0u);
    EXPECT_EQ(p.wheel.size(), 0u);
    // The network did what it was asked to, and the transactions had work to do.
    EXPECT_GT(net.counts().dropped, 0u);
    EXPECT_GT(net.counts().duplicated, 0u);
    EXPECT_GT(net.counts().reordered, 0u);
    EXPECT_EQ(net.counts().undeliverable, 0u);
    EXPECT_GT(p.count(counter_id::txn_retransmits_sent), 0u);
    EXPECT_GT(p.count(counter_id::txn_retransmits_absorbed), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    loss, lossy_transport_test,
    ::testing::Values(lossy_case{"drop10_dup10", {10, 10, 1, 40}, 0x10ull, 100},
                      lossy_case{"drop20_dup20", {20, 20, 1, 80}, 0x20ull, 100},
                      lossy_case{"drop30_dup10", {30, 10, 1, 120}, 0x30ull, 95}),
    [](const ::testing::TestParamInfo<lossy_case>& info) { return std::string(info.param.name); });

} // namespace
} // namespace sipedge::proxy::test
