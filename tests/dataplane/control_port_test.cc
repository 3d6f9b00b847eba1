// The dataplane's end of the control link, against a real link file with a
// control side attached in the same process: which REGISTERs go to control,
// what the ring carries, answers drained, and lookups served from the published
// snapshot with the static table as fallback.
#include "common/ipc/link.hh"
#include "dataplane/control_port.hh"
#include "tests/dataplane/link_pair.hh"

#include <ctime>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

namespace sipedge::dataplane {
namespace {

TEST(control_port, register_domain_reads_the_request_uri_host) {
    EXPECT_EQ(register_domain("REGISTER sip:example.com SIP/2.0\r\n"), "example.com");
    EXPECT_EQ(register_domain("REGISTER sip:alice@Example.COM:5070;transport=udp SIP/2.0\r\n"),
              "Example.COM");
    EXPECT_EQ(register_domain("REGISTER sips:198.51.100.1:5061 SIP/2.0\r\n"), "198.51.100.1");
    EXPECT_EQ(register_domain("INVITE sip:example.com SIP/2.0\r\n"), "");
    EXPECT_EQ(register_domain("REGISTER nonsense SIP/2.0\r\n"), "");
    EXPECT_EQ(register_domain("REGISTER"), "");
}

struct link_pair : test::link_pair_base {
    proxy::static_location fallback;
    counter_block counters;
    std::vector<std::string> hosts{"example.com", "198.51.100.1"};

    link_pair() : link_pair_base("control-port-test") {}
    void SetUp() override {
        link_pair_base::SetUp();
        fallback.add("carol@example.com", {"sip:carol@198.51.100.9", 1000});
    }
};

TEST_F(link_pair, registers_for_our_hosts_go_to_control_and_answers_come_back) {
    control_port port(*dp, 0, fallback.lookup(), hosts, counters);
    const txn::endpoint ua = txn::endpoint::ipv4(0xc6336403, 5070); // 198.51.100.3
    const txn::endpoint us = txn::endpoint::ipv4(0xc6336401, 5060);
    const std::string reg = "REGISTER sip:EXAMPLE.com SIP/2.0\r\nCall-ID: 1\r\n\r\n";
    using handoff = control_port::handoff;
    EXPECT_EQ(port.take_register(reg, ua, us), handoff::taken);
    EXPECT_EQ(port.take_register("REGISTER sip:other.org SIP/2.0\r\n\r\n", ua, us),
              handoff::not_ours);
    EXPECT_EQ(port.take_register("OPTIONS sip:example.com SIP/2.0\r\n\r\n", ua, us),
              handoff::not_ours);
    EXPECT_EQ(counters.get(counter_id::sip_to_control), 1u);

    ipc::received_message m;
    ASSERT_TRUE(ctl->pop_from_dataplane(0, m));
    EXPECT_EQ(m.bytes, reg);
    EXPECT_EQ(control_port::to_txn(m.meta.source), ua);
    EXPECT_EQ(control_port::to_txn(m.meta.destination), us);

    ipc::message_meta answer;
    answer.destination = control_port::to_ipc(ua);
    ASSERT_EQ(ctl->push_to_dataplane(0, "SIP/2.0 401 Unauthorized\r\n\r\n", answer),
              ipc::push_result::ok);
    std::vector<std::pair<std::string, txn::endpoint>> sent;
    port.drain(32, [&](std::string_view bytes, const txn::endpoint& to) {
        sent.emplace_back(std::string(bytes), to);
    });
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].first, "SIP/2.0 401 Unauthorized\r\n\r\n");
    EXPECT_EQ(sent[0].second, ua);
    EXPECT_EQ(counters.get(counter_id::sip_from_control), 1u);
}

TEST_F(link_pair, a_full_ring_to_control_is_left_to_the_caller_to_answer_503) {
    control_port port(*dp, 0, fallback.lookup(), hosts, counters);
    const std::string reg = "REGISTER sip:example.com SIP/2.0\r\nCall-ID: 1\r\n\r\n";
    std::size_t taken = 0;
    control_port::handoff h = control_port::handoff::taken;
    while (h == control_port::handoff::taken && taken < 100000) {
        h = port.take_register(reg, {}, {});
        taken += h == control_port::handoff::taken ? 1 : 0;
    }
    EXPECT_EQ(h, control_port::handoff::busy);
    EXPECT_GT(taken, 0u);
    EXPECT_EQ(counters.get(counter_id::sip_to_control), taken);
    // Control drains one: the next REGISTER is taken again.
    ipc::received_message m;
    ASSERT_TRUE(ctl->pop_from_dataplane(0, m));
    ctl->release_from_dataplane(0);
    EXPECT_EQ(port.take_register(reg, {}, {}), control_port::handoff::taken);
}

TEST_F(link_pair, a_register_too_large_for_a_slot_is_left_to_the_caller_to_answer) {
    control_port port(*dp, 0, fallback.lookup(), hosts, counters);
    const std::string huge = "REGISTER sip:example.com SIP/2.0\r\nX: " + std::string(9000, 'x');
    EXPECT_EQ(port.take_register(huge, {}, {}), control_port::handoff::too_large);
    EXPECT_EQ(counters.get(counter_id::sip_to_control), 0u);
    ipc::received_message m;
    EXPECT_FALSE(ctl->pop_from_dataplane(0, m));
}

TEST_F(link_pair, lookups_use_the_published_snapshot_then_the_static_table) {
    control_port port(*dp, 0, fallback.lookup(), hosts, counters);
    port.begin_pass();
    const proxy::location_lookup lookup = port.lookup();
    EXPECT_TRUE(lookup("alice@example.com").empty());
    ASSERT_EQ(lookup("carol@example.com").size(), 1u); // static fallback

    ipc::location_table_builder table;
    ipc::contact_input alice;
    alice.uri = "sip:alice@198.51.100.3:5060";
    alice.q = 900;
    alice.expires_at = std::time(nullptr) + 600; // expired contacts are skipped
    table.add("alice@example.com", std::span<const ipc::contact_input>(&alice, 1));
    ASSERT_EQ(ctl->publish_location(table, std::time(nullptr)), ipc::publish_result::ok);
    port.begin_pass(); // the lcore passes: it now sees the new snapshot
    const auto found = lookup("alice@example.com");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].uri, "sip:alice@198.51.100.3:5060");
    EXPECT_EQ(found[0].q, 900);
    EXPECT_EQ(lookup("carol@example.com").size(), 1u); // still the static one
}

} // namespace
} // namespace sipedge::dataplane
