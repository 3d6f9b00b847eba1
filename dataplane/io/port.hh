#pragma once
// Port set-up: one RX and one TX queue per worker lcore on every port, RSS
// across the RX queues where the device offers it, and one mempool sized for
// all ports.
// Fails fast with a precise message (STYLE.md: start-up errors are loud).

#include "common/result.hh"

#include <cstdint>
#include <cstdio>
#include <span>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <string>

namespace sipedge::dataplane {

enum class port_error { no_port, mempool, configure, queue_setup, start };

struct port_config {
    std::uint16_t rx_descriptors = 1024;
    std::uint16_t tx_descriptors = 1024;
    std::uint16_t queues = 1; // RX and TX queues: one each per worker lcore
    // How long a failed start is retried (every 100 ms). A memif client fails to
    // start while its server is not listening yet; peers started in either
    // order then still meet. 0: one attempt.
    unsigned start_retry_ms = 0;
};

struct port_handle {
    std::uint16_t port_id = 0;
    rte_mempool* pool = nullptr; // shared by every port; freed by free_mbuf_pool
    rte_ether_addr mac{};
    std::string driver;
    bool rss = false;       // RX spread by the device's hash (else queue 0 gets most)
    bool rx_checksum = false; // device verifies IPv4/UDP checksums on RX
    bool tx_checksum = false; // device fills IPv4/UDP checksums on TX
};

// At least `mbufs` mbufs (rounded up to 2^n - 1, the mempool's most efficient size).
result<rte_mempool*, port_error> create_mbuf_pool(unsigned mbufs, unsigned socket_id);
void free_mbuf_pool(rte_mempool* pool);

// The ethdev of `device` (the spec given to EAL: its name before the first ','),
// or the rank-th available port when no ethdev has that name (a PCI address
// written without its domain).
result<port_handle, port_error> open_port(const std::string& device, unsigned rank,
                                          const port_config& cfg, rte_mempool* pool);

void close_port(const port_handle& port);

// The link's state as the driver last set it (no waiting); cheap enough to ask
// before every burst on a virtual device.
inline bool link_up(std::uint16_t port_id) {
    rte_eth_link link{};
    return rte_eth_link_get_nowait(port_id, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

// One line per port from the device's own counters (packets, bytes, missed,
// errors): which port carried what, beside the per-lcore counters.
void print_port_totals(std::FILE* out, std::span<const port_handle> ports);

} // namespace sipedge::dataplane
