// The packet path on real mbufs from a real DPDK mempool (EAL in --no-huge
// mode, no device): crafted frames in, verdicts, rewritten replies and drop
// counters out.
#include "dataplane/net/ether_input.hh"
#include "dataplane/net/ipv4_reassembly.hh"
#include "tests/dataplane/eal_environment.hh"
#include "tests/dataplane/test_addresses.hh"

#include <algorithm>
#include <cstring>
#include <gtest/gtest.h>
#include <memory>
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>
#include <string>
#include <vector>

namespace sipedge::dataplane {
namespace {

using testing::test_pool;

using testing::our_ip;
using testing::our_mac;
using testing::peer_ip;
using testing::peer_mac;

local_interface ifc() {
    return local_interface{our_mac, our_ip, RTE_BE16(5060)};
}

rte_mbuf* to_mbuf(const std::vector<std::uint8_t>& frame) {
    rte_mbuf* m = rte_pktmbuf_alloc(test_pool);
    EXPECT_NE(m, nullptr);
    char* data = rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size()));
    std::memcpy(data, frame.data(), frame.size());
    return m;
}

std::vector<std::uint8_t> ether(const rte_ether_addr& dst, std::uint16_t type) {
    std::vector<std::uint8_t> f(sizeof(rte_ether_hdr));
    auto* eth = reinterpret_cast<rte_ether_hdr*>(f.data());
    eth->dst_addr = dst;
    eth->src_addr = peer_mac;
    eth->ether_type = rte_cpu_to_be_16(type);
    return f;
}

