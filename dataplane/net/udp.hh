#pragma once
// UDP input: length and checksum validation, then delivery of datagrams to our
// SIP port. Works on single- and multi-segment (reassembled) mbufs.

#include "dataplane/net/packet_context.hh"

#include <rte_ip.h>
#include <rte_mbuf.h>

namespace sipedge::dataplane {

// Precondition: ipv4_input validated the (option-less, unfragmented or
// reassembled) IPv4 header at offset sizeof(rte_ether_hdr) and found UDP.
verdict udp_input(rte_mbuf* m, const rte_ipv4_hdr* ip, packet_context& ctx, udp_delivery& out);

} // namespace sipedge::dataplane
