#pragma once
// IPv4 header and UDP-over-IPv4 checksums: DPDK's rte_ipv4_cksum and
// rte_ipv4_udptcp_cksum_mbuf(_verify), with words summed 32 bits (header) or
// 64 bytes (payload, raw_sum in checksum.hh) at a time and the pseudo-header
// added as words rather than built and summed. Same results for every input; a
// datagram in several segments (reassembled, or too large for one mbuf) goes
// to DPDK's own functions.

#include "dataplane/net/checksum.hh"

#include <cstdint>
#include <cstring>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

namespace sipedge::dataplane {

namespace detail {

// The IPv4 pseudo-header's words (RFC 768) as rte_ipv4_phdr_cksum(ip, 0) has
// them: both addresses, the protocol as the low byte's neighbour of a zero
// byte, and the L4 length (network order), unreduced.
inline std::uint64_t pseudo_header_sum(const rte_ipv4_hdr* ip, std::uint16_t l4_len) {
    return std::uint64_t{ip->src_addr} + ip->dst_addr +
           (static_cast<std::uint32_t>(ip->next_proto_id) << 8) + rte_cpu_to_be_16(l4_len);
}

// __rte_ipv4_udptcp_cksum_mbuf for a one-segment mbuf holding the whole L4
// datagram at l4_off; false when it does not (the caller asks DPDK). DPDK
// folds the payload and the pseudo-header apart and then their sum; one fold
// of the whole sum gives the same value (checksum.hh).
inline bool ipv4_l4_sum(const rte_mbuf* m, const rte_ipv4_hdr* ip, std::uint16_t l4_off,
                        std::uint16_t& sum) {
    const auto len =
        static_cast<std::uint16_t>(rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip));
    if (m->nb_segs != 1 || std::uint32_t{l4_off} + len > rte_pktmbuf_data_len(m)) {
        return false;
    }
    sum = fold_sum(raw_sum(rte_pktmbuf_mtod_offset(m, const char*, l4_off), len) +
                   pseudo_header_sum(ip, len));
    return true;
}

} // namespace detail

// rte_raw_cksum(ip, header_len) for an IPv4 header (its length a multiple of
// four): 0xffff when its checksum field is right.
inline std::uint16_t ipv4_header_sum(const rte_ipv4_hdr* ip, std::uint32_t header_len) {
    const auto* p = reinterpret_cast<const unsigned char*>(ip);
    std::uint64_t sum = 0;
    for (std::uint32_t i = 0; i < header_len; i += 4) {
        std::uint32_t w;
        std::memcpy(&w, p + i, sizeof w);
        sum += w;
    }
    return fold_sum(sum);
}

// rte_ipv4_cksum: the value for the header's checksum field (zero while summing).
inline std::uint16_t ipv4_header_checksum(const rte_ipv4_hdr* ip) {
    return static_cast<std::uint16_t>(~ipv4_header_sum(ip, rte_ipv4_hdr_len(ip)));
}

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
