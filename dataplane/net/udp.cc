#include "dataplane/net/udp.hh"

#include "dataplane/net/ipv4_checksum.hh"

#include <rte_udp.h>

namespace sipedge::dataplane {

verdict udp_input(rte_mbuf* m, const rte_ipv4_hdr* ip, packet_context& ctx, udp_delivery& out) {
    counter_block& counters = *ctx.counters;
    constexpr std::uint32_t udp_offset = sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr);
    const std::uint32_t ip_payload = rte_be_to_cpu_16(ip->total_length) - sizeof(rte_ipv4_hdr);
    // The UDP header itself must sit in the first segment (true for any first
    // fragment that is not pathologically small).
    if (ip_payload < sizeof(rte_udp_hdr) ||
        rte_pktmbuf_data_len(m) < udp_offset + sizeof(rte_udp_hdr)) {
        counters.add(counter_id::drop_udp_bad_length);
        return verdict::drop;
    }
    auto* udp = rte_pktmbuf_mtod_offset(m, const rte_udp_hdr*, udp_offset);
    const std::uint32_t udp_len = rte_be_to_cpu_16(udp->dgram_len);
    if (udp_len < sizeof(rte_udp_hdr) || udp_len > ip_payload) {
        counters.add(counter_id::drop_udp_bad_length);
        return verdict::drop;
    }
    // Zero means "no checksum" for UDP over IPv4 (RFC 768). The device's
    // verdict is used when it gave one; a reassembled datagram (several
    // segments) was never seen whole by the device, so it is checked here.
    const std::uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
    const bool device_checked =
        ctx.ifc.rx_checksum_offload && m->nb_segs == 1 &&
        (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD || l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD);
    const bool bad_checksum =
        udp->dgram_cksum != 0 &&
        (device_checked ? l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD
                        : !ipv4_udptcp_checksum_ok(m, ip, static_cast<std::uint16_t>(udp_offset)));
    if (bad_checksum) {
        counters.add(counter_id::drop_udp_bad_checksum);
        return verdict::drop;
    }
    if (udp->dst_port != ctx.ifc.sip_port) {
        counters.add(counter_id::drop_udp_wrong_port);
        return verdict::drop;
    }
    out.src_ip = ip->src_addr;
    out.port_index = ctx.ifc.port_index;
    out.src_port = udp->src_port;
    out.payload_offset = udp_offset + sizeof(rte_udp_hdr);
    out.payload_length = udp_len - sizeof(rte_udp_hdr);
    counters.add(counter_id::udp_sip_datagrams);
    return verdict::deliver_udp;
}

} // namespace sipedge::dataplane
