#include "dataplane/net/ether_input.hh"

#include "dataplane/net/arp.hh"
#include "dataplane/net/ipv4.hh"

namespace sipedge::dataplane {

verdict ether_input(rte_mbuf*& m, packet_context& ctx, udp_delivery& out) {
    counter_block& counters = *ctx.counters;
    if (rte_pktmbuf_data_len(m) < sizeof(rte_ether_hdr)) {
        counters.add(counter_id::drop_short_frame);
        return verdict::drop;
    }
    auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
    if (!rte_is_same_ether_addr(&eth->dst_addr, &ctx.ifc.mac) &&
        !rte_is_broadcast_ether_addr(&eth->dst_addr)) {
        counters.add(counter_id::drop_not_for_us_l2);
        return verdict::drop;
    }
    switch (eth->ether_type) {
    case RTE_BE16(RTE_ETHER_TYPE_IPV4):
        return ipv4_input(m, ctx, out);
    case RTE_BE16(RTE_ETHER_TYPE_ARP):
        return arp_input(m, ctx);
    default:
        counters.add(counter_id::drop_unknown_ethertype);
        return verdict::drop;
    }
}

} // namespace sipedge::dataplane
