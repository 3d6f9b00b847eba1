#include "dataplane/net/ipv4.hh"

#include "dataplane/net/icmp.hh"
#include "dataplane/net/ipv4_checksum.hh"
#include "dataplane/net/ipv4_reassembly.hh"
#include "dataplane/net/udp.hh"

#include <rte_ip.h>
#include <rte_ip_frag.h>

namespace sipedge::dataplane {

verdict ipv4_input(rte_mbuf*& m, packet_context& ctx, udp_delivery& out) {
    counter_block& counters = *ctx.counters;
    const std::uint32_t frame_len = rte_pktmbuf_data_len(m);
    if (frame_len < sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr)) {
        counters.add(counter_id::drop_short_frame);
        return verdict::drop;
    }
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    const std::uint32_t header_len = rte_ipv4_hdr_len(ip);
    const std::uint32_t total_len = rte_be_to_cpu_16(ip->total_length);
    if ((ip->version_ihl >> 4) != 4 || header_len < sizeof(rte_ipv4_hdr) ||
        total_len < header_len || sizeof(rte_ether_hdr) + total_len > rte_pktmbuf_pkt_len(m)) {
        counters.add(counter_id::drop_ipv4_bad_header);
        return verdict::drop;
    }
    // A correct header sums (ones' complement, checksum field included) to 0xffff.
    if (ipv4_header_sum(ip, header_len) != 0xffff) {
        counters.add(counter_id::drop_ipv4_bad_checksum);
        return verdict::drop;
    }
    if (!ctx.ifc.is_local(ip->dst_addr)) {
        counters.add(counter_id::drop_ipv4_not_for_us);
        return verdict::drop;
    }
    if (header_len != sizeof(rte_ipv4_hdr)) {
        // Options are legal but nothing we answer needs them; a reply would have
        // to strip them. Counted so that an operator sees them if they matter.
        counters.add(counter_id::drop_ipv4_options);
        return verdict::drop;
    }
    // Ethernet minimum-frame padding beyond total_length must not reach L4.
    const std::uint32_t padding = rte_pktmbuf_pkt_len(m) - sizeof(rte_ether_hdr) - total_len;
    if (padding != 0) {
        rte_pktmbuf_trim(m, static_cast<std::uint16_t>(padding));
    }
    if (rte_ipv4_frag_pkt_is_fragmented(ip)) {
        if (ctx.reassembly == nullptr || ip->next_proto_id != IPPROTO_UDP) {
            counters.add(counter_id::drop_ipv4_fragment);
            return verdict::drop;
        }
        rte_mbuf* whole = ctx.reassembly->add(m, ip, ctx.now_tsc, counters);
        if (whole == nullptr) {
            return verdict::consumed;
        }
        m = whole;
        ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    }
    switch (ip->next_proto_id) {
    case IPPROTO_ICMP:
        return icmp_input(m, ctx);
    case IPPROTO_UDP:
        return udp_input(m, ip, ctx, out);
    default:
        counters.add(counter_id::drop_unknown_l4);
        return verdict::drop;
    }
}

void ipv4_turn_around(rte_mbuf* m, const local_interface& ifc) {
    auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
    rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
    rte_ether_addr_copy(&ifc.mac, &eth->src_addr);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
    // Packed struct: no std::swap on its fields (DPDK-NOTES.md).
    // From the address the peer asked (any of ours, see local_interface).
    const rte_be32_t peer = ip->src_addr;
    ip->src_addr = ip->dst_addr;
    ip->dst_addr = peer;
    ip->time_to_live = 64;
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
}

} // namespace sipedge::dataplane
