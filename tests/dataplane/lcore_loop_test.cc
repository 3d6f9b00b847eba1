// The polling loop on two real ports (net_ring, each with its own RX and TX
// ring): ARP requests put on the RX rings come back as replies on the TX rings.
// The drain deadline is set to an hour, so replies that do show up were sent by
// the loop's early flush (a pass that drained every port's queue).

#include "dataplane/lcore_loop.hh"

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <gtest/gtest.h>
#include <rte_arp.h>
#include <rte_ring.h>
#include <string>
#include <thread>

#include "tests/dataplane/eal_environment.hh"
#include "tests/dataplane/ring_port.hh"
#include "tests/dataplane/test_addresses.hh"

namespace sipedge::dataplane {
namespace {

using namespace std::chrono_literals;
using testing::our_ip;
using testing::our_mac;
using testing::peer_ip;
using testing::peer_mac;
using testing::test_pool;

rte_mbuf* arp_request_for_us() {
    rte_mbuf* m = rte_pktmbuf_alloc(test_pool);
    EXPECT_NE(m, nullptr);
    auto* eth = reinterpret_cast<rte_ether_hdr*>(
        rte_pktmbuf_append(m, sizeof(rte_ether_hdr) + sizeof(rte_arp_hdr)));
    std::memset(eth->dst_addr.addr_bytes, 0xff, RTE_ETHER_ADDR_LEN);
    eth->src_addr = peer_mac;
    eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
    auto* arp = reinterpret_cast<rte_arp_hdr*>(eth + 1);
    arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
    arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
    arp->arp_hlen = RTE_ETHER_ADDR_LEN;
    arp->arp_plen = 4;
    arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
    arp->arp_data.arp_sha = peer_mac;
    arp->arp_data.arp_sip = peer_ip;
    arp->arp_data.arp_tha = rte_ether_addr{};
    arp->arp_data.arp_tip = our_ip;
    return m;
}

class two_ports : public ::testing::Test {
protected:
    void SetUp() override {
        static int n = 0;
        _ctx.port_count = 2;
        for (unsigned p = 0; p < 2; ++p) {
            testing::open_ring_port("loop" + std::to_string(n++), _wire[p], /*own_tx_ring=*/true);
            if (HasFatalFailure()) {
                return;
            }
            _rx[p] = _wire[p].ring;
            _tx[p] = _wire[p].tx;
            _port[p] = _wire[p].port;
            _ctx.ports[p] = port_queues{_port[p], 0, 0, false};
            _ctx.packets[p].ifc = local_interface{our_mac, our_ip, RTE_BE16(5060), 1500,
                                                  false, false, static_cast<std::uint8_t>(p)};
            _ctx.packets[p].counters = &_counters;
            _ctx.packets[p].pool = test_pool;
        }
        _ctx.stop = &_stop;
        _ctx.tx_drain_us = 3'600'000'000ULL; // an hour: only an early flush sends
    }
    void TearDown() override {
        stop_loop();
        for (unsigned p = 0; p < 2; ++p) {
            if (_tx[p] != nullptr) {
                void* obj;
                while (rte_ring_dequeue(_tx[p], &obj) == 0) {
                    rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
                }
            }
            if (_wire[p].ring != nullptr) {
                testing::close_ring_port(_wire[p]);
            }
        }
    }
    void put_requests(unsigned p, unsigned count) {
        for (unsigned i = 0; i < count; ++i) {
            ASSERT_EQ(rte_ring_enqueue(_rx[p], arp_request_for_us()), 0);
        }
    }
    void start_loop() {
        _loop = std::thread([this] { lcore_loop(&_ctx); });
    }
    void stop_loop() {
        if (_loop.joinable()) {
            _stop.store(true);
            _loop.join();
        }
    }
    // Waits (bounded) until both TX rings hold `each` replies.
    bool replies_out(unsigned each) {
        const auto until = std::chrono::steady_clock::now() + 5s;
        while (std::chrono::steady_clock::now() < until) {
            if (rte_ring_count(_tx[0]) >= each && rte_ring_count(_tx[1]) >= each) {
                return true;
            }
            std::this_thread::sleep_for(1ms);
        }
        return false;
    }

    std::array<testing::ring_port, 2> _wire{};
    std::array<rte_ring*, 2> _rx{};
    std::array<rte_ring*, 2> _tx{};
    std::array<std::uint16_t, 2> _port{};
    counter_block _counters;
    std::atomic<bool> _stop{false};
    lcore_context _ctx;
    std::thread _loop;
};

TEST_F(two_ports, APassThatDrainedEveryPortSendsAtOnce) {
    // 20 + 20: more than one burst in all, but no port had a full burst waiting.
    put_requests(0, 20);
    put_requests(1, 20);
    start_loop();
    EXPECT_TRUE(replies_out(20)) << "replies waited for the drain deadline: "
                                 << rte_ring_count(_tx[0]) << " and " << rte_ring_count(_tx[1]);
    stop_loop();
    EXPECT_EQ(rte_ring_count(_tx[0]), 20u);
    EXPECT_EQ(rte_ring_count(_tx[1]), 20u);
    EXPECT_EQ(_counters.get(counter_id::arp_requests), 40u);
}

TEST_F(two_ports, RepliesToFullBurstsGoOutWhenTheQueuesAreDrained) {
    // 40 on one port: a full burst, then 8 in the next pass, which drains it.
    put_requests(0, 40);
    put_requests(1, 3);
    start_loop();
    const auto until = std::chrono::steady_clock::now() + 5s;
    while ((rte_ring_count(_tx[0]) < 40 || rte_ring_count(_tx[1]) < 3) &&
           std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(1ms);
    }
    stop_loop();
    EXPECT_EQ(rte_ring_count(_tx[0]), 40u);
    EXPECT_EQ(rte_ring_count(_tx[1]), 3u);
}

} // namespace
} // namespace sipedge::dataplane

SIPEDGE_EAL_TEST_MAIN()
