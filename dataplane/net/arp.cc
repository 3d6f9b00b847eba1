#include "dataplane/net/arp.hh"

#include "dataplane/io/tx_stage.hh"
#include "dataplane/net/arp_cache.hh"

#include <rte_arp.h>

namespace sipedge::dataplane {

void arp_learn(packet_context& ctx, rte_be32_t ip, const rte_ether_addr& mac) {
    if (ctx.arp == nullptr || ctx.tx == nullptr) {
        return;
    }
    for (rte_mbuf* waiting : ctx.arp->learn(ip, mac, ctx.now_tsc)) {
        auto* weth = rte_pktmbuf_mtod(waiting, rte_ether_hdr*);
        rte_ether_addr_copy(&mac, &weth->dst_addr);
        ctx.tx->send(waiting);
    }
}

verdict arp_input(rte_mbuf* m, packet_context& ctx) {
    counter_block& counters = *ctx.counters;
    const local_interface& ifc = ctx.ifc;
    if (rte_pktmbuf_data_len(m) < sizeof(rte_ether_hdr) + sizeof(rte_arp_hdr)) {
        counters.add(counter_id::drop_short_frame);
        return verdict::drop;
    }
    auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
    auto* arp = reinterpret_cast<rte_arp_hdr*>(eth + 1);
    const bool well_formed = arp->arp_hardware == RTE_BE16(RTE_ARP_HRD_ETHER) &&
                             arp->arp_protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
                             arp->arp_hlen == RTE_ETHER_ADDR_LEN &&
                             arp->arp_plen == sizeof(rte_be32_t);
    const bool for_us = well_formed && arp->arp_data.arp_tip == ifc.ipv4;
    if (!for_us) {
        // Gratuitous ARP and requests for other hosts teach us nothing we trust.
        counters.add(counter_id::drop_arp_other);
        return verdict::drop;
    }
    // Requests and replies addressed to us both tell us the sender's MAC: learn
    // it, and send what was waiting for it.
    arp_learn(ctx, arp->arp_data.arp_sip, arp->arp_data.arp_sha);
    if (ctx.arp_learnt != nullptr) {
        ctx.arp_learnt(ctx.arp_learnt_user, ifc.port_index, arp->arp_data.arp_sip,
                       arp->arp_data.arp_sha);
    }
    if (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY)) {
        counters.add(counter_id::arp_replies);
        return verdict::drop;
    }
    if (arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST)) {
        counters.add(counter_id::drop_arp_other);
        return verdict::drop;
    }
    // Turn the request into the reply in place.
    const rte_be32_t requester_ip = arp->arp_data.arp_sip;
    arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
    rte_ether_addr_copy(&arp->arp_data.arp_sha, &arp->arp_data.arp_tha);
    arp->arp_data.arp_tip = requester_ip;
    rte_ether_addr_copy(&ifc.mac, &arp->arp_data.arp_sha);
    arp->arp_data.arp_sip = ifc.ipv4;

    rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
    rte_ether_addr_copy(&ifc.mac, &eth->src_addr);
    counters.add(counter_id::arp_requests);
    return verdict::transmit;
}

} // namespace sipedge::dataplane
