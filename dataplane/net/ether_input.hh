#pragma once
// Entry of the packet path: Ethernet demultiplexing to ARP and IPv4. Every
// packet ends in a verdict; every drop is counted with its reason.

#include "dataplane/net/packet_context.hh"

#include <rte_mbuf.h>

namespace sipedge::dataplane {

// m may be replaced (a completed reassembly hands back the whole datagram);
// on deliver_udp, out says where the payload is.
verdict ether_input(rte_mbuf*& m, packet_context& ctx, udp_delivery& out);

} // namespace sipedge::dataplane
