#pragma once
// Port set-up: one RX and one TX queue on the port, a mempool sized for them.
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
    unsigned mbufs = 8191; // 2^n - 1 is the mempool's most efficient size
};

struct port_handle {
    std::uint16_t port_id = 0;
    rte_mempool* pool = nullptr;
    rte_ether_addr mac{};
    std::string driver;
};

result<port_handle, port_error> open_first_port(const port_config& cfg, unsigned socket_id);

void close_port(const port_handle& port);

} // namespace sipedge::dataplane
