#pragma once
// ARP responder: answers requests for our IPv4 address in place.

#include <rte_mbuf.h>

#include "common/counters.hh"
#include "dataplane/net/interface.hh"

namespace sipedge::dataplane {

// Precondition: m starts with an Ethernet header whose type is ARP.
verdict arp_input(rte_mbuf* m, const local_interface& ifc, counter_block& counters);

} // namespace sipedge::dataplane
