#include "dataplane/net/icmp.hh"

#include "dataplane/net/ipv4.hh"

#include <rte_icmp.h>
#include <rte_ip.h>

namespace sipedge::dataplane {

verdict icmp_input(rte_mbuf* m, packet_context& ctx) {
    counter_block& counters = *ctx.counters;
    const local_interface& ifc = ctx.ifc;
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    const std::uint32_t icmp_len = rte_be_to_cpu_16(ip->total_length) - sizeof(rte_ipv4_hdr);
    auto* icmp = reinterpret_cast<rte_icmp_hdr*>(ip + 1);
    // Echo requests are small: one segment (ipv4_input never reassembles ICMP).
    if (icmp_len < sizeof(rte_icmp_hdr) || !rte_pktmbuf_is_contiguous(m) ||
        rte_raw_cksum(icmp, icmp_len) != 0xffff) {
        counters.add(counter_id::drop_icmp_bad);
        return verdict::drop;
    }
    if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
        counters.add(counter_id::drop_icmp_other);
        return verdict::drop;
    }
    icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
    icmp->icmp_cksum = 0;
    icmp->icmp_cksum = static_cast<std::uint16_t>(~rte_raw_cksum(icmp, icmp_len));
    ipv4_turn_around(m, ifc);
    counters.add(counter_id::icmp_echo_replies);
    return verdict::transmit;
}

} // namespace sipedge::dataplane
