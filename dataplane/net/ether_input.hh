#pragma once
// Entry of the packet path: Ethernet demultiplexing to ARP and IPv4. Every
// packet ends in a verdict; every drop is counted with its reason.

#include <rte_mbuf.h>

#include "common/counters.hh"
#include "dataplane/net/interface.hh"

namespace sipedge::dataplane {

verdict ether_input(rte_mbuf* m, const local_interface& ifc, counter_block& counters);

} // namespace sipedge::dataplane
