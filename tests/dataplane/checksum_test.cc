// The software checksum against DPDK's own: every variant the CPU has must give
// rte_raw_cksum's value for every length, start alignment and byte pattern
// (including the ones that make ones'-complement sums wrap: all 0xff, all zero),
// and the UDP helpers must give rte_ipv4_udptcp_cksum_mbuf(_verify)'s answers
// on one-segment and chained mbufs.
#include "dataplane/net/checksum.hh"
#include "dataplane/net/ipv4_checksum.hh"
#include "tests/dataplane/eal_environment.hh"

#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <rte_ip.h>
#include <rte_udp.h>
#include <utility>
#include <vector>

namespace sipedge::dataplane {
namespace {

using testing::test_pool;

std::vector<checksum_isa> isas() {
    std::vector<checksum_isa> out;
    for (checksum_isa isa : {checksum_isa::scalar, checksum_isa::avx2}) {
        if (checksum_isa_available(isa)) {
            out.push_back(isa);
        }
    }
    return out;
}

std::vector<std::uint8_t> random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::uint8_t> out(n);
    for (auto& b : out) {
        b = static_cast<std::uint8_t>(rng());
    }
    return out;
}

TEST(raw_checksum, equals_rte_raw_cksum_for_every_length_and_alignment) {
    const std::vector<std::uint8_t> random = random_bytes(600 + 64, 7);
    const std::vector<std::uint8_t> ones(random.size(), 0xff);
    const std::vector<std::uint8_t> zeros(random.size(), 0);
    std::vector<std::uint8_t> sparse(random.size(), 0); // zero but for one byte
    sparse[300] = 1;
    for (const std::vector<std::uint8_t>* bytes :
         {&random, &ones, &zeros, &std::as_const(sparse)}) {
        for (std::size_t offset = 0; offset < 64; ++offset) {
            for (std::size_t len = 0; len + offset <= bytes->size() && len <= 600; ++len) {
                const std::uint8_t* p = bytes->data() + offset;
                const std::uint16_t want = rte_raw_cksum(p, len);
                EXPECT_EQ(raw_checksum(p, len), want) << "len " << len << " offset " << offset;
                for (checksum_isa isa : isas()) {
                    ASSERT_EQ(raw_checksum(isa, p, len), want)
                        << "isa " << static_cast<int>(isa) << " len " << len << " offset "
                        << offset;
                }
            }
        }
    }
}

TEST(raw_checksum, equals_rte_raw_cksum_across_the_vector_blocks_up_to_64k) {
    const std::vector<std::uint8_t> random = random_bytes(65536 + 8, 11);
    const std::vector<std::uint8_t> ones(random.size(), 0xff);
    for (const std::vector<std::uint8_t>* bytes : {&random, &ones}) {
        for (std::size_t len : {16383u, 16384u, 16385u, 16416u, 32768u, 40001u, 65534u, 65535u}) {
            for (std::size_t offset : {0u, 1u, 3u}) {
                const std::uint8_t* p = bytes->data() + offset;
                for (checksum_isa isa : isas()) {
                    EXPECT_EQ(raw_checksum(isa, p, len), rte_raw_cksum(p, len))
                        << "isa " << static_cast<int>(isa) << " len " << len;
                }
            }
        }
    }
}

TEST(raw_checksum, a_correct_header_sums_to_all_ones) {
    rte_ipv4_hdr ip{};
    ip.version_ihl = RTE_IPV4_VHL_DEF;
    ip.total_length = RTE_BE16(540);
    ip.time_to_live = 64;
    ip.next_proto_id = IPPROTO_UDP;
    ip.src_addr = RTE_BE32(0xc6336401);
    ip.dst_addr = RTE_BE32(0xc6336402);
    ip.hdr_checksum = rte_ipv4_cksum(&ip);
    EXPECT_EQ(raw_checksum(&ip, sizeof ip), 0xffff);
    ip.time_to_live = 63;
    EXPECT_NE(raw_checksum(&ip, sizeof ip), 0xffff);
}

// An Ethernet-less IPv4/UDP datagram of `payload` bytes in m (one segment, or
// chained after `first_segment` bytes), its UDP checksum field zero.
rte_mbuf* datagram(std::size_t payload, std::uint8_t fill, std::size_t first_segment = 0) {
    rte_mbuf* m = rte_pktmbuf_alloc(test_pool);
    const std::size_t total = sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr) + payload;
    std::vector<std::uint8_t> bytes(total, fill);
    for (std::size_t i = 0; i < payload; ++i) {
        bytes[total - payload + i] = static_cast<std::uint8_t>(fill + i * 7);
    }
    rte_ipv4_hdr ip{};
    ip.version_ihl = RTE_IPV4_VHL_DEF;
    ip.total_length = rte_cpu_to_be_16(static_cast<std::uint16_t>(total));
    ip.time_to_live = 64;
    ip.next_proto_id = IPPROTO_UDP;
    ip.src_addr = RTE_BE32(0xc6336401);
    ip.dst_addr = RTE_BE32(0xcb007105);
    rte_udp_hdr udp{RTE_BE16(5060), RTE_BE16(5062),
                    rte_cpu_to_be_16(static_cast<std::uint16_t>(sizeof udp + payload)), 0};
    std::memcpy(bytes.data(), &ip, sizeof ip);
    std::memcpy(bytes.data() + sizeof ip, &udp, sizeof udp);
    const std::size_t head = first_segment != 0 ? first_segment : total;
    std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(head)), bytes.data(), head);
    if (head < total) {
        rte_mbuf* tail = rte_pktmbuf_alloc(test_pool);
        std::memcpy(rte_pktmbuf_append(tail, static_cast<std::uint16_t>(total - head)),
                    bytes.data() + head, total - head);
        EXPECT_EQ(rte_pktmbuf_chain(m, tail), 0);
    }
    return m;
}

