#pragma once
// What the packet path needs to know about the local port: our MAC and IPv4
// address. Read-only on the fast path.

#include <rte_ether.h>

#include <cstdint>

namespace sipedge::dataplane {

struct local_interface {
    rte_ether_addr mac{};
    rte_be32_t ipv4 = 0; // network byte order
};

// What the loop does with a packet after a handler has looked at it. A handler
// that returns transmit has rewritten the mbuf in place into the reply.
enum class verdict : std::uint8_t { transmit, drop };

} // namespace sipedge::dataplane
