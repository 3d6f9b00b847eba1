#pragma once
// IPv4 input: header and checksum validation, then ICMP or UDP.

#include <rte_mbuf.h>

#include "common/counters.hh"
#include "dataplane/net/interface.hh"

namespace sipedge::dataplane {

// Precondition: m starts with an Ethernet header whose type is IPv4.
verdict ipv4_input(rte_mbuf* m, const local_interface& ifc, counter_block& counters);

// Swaps source and destination of the Ethernet and IPv4 headers, resets the
// TTL and recomputes the header checksum: the common part of every reply that
// reuses the request's mbuf.
void ipv4_turn_around(rte_mbuf* m, const local_interface& ifc);

} // namespace sipedge::dataplane
