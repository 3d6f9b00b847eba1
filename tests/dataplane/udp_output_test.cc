// Originated UDP and next-hop resolution on a real ethdev (net_ring created
// from an rte_ring): what udp_send and the ARP cache transmit is read back from
// the ring as the wire would carry it.
#include "dataplane/io/tx_stage.hh"
#include "dataplane/net/arp_cache.hh"
#include "dataplane/net/ether_input.hh"
#include "dataplane/net/udp_output.hh"
#include "tests/dataplane/eal_environment.hh"
#include "tests/dataplane/ring_port.hh"
#include "tests/dataplane/test_addresses.hh"

#include <algorithm>
#include <array>
#include <gtest/gtest.h>
#include <optional>
#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_udp.h>
#include <string>
#include <vector>

namespace sipedge::dataplane {
namespace {

using testing::test_pool;

using testing::our_ip;
using testing::our_mac;
using testing::peer_ip;
using testing::peer_mac;

// A port whose TX lands in a ring the test reads.
class wire : public ::testing::Test {
protected:
    void SetUp() override {
        static int n = 0;
        testing::open_ring_port("wire" + std::to_string(n++), _wire);
        if (HasFatalFailure()) {
            return;
        }
        _ring = _wire.ring;
        _port = _wire.port;
        rte_eth_tx_buffer_init(buffer(), 32);
        _tx.emplace(_port, 0, buffer(), _counters);
        _ctx.ifc = local_interface{our_mac, our_ip, RTE_BE16(5060), 1500};
        _ctx.counters = &_counters;
        _ctx.arp = &_arp;
        _ctx.tx = &*_tx;
        _ctx.pool = test_pool;
        _ctx.now_tsc = 1000;
    }
    void TearDown() override {
        for (rte_mbuf* m : sent()) {
            rte_pktmbuf_free(m);
        }
        _tx.reset();
        testing::close_ring_port(_wire);
    }
    rte_eth_dev_tx_buffer* buffer() {
        return reinterpret_cast<rte_eth_dev_tx_buffer*>(_tx_storage.data());
    }
    // Everything transmitted so far (flushes first). Caller frees.
    std::vector<rte_mbuf*> sent() {
        _tx->flush();
        std::vector<rte_mbuf*> out;
        void* obj;
        while (rte_ring_dequeue(_ring, &obj) == 0) {
            out.push_back(static_cast<rte_mbuf*>(obj));
        }
        return out;
    }
    std::string bytes(rte_mbuf* m) {
        std::string out(rte_pktmbuf_pkt_len(m), '\0');
        const void* p = rte_pktmbuf_read(m, 0, out.size(), out.data());
        if (p != out.data()) {
            out.assign(static_cast<const char*>(p), out.size());
        }
        return out;
    }

