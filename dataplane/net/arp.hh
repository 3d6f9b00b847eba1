#pragma once
// ARP responder: answers requests for our IPv4 address in place.

#include "dataplane/net/packet_context.hh"

#include <rte_mbuf.h>

namespace sipedge::dataplane {

// Precondition: m starts with an Ethernet header whose type is ARP.
verdict arp_input(rte_mbuf* m, packet_context& ctx);

} // namespace sipedge::dataplane
