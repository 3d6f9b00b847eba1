#pragma once
// ARP responder: answers requests for our IPv4 address in place, and learns the
// sender of every request or reply addressed to us.

#include "dataplane/net/packet_context.hh"

#include <rte_mbuf.h>

namespace sipedge::dataplane {

// Precondition: m starts with an Ethernet header whose type is ARP.
verdict arp_input(rte_mbuf* m, packet_context& ctx);

// Records ip -> mac in this lcore's cache and sends what waited for it.
void arp_learn(packet_context& ctx, rte_be32_t ip, const rte_ether_addr& mac);

} // namespace sipedge::dataplane
