#pragma once
// A started net_ring port (one queue each way) whose TX lands in an rte_ring
// the test reads: a real ethdev with no device behind it. By default RX and TX
// share the ring; with its own TX ring, what the test puts on `ring` is received
// and what the port sends is read from `tx`. Needs the EAL of eal_environment.hh.

#include <cstdint>
#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>
#include <string>

#include "tests/dataplane/eal_environment.hh"

namespace sipedge::dataplane::testing {

struct ring_port {
    rte_ring* ring = nullptr; // RX, and TX unless `tx` is set
    rte_ring* tx = nullptr;
    std::uint16_t port = 0;
};

// `name` must be new to the process (rte_ring names are global).
inline void open_ring_port(const std::string& name, ring_port& out, bool own_tx_ring = false) {
    out.ring = rte_ring_create(name.c_str(), 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    ASSERT_NE(out.ring, nullptr);
    if (own_tx_ring) {
        out.tx = rte_ring_create((name + "tx").c_str(), 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
        ASSERT_NE(out.tx, nullptr);
    }
    const int port = own_tx_ring ? rte_eth_from_rings(name.c_str(), &out.ring, 1, &out.tx, 1, 0)
                                 : rte_eth_from_ring(out.ring);
    ASSERT_GE(port, 0);
    out.port = static_cast<std::uint16_t>(port);
    // Fast-path ops are installed at start (DPDK >= 21.11), and start wants a
    // configured port; the ring PMD's queue set-up just maps its rings.
    rte_eth_conf conf{};
    ASSERT_EQ(rte_eth_dev_configure(out.port, 1, 1, &conf), 0);
    ASSERT_EQ(rte_eth_rx_queue_setup(out.port, 0, 256, 0, nullptr, test_pool), 0);
    ASSERT_EQ(rte_eth_tx_queue_setup(out.port, 0, 256, 0, nullptr), 0);
    ASSERT_EQ(rte_eth_dev_start(out.port), 0);
}

inline void close_ring_port(const ring_port& p) {
    rte_eth_dev_stop(p.port);
    rte_eth_dev_close(p.port);
    rte_ring_free(p.ring);
    rte_ring_free(p.tx);
}

} // namespace sipedge::dataplane::testing