std::vector<std::uint8_t> arp_request(rte_be32_t target) {
    auto f = ether(rte_ether_addr{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, RTE_ETHER_TYPE_ARP);
    rte_arp_hdr arp{};
    arp.arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
    arp.arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
    arp.arp_hlen = 6;
    arp.arp_plen = 4;
    arp.arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
    arp.arp_data.arp_sha = peer_mac;
    arp.arp_data.arp_sip = peer_ip;
    arp.arp_data.arp_tip = target;
    auto* p = reinterpret_cast<const std::uint8_t*>(&arp);
    f.insert(f.end(), p, p + sizeof arp);
    return f;
}

// An IPv4 packet to us with the given protocol and payload, valid checksum.
std::vector<std::uint8_t> ipv4(std::uint8_t proto, const std::vector<std::uint8_t>& payload,
                               std::uint16_t frag = 0, std::uint16_t id = 0) {
    auto f = ether(our_mac, RTE_ETHER_TYPE_IPV4);
    rte_ipv4_hdr ip{};
    ip.version_ihl = RTE_IPV4_VHL_DEF;
    ip.total_length = rte_cpu_to_be_16(static_cast<std::uint16_t>(sizeof ip + payload.size()));
    ip.fragment_offset = rte_cpu_to_be_16(frag);
    ip.packet_id = rte_cpu_to_be_16(id);
    ip.time_to_live = 64;
    ip.next_proto_id = proto;
    ip.src_addr = peer_ip;
    ip.dst_addr = our_ip;
    ip.hdr_checksum = rte_ipv4_cksum(&ip);
    auto* p = reinterpret_cast<const std::uint8_t*>(&ip);
    f.insert(f.end(), p, p + sizeof ip);
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

std::vector<std::uint8_t> echo_request(std::size_t data_len) {
    std::vector<std::uint8_t> icmp(sizeof(rte_icmp_hdr) + data_len);
    auto* h = reinterpret_cast<rte_icmp_hdr*>(icmp.data());
    h->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
    h->icmp_ident = RTE_BE16(0x1234);
    h->icmp_seq_nb = RTE_BE16(7);
    for (std::size_t i = 0; i < data_len; ++i) {
        icmp[sizeof(rte_icmp_hdr) + i] = static_cast<std::uint8_t>(i);
    }
    h->icmp_cksum = static_cast<std::uint16_t>(~rte_raw_cksum(icmp.data(), icmp.size()));
    return icmp;
}

// A UDP datagram (header + payload) from the peer, checksum computed over the
// pseudo-header unless zero_checksum.
std::vector<std::uint8_t> udp(std::uint16_t dst_port, const std::string& payload,
                              bool zero_checksum = false) {
    std::vector<std::uint8_t> d(sizeof(rte_udp_hdr) + payload.size());
    auto* h = reinterpret_cast<rte_udp_hdr*>(d.data());
    h->src_port = RTE_BE16(5070);
    h->dst_port = rte_cpu_to_be_16(dst_port);
    h->dgram_len = rte_cpu_to_be_16(static_cast<std::uint16_t>(d.size()));
    std::memcpy(d.data() + sizeof(rte_udp_hdr), payload.data(), payload.size());
    if (!zero_checksum) {
        rte_ipv4_hdr pseudo{};
        pseudo.version_ihl = RTE_IPV4_VHL_DEF;
        pseudo.next_proto_id = IPPROTO_UDP;
        pseudo.src_addr = peer_ip;
        pseudo.dst_addr = our_ip;
        pseudo.total_length =
            rte_cpu_to_be_16(static_cast<std::uint16_t>(sizeof pseudo + d.size()));
        h->dgram_cksum = rte_ipv4_udptcp_cksum(&pseudo, d.data());
    }
    return d;
}

struct run_result {
    verdict v;
    counter_block counters;
    std::vector<std::uint8_t> out;
    udp_delivery datagram;
};

// Runs frames through one packet context in order; the result is the last one's.
run_result run_all(const std::vector<std::vector<std::uint8_t>>& frames,
                   ipv4_reassembly* reassembly = nullptr,
                   const std::vector<std::uint64_t>& tsc = {}) {
    run_result r{};
    packet_context ctx{ifc(), &r.counters, reassembly, 0};
    for (std::size_t i = 0; i < frames.size(); ++i) {
        ctx.now_tsc = i < tsc.size() ? tsc[i] : 0;
        rte_mbuf* m = to_mbuf(frames[i]);
        r.v = ether_input(m, ctx, r.datagram);
        if (r.v == verdict::consumed) {
            continue;
        }
        r.out.resize(rte_pktmbuf_pkt_len(m));
        // rte_pktmbuf_read copies only when the data is segmented.
        const void* first = rte_pktmbuf_read(m, 0, r.out.size(), r.out.data());
        if (first != r.out.data()) {
            std::memcpy(r.out.data(), first, r.out.size());
        }
        rte_pktmbuf_free(m);
    }
    if (reassembly != nullptr) {
        reassembly->flush(r.counters);
    }
    return r;
}

run_result run(const std::vector<std::uint8_t>& frame) {
    return run_all({frame});
}

TEST(net, arp_request_for_our_address_becomes_the_reply) {
    auto r = run(arp_request(our_ip));
    ASSERT_EQ(r.v, verdict::transmit);
    EXPECT_EQ(r.counters.get(counter_id::arp_requests), 1u);
    auto* eth = reinterpret_cast<rte_ether_hdr*>(r.out.data());
    auto* arp = reinterpret_cast<rte_arp_hdr*>(eth + 1);
    EXPECT_TRUE(rte_is_same_ether_addr(&eth->dst_addr, &peer_mac));
    EXPECT_TRUE(rte_is_same_ether_addr(&eth->src_addr, &our_mac));
    EXPECT_EQ(arp->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
    EXPECT_TRUE(rte_is_same_ether_addr(&arp->arp_data.arp_sha, &our_mac));
    EXPECT_EQ(arp->arp_data.arp_sip, our_ip);
    EXPECT_TRUE(rte_is_same_ether_addr(&arp->arp_data.arp_tha, &peer_mac));
    EXPECT_EQ(arp->arp_data.arp_tip, peer_ip);
}

TEST(net, arp_for_another_address_is_a_counted_drop) {
    auto r = run(arp_request(RTE_BE32(RTE_IPV4(198, 51, 100, 9))));
    EXPECT_EQ(r.v, verdict::drop);
    EXPECT_EQ(r.counters.get(counter_id::drop_arp_other), 1u);
    EXPECT_EQ(r.counters.get(counter_id::arp_requests), 0u);
}

TEST(net, echo_request_becomes_a_valid_echo_reply) {
    auto frame = ipv4(IPPROTO_ICMP, echo_request(56));
    frame.resize(frame.size() + 4, 0); // Ethernet padding the reply must not carry
    auto r = run(frame);
    ASSERT_EQ(r.v, verdict::transmit);
    EXPECT_EQ(r.counters.get(counter_id::icmp_echo_replies), 1u);
    ASSERT_EQ(r.out.size(), frame.size() - 4);
    auto* eth = reinterpret_cast<rte_ether_hdr*>(r.out.data());
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
    auto* icmp = reinterpret_cast<rte_icmp_hdr*>(ip + 1);
    EXPECT_TRUE(rte_is_same_ether_addr(&eth->dst_addr, &peer_mac));
    EXPECT_EQ(ip->src_addr, our_ip);
    EXPECT_EQ(ip->dst_addr, peer_ip);
    EXPECT_EQ(rte_raw_cksum(ip, sizeof *ip), 0xffff) << "IPv4 header checksum";
    EXPECT_EQ(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
    EXPECT_EQ(icmp->icmp_seq_nb, RTE_BE16(7));
    EXPECT_EQ(rte_raw_cksum(icmp, sizeof(rte_icmp_hdr) + 56), 0xffff) << "ICMP checksum";
}

TEST(net, every_bad_packet_is_dropped_with_its_reason) {
    struct drop_case {
        const char* name;
        std::vector<std::uint8_t> frame;
        counter_id reason;
    };
    std::vector<drop_case> cases;
    cases.push_back({"short frame", {1, 2, 3}, counter_id::drop_short_frame});
    cases.push_back(
        {"other MAC", ether(peer_mac, RTE_ETHER_TYPE_IPV4), counter_id::drop_not_for_us_l2});
    cases.push_back(
        {"IPv6", ether(our_mac, RTE_ETHER_TYPE_IPV6), counter_id::drop_unknown_ethertype});
    {
        auto f = ipv4(IPPROTO_ICMP, echo_request(8));
        f[sizeof(rte_ether_hdr) + 10] ^= 0x55; // corrupt the header checksum
        cases.push_back({"bad IPv4 checksum", f, counter_id::drop_ipv4_bad_checksum});
    }
    {
        auto f = ipv4(IPPROTO_ICMP, echo_request(8));
        f.resize(f.size() - 6); // total_length now claims more than the frame holds
        cases.push_back({"truncated IPv4", f, counter_id::drop_ipv4_bad_header});
    }
    {
        auto f = ipv4(IPPROTO_ICMP, echo_request(8));
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(f.data() + sizeof(rte_ether_hdr));
        ip->dst_addr = RTE_BE32(RTE_IPV4(203, 0, 113, 5));
        ip->hdr_checksum = 0;
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        cases.push_back({"other IPv4 destination", f, counter_id::drop_ipv4_not_for_us});
    }
    cases.push_back({"ICMP fragment", ipv4(IPPROTO_ICMP, echo_request(8), RTE_IPV4_HDR_MF_FLAG),
                     counter_id::drop_ipv4_fragment});
    {
        auto icmp = echo_request(8);
        icmp[2] ^= 0xff;
        cases.push_back({"bad ICMP checksum", ipv4(IPPROTO_ICMP, icmp), counter_id::drop_icmp_bad});
    }
    {
        auto icmp = echo_request(8);
        auto* h = reinterpret_cast<rte_icmp_hdr*>(icmp.data());
        h->icmp_type = 13; // timestamp request
        h->icmp_cksum = 0;
        h->icmp_cksum = static_cast<std::uint16_t>(~rte_raw_cksum(icmp.data(), icmp.size()));
        cases.push_back({"ICMP timestamp", ipv4(IPPROTO_ICMP, icmp), counter_id::drop_icmp_other});
    }
    cases.push_back(
        {"UDP to another port", ipv4(IPPROTO_UDP, udp(53, "x")), counter_id::drop_udp_wrong_port});
    {
        auto d = udp(5060, "OPTIONS sip:x SIP/2.0\r\n\r\n");
        d.back() ^= 0x20; // payload changed after the checksum was computed
        cases.push_back(
            {"UDP bad checksum", ipv4(IPPROTO_UDP, d), counter_id::drop_udp_bad_checksum});
    }
    {
        auto d = udp(5060, "abc");
        d[5] = 200; // dgram_len larger than the IP payload
        cases.push_back({"UDP bad length", ipv4(IPPROTO_UDP, d), counter_id::drop_udp_bad_length});
    }
    cases.push_back({"UDP header cut short", ipv4(IPPROTO_UDP, std::vector<std::uint8_t>(5, 0)),
                     counter_id::drop_udp_bad_length});
    cases.push_back({"fragment without reassembly",
                     ipv4(IPPROTO_UDP, udp(5060, "abcdefgh"), RTE_IPV4_HDR_MF_FLAG),
                     counter_id::drop_ipv4_fragment});
    cases.push_back(
        {"SCTP", ipv4(132, std::vector<std::uint8_t>(16, 0)), counter_id::drop_unknown_l4});

    for (const auto& c : cases) {
        auto r = run(c.frame);
        EXPECT_EQ(r.v, verdict::drop) << c.name;
        EXPECT_EQ(r.counters.get(c.reason), 1u) << c.name;
        std::uint64_t all = 0;
        for (auto v : r.counters.values) {
            all += v;
        }
        EXPECT_EQ(all, 1u) << c.name << ": exactly one counter moves";
    }
}

TEST(net, udp_to_the_sip_port_is_delivered_with_its_payload) {
    const std::string sip = "OPTIONS sip:198.51.100.1 SIP/2.0\r\n\r\n";
    for (bool zero_checksum : {false, true}) {
        auto frame = ipv4(IPPROTO_UDP, udp(5060, sip, zero_checksum));
        frame.resize(frame.size() + 6, 0); // Ethernet padding is not payload
        auto r = run(frame);
        ASSERT_EQ(r.v, verdict::deliver_udp) << "zero_checksum=" << zero_checksum;
        EXPECT_EQ(r.counters.get(counter_id::udp_sip_datagrams), 1u);
        EXPECT_EQ(r.datagram.src_ip, peer_ip);
        EXPECT_EQ(r.datagram.src_port, RTE_BE16(5070));
        ASSERT_EQ(r.datagram.payload_length, sip.size());
        EXPECT_EQ(
            std::string(reinterpret_cast<const char*>(r.out.data()) + r.datagram.payload_offset,
                        r.datagram.payload_length),
            sip);
    }
}

// With RX checksum offload on, the device's verdict decides (so a good sum
// flagged BAD is dropped and a bad sum flagged GOOD passes); without a verdict
// (UNKNOWN) the sum is checked in software.
TEST(net, the_devices_udp_checksum_verdict_is_used_when_offload_is_on) {
    const std::string sip = "OPTIONS sip:198.51.100.1 SIP/2.0\r\n\r\n";
    struct flag_case {
        bool good_sum;
        std::uint64_t flags;
        verdict expected;
    };
    const flag_case cases[] = {
        {true, RTE_MBUF_F_RX_L4_CKSUM_BAD, verdict::drop},
        {false, RTE_MBUF_F_RX_L4_CKSUM_GOOD, verdict::deliver_udp},
        {false, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, verdict::drop},
        {true, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, verdict::deliver_udp},
    };
    for (const flag_case& c : cases) {
        auto datagram = udp(5060, sip, false);
        if (!c.good_sum) {
            datagram[6] ^= 0x5a; // corrupt the UDP checksum field
        }
        counter_block counters;
        local_interface offloading = ifc();
        offloading.rx_checksum_offload = true;
        packet_context ctx{offloading, &counters, nullptr, 0};
        rte_mbuf* m = to_mbuf(ipv4(IPPROTO_UDP, datagram));
        m->ol_flags |= c.flags;
        udp_delivery out;
        EXPECT_EQ(ether_input(m, ctx, out), c.expected)
            << "good_sum=" << c.good_sum << " flags=" << c.flags;
        EXPECT_EQ(counters.get(counter_id::drop_udp_bad_checksum),
                  c.expected == verdict::drop ? 1u : 0u);
        rte_pktmbuf_free(m);
    }
}

// Splits an IPv4/UDP datagram into fragments of `chunk` payload bytes (a
// multiple of 8), each a full frame.
std::vector<std::vector<std::uint8_t>> fragment(const std::vector<std::uint8_t>& udp_datagram,
                                                std::size_t chunk, std::uint16_t id) {
    std::vector<std::vector<std::uint8_t>> frags;
    for (std::size_t off = 0; off < udp_datagram.size(); off += chunk) {
        const std::size_t n = std::min(chunk, udp_datagram.size() - off);
        const bool more = off + n < udp_datagram.size();
        std::vector<std::uint8_t> piece(udp_datagram.begin() + off, udp_datagram.begin() + off + n);
        frags.push_back(
            ipv4(IPPROTO_UDP, piece,
                 static_cast<std::uint16_t>((off / 8) | (more ? RTE_IPV4_HDR_MF_FLAG : 0)), id));
    }
    return frags;
}

std::unique_ptr<ipv4_reassembly> make_reassembly() {
    auto r = ipv4_reassembly::create(ipv4_reassembly::config{64, 2000}, 0);
    EXPECT_TRUE(r.ok());
    return std::move(r).value();
}

TEST(net, fragments_in_any_order_are_reassembled_and_delivered) {
    std::string sip = "INVITE sip:bob@198.51.100.1 SIP/2.0\r\n";
    while (sip.size() < 3000) {
        sip += "X-Filler: " + std::to_string(sip.size()) + "\r\n";
    }
    auto frags = fragment(udp(5060, sip), 1440, 77);
    ASSERT_EQ(frags.size(), 3u);
    std::swap(frags[0], frags[2]); // last first, first last
    auto reassembly = make_reassembly();
    auto r = run_all(frags, reassembly.get());
    ASSERT_EQ(r.v, verdict::deliver_udp);
    EXPECT_EQ(r.counters.get(counter_id::ipv4_fragments), 3u);
    EXPECT_EQ(r.counters.get(counter_id::ipv4_reassembled), 1u);
    ASSERT_EQ(r.datagram.payload_length, sip.size());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.out.data()) + r.datagram.payload_offset,
                          r.datagram.payload_length),
              sip)
        << "payload must come back byte for byte and its UDP checksum verify";
}

TEST(net, an_incomplete_datagram_expires_and_is_counted) {
    auto frags = fragment(udp(5060, std::string(2000, 'a')), 1440, 9);
    ASSERT_EQ(frags.size(), 2u);
    auto reassembly = make_reassembly();
    const std::uint64_t late = rte_get_tsc_hz() * 3; // past the 2 s timeout
    auto r = run_all({frags[0], frags[1]}, reassembly.get(), {0, late});
    EXPECT_EQ(r.v, verdict::consumed) << "the late fragment starts a new datagram";
    EXPECT_EQ(r.counters.get(counter_id::ipv4_reassembled), 0u);
    EXPECT_EQ(r.counters.get(counter_id::drop_ipv4_fragment_expired), 1u);
}

} // namespace
} // namespace sipedge::dataplane

SIPEDGE_EAL_TEST_MAIN()
