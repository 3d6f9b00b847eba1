#include "dataplane/net/udp_output.hh"

#include "dataplane/io/tx_stage.hh"
#include "dataplane/net/arp_cache.hh"
#include "dataplane/net/ipv4_checksum.hh"

#include <algorithm>
#include <array>
#include <cstring>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_udp.h>

namespace sipedge::dataplane {

namespace {

constexpr std::uint32_t ip_udp_header_len = sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr);
constexpr unsigned max_fragments = 64; // 64 KiB / 1 KiB: enough for any MTU >= 1100

// Copies payload into m (already holding the headers), chaining segments from
// pool as each fills. False when the pool runs dry.
bool append_payload(rte_mbuf* m, rte_mempool* pool, std::span<const char> payload) {
    rte_mbuf* last = rte_pktmbuf_lastseg(m);
    while (!payload.empty()) {
        std::uint16_t room = rte_pktmbuf_tailroom(last);
        if (room == 0) {
            rte_mbuf* seg = rte_pktmbuf_alloc(pool);
            if (seg == nullptr || rte_pktmbuf_chain(m, seg) != 0) {
                rte_pktmbuf_free(seg);
                return false;
            }
            last = seg;
            room = rte_pktmbuf_tailroom(last);
        }
        const std::uint16_t n =
            static_cast<std::uint16_t>(std::min<std::size_t>(room, payload.size()));
        std::memcpy(rte_pktmbuf_mtod_offset(last, char*, last->data_len), payload.data(), n);
        last->data_len = static_cast<std::uint16_t>(last->data_len + n);
        m->pkt_len += n;
        payload = payload.subspan(n);
    }
    return true;
}

// Adds the Ethernet header and sends to the next hop's MAC, or holds for ARP.
void send_ipv4(packet_context& ctx, rte_mbuf* m, rte_be32_t dst_ip) {
    const rte_be32_t hop = ctx.ifc.next_hop(dst_ip);
    auto* eth = reinterpret_cast<rte_ether_hdr*>(rte_pktmbuf_prepend(m, sizeof(rte_ether_hdr)));
    if (eth == nullptr) {
        rte_pktmbuf_free(m);
        ctx.counters->add(counter_id::drop_no_mbuf);
        return;
    }
    rte_ether_addr_copy(&ctx.ifc.mac, &eth->src_addr);
    eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
    if (const rte_ether_addr* mac = ctx.arp->lookup(hop, ctx.now_tsc)) {
        rte_ether_addr_copy(mac, &eth->dst_addr);
        ctx.tx->send(m);
        return;
    }
    if (ctx.arp->hold(hop, m, ctx.now_tsc, *ctx.counters) ==
        arp_cache::hold_result::held_send_request) {
        rte_mbuf* request = make_arp_request(ctx.pool, ctx.ifc.mac, ctx.ifc.ipv4, hop);
        if (request == nullptr) {
            ctx.counters->add(counter_id::drop_no_mbuf);
            return;
        }
        ctx.tx->send(request);
    }
}

// The spare when it can pass for a fresh mbuf of ctx.pool (reset as the pool's
// allocation would), else one from the pool; the spare is then freed.
rte_mbuf* fresh_mbuf(packet_context& ctx, rte_mbuf* spare) {
    if (spare != nullptr) {
        if (spare->pool == ctx.pool && spare->nb_segs == 1 && RTE_MBUF_DIRECT(spare) &&
            rte_mbuf_refcnt_read(spare) == 1) {
            rte_pktmbuf_reset(spare);
            return spare;
        }
        rte_pktmbuf_free(spare);
    }
    return rte_pktmbuf_alloc(ctx.pool);
}

} // namespace

bool udp_send(packet_context& ctx, rte_be32_t dst_ip, rte_be16_t dst_port,
              std::span<const char> payload, rte_mbuf* spare) {
    counter_block& counters = *ctx.counters;
    const std::size_t ip_len = ip_udp_header_len + payload.size();
    if (ip_len > UINT16_MAX) {
        rte_pktmbuf_free(spare);
        counters.add(counter_id::drop_tx_too_big);
        return false;
    }
    rte_mbuf* m = fresh_mbuf(ctx, spare);
    if (m == nullptr) {
        counters.add(counter_id::drop_no_mbuf);
        return false;
    }
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(rte_pktmbuf_append(m, ip_udp_header_len));
    if (ip == nullptr || !append_payload(m, ctx.pool, payload)) {
        rte_pktmbuf_free(m);
        counters.add(counter_id::drop_no_mbuf);
        return false;
    }
    *ip = rte_ipv4_hdr{};
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->total_length = rte_cpu_to_be_16(static_cast<std::uint16_t>(ip_len));
    // One identification sequence per lcore (its packet context): fragments of
    // two datagrams in flight never share an id.
    ip->packet_id = rte_cpu_to_be_16(ctx.next_ipv4_id++);
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_UDP;
    ip->src_addr = ctx.ifc.ipv4;
    ip->dst_addr = dst_ip;
    auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
    udp->src_port = ctx.ifc.sip_port;
    udp->dst_port = dst_port;
    udp->dgram_len = rte_cpu_to_be_16(static_cast<std::uint16_t>(ip_len - sizeof(rte_ipv4_hdr)));
    udp->dgram_cksum = 0;
    counters.add(counter_id::udp_sent);

    if (ip_len <= ctx.ifc.mtu) {
        if (ctx.ifc.tx_checksum_offload) {
            // The device sums; we seed the UDP field with the pseudo-header.
            m->l2_len = sizeof(rte_ether_hdr);
            m->l3_len = sizeof(rte_ipv4_hdr);
            m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;
            udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
        } else {
            udp->dgram_cksum = ipv4_udptcp_checksum(m, ip, sizeof(rte_ipv4_hdr));
            ip->hdr_checksum = ipv4_header_checksum(ip);
        }
        send_ipv4(ctx, m, dst_ip);
        return true;
    }
    // Fragments: the UDP checksum covers the whole datagram, so it is summed
    // here before the datagram is cut.
    udp->dgram_cksum = ipv4_udptcp_checksum(m, ip, sizeof(rte_ipv4_hdr));
    std::array<rte_mbuf*, max_fragments> frags;
    const int n =
        rte_ipv4_fragment_packet(m, frags.data(), max_fragments, ctx.ifc.mtu, ctx.pool, ctx.pool);
    rte_pktmbuf_free(m); // the fragments hold their own references to its data
    if (n <= 0) {
        counters.add(counter_id::drop_fragmentation);
        return false;
    }
    for (int i = 0; i < n; ++i) {
        auto* fip = rte_pktmbuf_mtod(frags[i], rte_ipv4_hdr*);
        fip->hdr_checksum = 0; // the library leaves it for offload; we compute it
        fip->hdr_checksum = rte_ipv4_cksum(fip);
        send_ipv4(ctx, frags[i], dst_ip);
    }
    counters.add(counter_id::ipv4_fragments_sent, static_cast<std::uint64_t>(n));
    return true;
}

} // namespace sipedge::dataplane
