#pragma once
// UDP-over-IPv4 checksums of a datagram in an mbuf: DPDK's
// rte_ipv4_udptcp_cksum_mbuf(_verify), with the payload of a one-segment
// datagram summed by raw_checksum (checksum.hh) instead of rte_raw_cksum.
// Same results for every input; a datagram in several segments (reassembled,
// or too large for one mbuf) goes to DPDK's own functions.

#include "dataplane/net/checksum.hh"

#include <cstdint>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

namespace sipedge::dataplane {

namespace detail {

// __rte_ipv4_udptcp_cksum_mbuf for a one-segment mbuf holding the whole L4
// datagram at l4_off; false when it does not (the caller asks DPDK).
inline bool ipv4_l4_sum(const rte_mbuf* m, const rte_ipv4_hdr* ip, std::uint16_t l4_off,
                        std::uint16_t& sum) {
    const std::uint32_t len =
        static_cast<std::uint16_t>(rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip));
    if (m->nb_segs != 1 || std::uint32_t{l4_off} + len > rte_pktmbuf_data_len(m)) {
        return false;
    }
    std::uint32_t c = raw_checksum(rte_pktmbuf_mtod_offset(m, const char*, l4_off), len);
    c += rte_ipv4_phdr_cksum(ip, 0);
    c = ((c & 0xffff0000u) >> 16) + (c & 0xffffu);
    sum = static_cast<std::uint16_t>(c);
    return true;
}

} // namespace detail

// The value for the L4 header's checksum field (its field zero while summing),
// as rte_ipv4_udptcp_cksum_mbuf.
inline std::uint16_t ipv4_udptcp_checksum(const rte_mbuf* m, const rte_ipv4_hdr* ip,
                                          std::uint16_t l4_off) {
    std::uint16_t sum;
    if (!detail::ipv4_l4_sum(m, ip, l4_off, sum)) {
        return rte_ipv4_udptcp_cksum_mbuf(m, ip, l4_off);
    }
    std::uint16_t cksum = static_cast<std::uint16_t>(~sum);
    if (cksum == 0 && ip->next_proto_id == IPPROTO_UDP) {
        cksum = 0xffff; // RFC 768: a computed zero is sent as all ones
    }
    return cksum;
}

// True when the datagram's checksum field is right, as
// rte_ipv4_udptcp_cksum_mbuf_verify == 0. (A zero UDP field, "no checksum",
// is the caller's to check first.)
inline bool ipv4_udptcp_checksum_ok(const rte_mbuf* m, const rte_ipv4_hdr* ip,
                                    std::uint16_t l4_off) {
    std::uint16_t sum;
    if (!detail::ipv4_l4_sum(m, ip, l4_off, sum)) {
        return rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, l4_off) == 0;
    }
    return sum == 0xffff;
}

} // namespace sipedge::dataplane
