#pragma once
// IPv4 input: header and checksum validation, reassembly, then ICMP or UDP.

#include "dataplane/net/packet_context.hh"

#include <rte_mbuf.h>

namespace sipedge::dataplane {

// Precondition: m starts with an Ethernet header whose type is IPv4.
// m may be replaced by a reassembled datagram.
verdict ipv4_input(rte_mbuf*& m, packet_context& ctx, udp_delivery& out);

// Swaps source and destination of the Ethernet and IPv4 headers, resets the
// TTL and recomputes the header checksum: the common part of every reply that
// reuses the request's mbuf.
void ipv4_turn_around(rte_mbuf* m, const local_interface& ifc);

} // namespace sipedge::dataplane
