#pragma once
// Port set-up: one RX and one TX queue per worker lcore, RSS across the RX
// queues where the device offers it, and a mempool sized for all of it.
// Fails fast with a precise message (STYLE.md: start-up errors are loud).

#include "common/result.hh"

#include <cstdint>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <string>

namespace sipedge::dataplane {

enum class port_error { no_port, mempool, configure, queue_setup, start };

struct port_config {
    std::uint16_t rx_descriptors = 1024;
    std::uint16_t tx_descriptors = 1024;
    std::uint16_t queues = 1; // RX and TX queues: one each per worker lcore
    unsigned mbufs = 8191;    // rounded up to 2^n - 1, the mempool's most efficient size
};

struct port_handle {
    std::uint16_t port_id = 0;
    rte_mempool* pool = nullptr;
    rte_ether_addr mac{};
    std::string driver;
    bool rss = false;       // RX spread by the device's hash (else queue 0 gets most)
    unsigned mbufs = 0;     // pool size actually created
    bool rx_checksum = false; // device verifies IPv4/UDP checksums on RX
    bool tx_checksum = false; // device fills IPv4/UDP checksums on TX
};

result<port_handle, port_error> open_first_port(const port_config& cfg, unsigned socket_id);

void close_port(const port_handle& port);

} // namespace sipedge::dataplane
