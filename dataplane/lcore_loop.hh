#pragma once
// The per-lcore polling loop (STYLE.md, l2fwd/l3fwd shape): burst RX, prefetch
// ahead, handle each packet to a verdict, hand SIP datagrams to the SIP stage
// (parse, dispatch, transactions, proxy), advance the timer wheel once per pass,
// stage TX and flush it on size or on a TSC deadline. With several ports the
// lcore polls its RX queue of each in turn and sends on its TX queue of each.
// The lcore owns everything it touches; other lcores reach it only through
// SPSC rings. No locks.

#include "common/counters.hh"
#include "dataplane/net/packet_context.hh"

#include <array>
#include <atomic>
#include <cstdint>
#include <rte_ethdev.h>

namespace sipedge::dataplane {

class sip_stage;

// This lcore's queues on one port.
struct port_queues {
    std::uint16_t port_id = 0;
    std::uint16_t rx_queue = 0;
    std::uint16_t tx_queue = 0;
    // Poll and send only while the link is up (checked before every burst).
    // For net_memif: DPDK 22.11's driver unmaps the peer's shared memory on
    // its interrupt thread when the peer disconnects, with nothing to keep an
    // lcore out of rx/tx burst meanwhile; it marks the link down first, some
    // microseconds before the unmap, so checking it first narrows the window
    // in which a disconnect can crash the lcore (it does not close it).
    bool guard_link = false;
};

struct lcore_context {
    unsigned port_count = 1;
    std::array<port_queues, max_local_ports> ports{};
    // One per port (its interface, ARP cache and TX); counters, reassembly table
    // and pool are this lcore's, the same in each. Counters are read by others.
    std::array<packet_context, max_local_ports> packets{};
    sip_stage* sip = nullptr;                // null: SIP datagrams are dropped, counted
    const std::atomic<bool>* stop = nullptr; // set by the signal handler
    unsigned idle_sleep_us = 0; // options::idle_sleep_us
    // Staged TX goes out at the latest this long after the last flush (when
    // a pass does not drain every port's queue, so no early flush happens).
    std::uint64_t tx_drain_us = 100;
};

// Runs until *ctx.stop is set. Signature fits rte_eal_remote_launch.
int lcore_loop(void* ctx);

} // namespace sipedge::dataplane
