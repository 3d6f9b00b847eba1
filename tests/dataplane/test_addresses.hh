#pragma once
// The addresses dataplane tests use: the dataplane at 198.51.100.1 and a peer,
// documentation range only.

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

namespace sipedge::dataplane::testing {

inline const rte_ether_addr our_mac{{0x02, 0, 0, 0, 0, 1}};
inline const rte_ether_addr peer_mac{{0x02, 0, 0, 0, 0, 2}};
inline const rte_be32_t our_ip = RTE_BE32(RTE_IPV4(198, 51, 100, 1));
inline const rte_be32_t peer_ip = RTE_BE32(RTE_IPV4(198, 51, 100, 2));

} // namespace sipedge::dataplane::testing
