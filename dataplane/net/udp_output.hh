#pragma once
// Originating UDP: a payload becomes Ethernet + IPv4 + UDP (checksummed in
// software), fragmented when it exceeds the MTU, and sent to the next hop's
// MAC (the destination on the port's subnet, else the port's gateway), or held
// while ARP resolves it.

#include "dataplane/net/packet_context.hh"

#include <rte_byteorder.h>
#include <span>

namespace sipedge::dataplane {

// Returns false when the datagram was dropped (counted).
// Preconditions: ctx.pool, ctx.arp and ctx.tx are set.
// spare: null, or an mbuf the caller is done with (a received datagram already
// read): it carries this datagram instead of a new one from the pool when it is
// a plain one-segment mbuf of ctx.pool, else it is freed. Owned from here.
bool udp_send(packet_context& ctx, rte_be32_t dst_ip, rte_be16_t dst_port,
              std::span<const char> payload, rte_mbuf* spare = nullptr);

} // namespace sipedge::dataplane