    testing::ring_port _wire;
    rte_ring* _ring = nullptr;
    std::uint16_t _port = 0;
    alignas(64) std::array<std::uint8_t, RTE_ETH_TX_BUFFER_SIZE(32)> _tx_storage{};
    counter_block _counters;
    std::optional<tx_stage> _tx;
    arp_cache _arp{arp_cache::config{}, 1'000'000}; // 1 MHz "TSC": 1 ms = 1000 ticks
    packet_context _ctx;
};

TEST_F(wire, unknown_next_hop_sends_arp_then_the_held_datagram_when_answered) {
    const std::string sip = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
    ASSERT_TRUE(udp_send(_ctx, peer_ip, RTE_BE16(5062), std::span(sip.data(), sip.size())));
    auto out = sent();
    ASSERT_EQ(out.size(), 1u) << "only the ARP request goes out while resolving";
    auto* eth = rte_pktmbuf_mtod(out[0], rte_ether_hdr*);
    auto* arp = reinterpret_cast<rte_arp_hdr*>(eth + 1);
    EXPECT_EQ(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
    EXPECT_TRUE(rte_is_broadcast_ether_addr(&eth->dst_addr));
    EXPECT_EQ(arp->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
    EXPECT_EQ(arp->arp_data.arp_tip, peer_ip);
    EXPECT_EQ(arp->arp_data.arp_sip, our_ip);
    // The peer answers: turn our request into its reply and feed it back in.
    arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
    arp->arp_data.arp_tha = our_mac;
    arp->arp_data.arp_tip = our_ip;
    arp->arp_data.arp_sha = peer_mac;
    arp->arp_data.arp_sip = peer_ip;
    eth->dst_addr = our_mac;
    eth->src_addr = peer_mac;
    udp_delivery unused;
    EXPECT_EQ(ether_input(out[0], _ctx, unused), verdict::drop);
    rte_pktmbuf_free(out[0]);
    EXPECT_EQ(_counters.get(counter_id::arp_replies), 1u);

    out = sent();
    ASSERT_EQ(out.size(), 1u) << "the held datagram leaves once the MAC is known";
    const std::string frame = bytes(out[0]);
    auto* feth = reinterpret_cast<const rte_ether_hdr*>(frame.data());
    auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(feth + 1);
    auto* udp = reinterpret_cast<const rte_udp_hdr*>(ip + 1);
    EXPECT_TRUE(rte_is_same_ether_addr(&feth->dst_addr, &peer_mac));
    EXPECT_EQ(ip->dst_addr, peer_ip);
    EXPECT_EQ(rte_raw_cksum(ip, sizeof *ip), 0xffff);
    EXPECT_EQ(udp->dst_port, RTE_BE16(5062));
    EXPECT_EQ(udp->src_port, RTE_BE16(5060));
    EXPECT_EQ(rte_ipv4_udptcp_cksum_verify(ip, udp), 0);
    EXPECT_EQ(frame.substr(sizeof(rte_ether_hdr) + 28), sip);
    rte_pktmbuf_free(out[0]);

    // Now resolved: the next datagram goes straight out.
    ASSERT_TRUE(udp_send(_ctx, peer_ip, RTE_BE16(5062), std::span(sip.data(), sip.size())));
    out = sent();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(rte_pktmbuf_mtod(out[0], rte_ether_hdr*)->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
    rte_pktmbuf_free(out[0]);
    EXPECT_EQ(_counters.get(counter_id::arp_requests_sent), 1u);
}

TEST_F(wire, a_silent_next_hop_costs_counted_drops_not_a_leak) {
    const std::string sip(100, 'x');
    for (unsigned i = 0; i < arp_cache::max_waiting + 2; ++i) {
        (void)udp_send(_ctx, peer_ip, RTE_BE16(5060), std::span(sip.data(), sip.size()));
    }
    EXPECT_EQ(_counters.get(counter_id::drop_arp_unresolved), 2u) << "only max_waiting are held";
    for (rte_mbuf* m : sent()) {
        rte_pktmbuf_free(m);
    }
    // Retries while waiting, then gives up after give_up_ms (1000 ms = 1e6 ticks).
    std::array<rte_be32_t, 4> retry;
    EXPECT_EQ(_arp.expire(_ctx.now_tsc + 300'000, _counters, retry), 1u);
    EXPECT_EQ(retry[0], peer_ip);
    EXPECT_EQ(_arp.expire(_ctx.now_tsc + 2'000'000, _counters, retry), 0u);
    EXPECT_EQ(_counters.get(counter_id::drop_arp_unresolved), 2u + arp_cache::max_waiting);
    EXPECT_EQ(_arp.lookup(peer_ip, _ctx.now_tsc + 2'000'000), nullptr);
}

// expire() skips its table scan while nothing resolves: it must still see every
// next hop that does, through learning, giving up and asking again.
TEST_F(wire, expire_retries_each_next_hop_still_resolving_and_only_those) {
    const rte_be32_t other_ip = RTE_BE32(RTE_IPV4(198, 51, 100, 5));
    const std::string sip(100, 'x');
    std::array<rte_be32_t, 4> retry;
    EXPECT_EQ(_arp.expire(_ctx.now_tsc + 300'000, _counters, retry), 0u) << "nothing resolving";
    (void)udp_send(_ctx, peer_ip, RTE_BE16(5060), std::span(sip.data(), sip.size()));
    (void)udp_send(_ctx, other_ip, RTE_BE16(5060), std::span(sip.data(), sip.size()));
    for (rte_mbuf* m : _arp.learn(peer_ip, peer_mac, _ctx.now_tsc)) {
        rte_pktmbuf_free(m); // the held datagram, released
    }
    // Learning a neighbour nobody asked for changes nothing.
    EXPECT_TRUE(_arp.learn(RTE_BE32(RTE_IPV4(198, 51, 100, 7)), peer_mac, _ctx.now_tsc).empty());
    EXPECT_EQ(_arp.expire(_ctx.now_tsc + 300'000, _counters, retry), 1u);
    EXPECT_EQ(retry[0], other_ip) << "the answered next hop is not asked again";
    EXPECT_EQ(_arp.expire(_ctx.now_tsc + 2'000'000, _counters, retry), 0u);
    EXPECT_EQ(_counters.get(counter_id::drop_arp_unresolved), 1u) << "given up";
    EXPECT_EQ(_arp.expire(_ctx.now_tsc + 2'300'000, _counters, retry), 0u);
    // Asked for again: expire sees it again.
    _ctx.now_tsc += 3'000'000;
    (void)udp_send(_ctx, other_ip, RTE_BE16(5060), std::span(sip.data(), sip.size()));
    EXPECT_EQ(_arp.expire(_ctx.now_tsc + 300'000, _counters, retry), 1u);
    EXPECT_EQ(retry[0], other_ip);
    EXPECT_EQ(_arp.expire(_ctx.now_tsc + 2'000'000, _counters, retry), 0u);
    EXPECT_EQ(_counters.get(counter_id::drop_arp_unresolved), 2u);
    for (rte_mbuf* m : sent()) {
        rte_pktmbuf_free(m);
    }
}

TEST_F(wire, large_datagrams_leave_as_fragments_that_reassemble_to_the_original) {
    _arp.learn(peer_ip, peer_mac, _ctx.now_tsc);
    std::string sip = "INVITE sip:bob@198.51.100.3 SIP/2.0\r\n";
    while (sip.size() < 4000) {
        sip += "a=candidate:" + std::to_string(sip.size()) + " 1 udp 2130706431\r\n";
    }
    ASSERT_TRUE(udp_send(_ctx, peer_ip, RTE_BE16(5060), std::span(sip.data(), sip.size())));
    auto out = sent();
    ASSERT_EQ(out.size(), 3u) << "4000 bytes at MTU 1500 make three fragments";
    EXPECT_EQ(_counters.get(counter_id::ipv4_fragments_sent), 3u);
    std::string reassembled;
    for (rte_mbuf* m : out) {
        const std::string frame = bytes(m);
        ASSERT_LE(frame.size(), sizeof(rte_ether_hdr) + 1500u);
        auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(frame.data() + sizeof(rte_ether_hdr));
        EXPECT_EQ(rte_raw_cksum(ip, sizeof *ip), 0xffff) << "each fragment's header checksum";
        const std::size_t offset =
            (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) * 8u;
        ASSERT_EQ(offset, reassembled.size()) << "fragments leave in order";
        reassembled += frame.substr(sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr));
        rte_pktmbuf_free(m);
    }
    ASSERT_EQ(reassembled.size(), sizeof(rte_udp_hdr) + sip.size());
    EXPECT_EQ(reassembled.substr(sizeof(rte_udp_hdr)), sip);
}

TEST_F(wire, a_datagram_above_64k_is_refused) {
    std::string huge(70000, 'x');
    EXPECT_FALSE(udp_send(_ctx, peer_ip, RTE_BE16(5060), std::span(huge.data(), huge.size())));
    EXPECT_EQ(_counters.get(counter_id::drop_tx_too_big), 1u);
    // A spare handed over with it goes back to the pool.
    const unsigned before = rte_mempool_avail_count(test_pool);
    rte_mbuf* spare = rte_pktmbuf_alloc(test_pool);
    EXPECT_FALSE(
        udp_send(_ctx, peer_ip, RTE_BE16(5060), std::span(huge.data(), huge.size()), spare));
    EXPECT_EQ(rte_mempool_avail_count(test_pool), before);
}

// A received datagram's mbuf, done with, carries the next one out: same mbuf,
// reset as if fresh from the pool (no stale length, offsets or RX flags).
TEST_F(wire, a_plain_spare_carries_the_datagram_and_is_reset_first) {
    _arp.learn(peer_ip, peer_mac, _ctx.now_tsc);
    rte_mbuf* spare = rte_pktmbuf_alloc(test_pool);
    ASSERT_NE(rte_pktmbuf_append(spare, 900), nullptr);
    rte_pktmbuf_adj(spare, 14);
    spare->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD;
    spare->packet_type = RTE_PTYPE_L4_UDP;
    const std::string sip = "SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r\n";
    ASSERT_TRUE(udp_send(_ctx, peer_ip, RTE_BE16(5062), std::span(sip.data(), sip.size()), spare));
    auto out = sent();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], spare);
    EXPECT_EQ(out[0]->ol_flags & (RTE_MBUF_F_RX_L4_CKSUM_MASK | RTE_MBUF_F_RX_IP_CKSUM_MASK), 0u);
    EXPECT_EQ(out[0]->packet_type, 0u);
    EXPECT_EQ(rte_pktmbuf_headroom(out[0]) + sizeof(rte_ether_hdr),
              std::min<std::size_t>(RTE_PKTMBUF_HEADROOM, out[0]->buf_len));
    const std::string frame = bytes(out[0]);
    ASSERT_EQ(frame.size(), sizeof(rte_ether_hdr) + 28 + sip.size());
    auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(frame.data() + sizeof(rte_ether_hdr));
    EXPECT_EQ(rte_raw_cksum(ip, sizeof *ip), 0xffff);
    EXPECT_EQ(rte_ipv4_udptcp_cksum_verify(ip, ip + 1), 0);
    EXPECT_EQ(frame.substr(sizeof(rte_ether_hdr) + 28), sip);
    rte_pktmbuf_free(out[0]);
}

// A spare that is not a plain one-segment mbuf of the pool (here: a chain, or
// one still referenced elsewhere) is let go and a fresh mbuf carries the datagram.
TEST_F(wire, a_spare_that_cannot_pass_for_fresh_is_freed_not_used) {
    _arp.learn(peer_ip, peer_mac, _ctx.now_tsc);
    const std::string sip = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
    const unsigned before = rte_mempool_avail_count(test_pool);
    rte_mbuf* chain = rte_pktmbuf_alloc(test_pool);
    ASSERT_EQ(rte_pktmbuf_chain(chain, rte_pktmbuf_alloc(test_pool)), 0);
    ASSERT_TRUE(udp_send(_ctx, peer_ip, RTE_BE16(5062), std::span(sip.data(), sip.size()), chain));
    rte_mbuf* shared = rte_pktmbuf_alloc(test_pool);
    rte_mbuf_refcnt_update(shared, 1); // someone else still holds it
    ASSERT_TRUE(udp_send(_ctx, peer_ip, RTE_BE16(5062), std::span(sip.data(), sip.size()), shared));
    auto out = sent();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_NE(out[0], chain);
    EXPECT_NE(out[1], shared);
    EXPECT_EQ(rte_mbuf_refcnt_read(shared), 1u) << "our reference was dropped";
    EXPECT_EQ(bytes(out[1]).substr(sizeof(rte_ether_hdr) + 28), sip);
    for (rte_mbuf* m : out) {
        rte_pktmbuf_free(m);
    }
    rte_pktmbuf_free(shared);
    EXPECT_EQ(rte_mempool_avail_count(test_pool), before);
}

} // namespace
} // namespace sipedge::dataplane

SIPEDGE_EAL_TEST_MAIN()
