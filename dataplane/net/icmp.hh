#pragma once
// ICMP: echo requests to our address are answered in place; the rest dropped.

#include "dataplane/net/packet_context.hh"

#include <rte_mbuf.h>

namespace sipedge::dataplane {

// Precondition: ipv4_input validated the IPv4 header (no options) and found
// protocol ICMP.
verdict icmp_input(rte_mbuf* m, packet_context& ctx);

} // namespace sipedge::dataplane
