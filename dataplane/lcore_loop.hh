#pragma once
// The per-lcore polling loop (STYLE.md, l2fwd/l3fwd shape): burst RX, prefetch
// ahead, handle each packet to a verdict, hand SIP datagrams to the SIP stage
// (parse, dispatch, transactions, proxy), advance the timer wheel once per pass,
// stage TX and flush it on size or on a TSC deadline. The lcore owns everything
// it touches; other lcores reach it only through SPSC rings. No locks.

#include "common/counters.hh"
#include "dataplane/net/packet_context.hh"

#include <atomic>
#include <cstdint>
#include <rte_ethdev.h>

namespace sipedge::dataplane {

class sip_stage;

struct lcore_context {
    std::uint16_t port_id = 0;
    std::uint16_t rx_queue = 0;
    std::uint16_t tx_queue = 0;
    packet_context packet;                   // counters inside: owned here, read by others
    sip_stage* sip = nullptr;                // null: SIP datagrams are dropped, counted
    const std::atomic<bool>* stop = nullptr; // set by the signal handler
};

// Runs until *ctx.stop is set. Signature fits rte_eal_remote_launch.
int lcore_loop(void* ctx);

} // namespace sipedge::dataplane
