// tx_stage with guard_link on a real ethdev (net_ring, whose link the test sets
// down and up): the device is never handed a packet while the link is down,
// packets with no room are freed and counted, staged ones go out on link up.

#include "dataplane/io/tx_stage.hh"

#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <optional>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <string>

#include "tests/dataplane/eal_environment.hh"
#include "tests/dataplane/ring_port.hh"

namespace sipedge::dataplane {
namespace {

using testing::test_pool;

constexpr std::uint16_t buffer_size = 32;

class guarded_port : public ::testing::Test {
protected:
    void SetUp() override {
        static int n = 0;
        testing::open_ring_port("guarded" + std::to_string(n++), _wire);
        if (HasFatalFailure()) {
            return;
        }
        _ring = _wire.ring;
        _port = _wire.port;
        ASSERT_TRUE(link_up(_port));
        rte_eth_tx_buffer_init(buffer(), buffer_size);
        _tx.emplace(_port, 0, buffer(), _counters, /*guard_link=*/true);
        _pool_free_at_start = rte_mempool_avail_count(test_pool);
    }
    void TearDown() override {
        free_wire();
        _tx.reset();
        testing::close_ring_port(_wire);
    }
    rte_eth_dev_tx_buffer* buffer() {
        return reinterpret_cast<rte_eth_dev_tx_buffer*>(_tx_storage.data());
    }
    void send_packets(unsigned count) {
        for (unsigned i = 0; i < count; ++i) {
            rte_mbuf* m = rte_pktmbuf_alloc(test_pool);
            ASSERT_NE(m, nullptr);
            ASSERT_NE(rte_pktmbuf_append(m, 60), nullptr);
            _tx->send(m);
        }
    }
    unsigned on_wire() const { return rte_ring_count(_ring); }
    void free_wire() {
        void* obj;
        while (rte_ring_dequeue(_ring, &obj) == 0) {
            rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
        }
    }
    // Every mbuf is on the wire, staged, or back in the pool: none leaked.
    void expect_all_accounted() {
        EXPECT_EQ(rte_mempool_avail_count(test_pool) + on_wire() + buffer()->length,
                  _pool_free_at_start);
    }

    testing::ring_port _wire;
    rte_ring* _ring = nullptr;
    std::uint16_t _port = 0;
    alignas(64) std::array<std::uint8_t, RTE_ETH_TX_BUFFER_SIZE(buffer_size)> _tx_storage{};
    counter_block _counters;
    std::optional<tx_stage> _tx;
    unsigned _pool_free_at_start = 0;
};

TEST_F(guarded_port, LinkUpSendsInBurstsAndOnFlush) {
    send_packets(buffer_size + 3);
    EXPECT_EQ(on_wire(), buffer_size) << "a full buffer bursts by itself";
    _tx->flush();
    EXPECT_EQ(on_wire(), buffer_size + 3u);
    EXPECT_EQ(_counters.get(counter_id::tx_packets), buffer_size + 3u);
    EXPECT_EQ(_counters.get(counter_id::tx_link_down), 0u);
    expect_all_accounted();
}

TEST_F(guarded_port, LinkDownNothingReachesTheDeviceAndWhatHasNoRoomIsFreed) {
    ASSERT_EQ(rte_eth_dev_set_link_down(_port), 0);
    ASSERT_FALSE(link_up(_port));
    send_packets(buffer_size + 8);
    _tx->flush();
    EXPECT_EQ(on_wire(), 0u);
    EXPECT_EQ(_counters.get(counter_id::tx_packets), 0u);
    // One slot short of a burst is staged; the packet that would fill it and
    // every one after it are dropped.
    EXPECT_EQ(buffer()->length, buffer_size - 1u);
    EXPECT_EQ(_counters.get(counter_id::tx_link_down), 9u);
    expect_all_accounted();

    ASSERT_EQ(rte_eth_dev_set_link_up(_port), 0);
    _tx->flush();
    EXPECT_EQ(on_wire(), buffer_size - 1u) << "the staged packets go out once the link is up";
    EXPECT_EQ(buffer()->length, 0u);
    send_packets(buffer_size);
    EXPECT_EQ(on_wire(), 2u * buffer_size - 1u);
    expect_all_accounted();
}

} // namespace
} // namespace sipedge::dataplane

SIPEDGE_EAL_TEST_MAIN()