TEST(ipv4_udp_checksum, computes_and_verifies_as_dpdk_does) {
    constexpr std::uint16_t l4 = sizeof(rte_ipv4_hdr);
    for (std::size_t payload : {0u, 1u, 2u, 31u, 32u, 33u, 63u, 64u, 65u, 511u, 512u, 1400u}) {
        for (std::uint8_t fill : {std::uint8_t{0}, std::uint8_t{0x5a}, std::uint8_t{0xff}}) {
            // Chained: split after the UDP header, at an odd offset.
            for (std::size_t split : {std::size_t{0}, std::size_t{l4 + 11}}) {
                if (split != 0 && split >= l4 + sizeof(rte_udp_hdr) + payload) {
                    continue;
                }
                rte_mbuf* m = datagram(payload, fill, split);
                auto* ip = rte_pktmbuf_mtod(m, rte_ipv4_hdr*);
                auto* udp = rte_pktmbuf_mtod_offset(m, rte_udp_hdr*, l4);
                const std::uint16_t want = rte_ipv4_udptcp_cksum_mbuf(m, ip, l4);
                EXPECT_EQ(ipv4_udptcp_checksum(m, ip, l4), want) << payload;
                udp->dgram_cksum = want;
                EXPECT_EQ(rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, l4), 0);
                EXPECT_TRUE(ipv4_udptcp_checksum_ok(m, ip, l4)) << payload;
                udp->dgram_cksum = static_cast<std::uint16_t>(want ^ 0x0100);
                EXPECT_NE(rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, l4), 0);
                EXPECT_FALSE(ipv4_udptcp_checksum_ok(m, ip, l4)) << payload;
                rte_pktmbuf_free(m);
            }
        }
    }
}

TEST(ipv4_udp_checksum, a_length_beyond_the_mbuf_fails_as_dpdk_fails) {
    constexpr std::uint16_t l4 = sizeof(rte_ipv4_hdr);
    rte_mbuf* m = datagram(100, 1);
    auto* ip = rte_pktmbuf_mtod(m, rte_ipv4_hdr*);
    ip->total_length = RTE_BE16(400); // claims more than the mbuf holds
    EXPECT_EQ(ipv4_udptcp_checksum(m, ip, l4), rte_ipv4_udptcp_cksum_mbuf(m, ip, l4));
    EXPECT_EQ(ipv4_udptcp_checksum_ok(m, ip, l4),
              rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, l4) == 0);
    rte_pktmbuf_free(m);
}

} // namespace
} // namespace sipedge::dataplane

SIPEDGE_EAL_TEST_MAIN()
