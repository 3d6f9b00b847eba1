// The packet path around the proxy core, per SIP message, without the core and
// without the device (issue 9): a UDP frame for our SIP port goes through
// ether_input (Ethernet, IPv4 and UDP checks, the UDP checksum in software as
// over memif), and an answer of the same size leaves as sip_stage sends it:
// udp_send (mbuf, headers, checksums, ARP lookup) into the TX stage of a ring
// port, whose ring is emptied every burst. Copying the frame into an mbuf stands
// for the driver's RX copy. Run pinned (taskset -c 1) and compare items/s; or
// under callgrind for instructions per message, which do not depend on the
// machine's load (see one_message).
//
// EAL without hugepages or PCI (as the unit tests): no root needed.

#include "dataplane/io/tx_stage.hh"
#include "dataplane/net/arp_cache.hh"
#include "dataplane/net/ether_input.hh"
#include "dataplane/net/udp_output.hh"

#include <array>
#include <benchmark/benchmark.h>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_udp.h>
#include <string>
#include <vector>

namespace {

using namespace sipedge;
using namespace sipedge::dataplane;

constexpr std::uint16_t burst = 32;
const rte_ether_addr our_mac{{0x02, 0, 0, 0, 0, 1}};
const rte_ether_addr peer_mac{{0x02, 0, 0, 0, 0, 2}};
const rte_be32_t our_ip = RTE_BE32(RTE_IPV4(198, 51, 100, 1));
const rte_be32_t peer_ip = RTE_BE32(RTE_IPV4(198, 51, 100, 2));

rte_mempool* pool = nullptr;

// A well-formed Ethernet/IPv4/UDP frame to our SIP port carrying `payload` bytes.
std::vector<char> frame_to_us(std::size_t payload) {
    std::vector<char> f(sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr) +
                        payload);
    auto* eth = reinterpret_cast<rte_ether_hdr*>(f.data());
    eth->dst_addr = our_mac;
    eth->src_addr = peer_mac;
    eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->total_length = rte_cpu_to_be_16(static_cast<std::uint16_t>(f.size() - sizeof *eth));
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_UDP;
    ip->src_addr = peer_ip;
    ip->dst_addr = our_ip;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
    udp->src_port = RTE_BE16(5062);
    udp->dst_port = RTE_BE16(5060);
    udp->dgram_len = rte_cpu_to_be_16(static_cast<std::uint16_t>(sizeof *udp + payload));
    char* p = reinterpret_cast<char*>(udp + 1);
    const std::string line = "Via: SIP/2.0/UDP 198.51.100.2:5062;branch=z9hG4bK-bench\r\n";
    for (std::size_t i = 0; i < payload; ++i) {
        p[i] = line[i % line.size()];
    }
    udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
    return f;
}

// One message in and its answer out. Not inlined: callgrind can count just this
// (--toggle-collect='*one_message*'), without the set-up and the ring's drain.
[[gnu::noinline]] bool one_message(packet_context& ctx, const std::vector<char>& frame,
                                   const std::vector<char>& answer) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size())), frame.data(),
                frame.size());
    udp_delivery d;
    if (ether_input(m, ctx, d) != verdict::deliver_udp) {
        return false;
    }
    benchmark::DoNotOptimize(rte_pktmbuf_mtod_offset(m, const char*, d.payload_offset));
    // sip_stage::process: the message has been read; its mbuf carries the answer.
    return udp_send(ctx, d.src_ip, d.src_port, std::span(answer.data(), answer.size()), m);
}

void BM_packet_path(benchmark::State& state) {
    const auto payload = static_cast<std::size_t>(state.range(0));
    const std::vector<char> frame = frame_to_us(payload);
    const std::vector<char> answer(payload, 'a'); // what the core put in its outbox

    static int n = 0;
    const std::string name = "bench_ring" + std::to_string(n++);
    rte_ring* ring = rte_ring_create(name.c_str(), 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    const auto port = static_cast<std::uint16_t>(rte_eth_from_ring(ring));
    rte_eth_conf conf{};
    if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
        rte_eth_rx_queue_setup(port, 0, 1024, 0, nullptr, pool) != 0 ||
        rte_eth_tx_queue_setup(port, 0, 1024, 0, nullptr) != 0 || rte_eth_dev_start(port) != 0) {
        state.SkipWithError("ring port set-up failed");
        return;
    }
    alignas(64) std::array<std::uint8_t, RTE_ETH_TX_BUFFER_SIZE(burst)> tx_storage{};
    auto* buffer = reinterpret_cast<rte_eth_dev_tx_buffer*>(tx_storage.data());
    rte_eth_tx_buffer_init(buffer, burst);
    counter_block counters;
    tx_stage tx(port, 0, buffer, counters);
    arp_cache arp(arp_cache::config{}, 1'000'000);
    packet_context ctx;
    ctx.ifc = local_interface{our_mac, our_ip, RTE_BE16(5060), 1500};
    ctx.counters = &counters;
    ctx.arp = &arp;
    ctx.tx = &tx;
    ctx.pool = pool;
    ctx.now_tsc = 1000;
    arp.learn(peer_ip, peer_mac, ctx.now_tsc);

    std::array<void*, burst> done;
    unsigned in_burst = 0;
    for (auto _ : state) {
        if (!one_message(ctx, frame, answer)) {
            state.SkipWithError("the frame was not delivered");
            break;
        }
        if (++in_burst == burst) {
            tx.flush();
            const unsigned k = rte_ring_dequeue_burst(ring, done.data(), burst, nullptr);
            rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(done.data()), k);
            in_burst = 0;
        }
    }
    tx.flush();
    void* obj;
    while (rte_ring_dequeue(ring, &obj) == 0) {
        rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
    }
    if (counters.get(counter_id::udp_sent) != counters.get(counter_id::udp_sip_datagrams)) {
        state.SkipWithError("not every message was answered");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload * 2));
    rte_eth_dev_stop(port);
    rte_eth_dev_close(port);
    rte_ring_free(ring);
}
// Payload bytes: a short response, a typical proxied INVITE, a large one.
BENCHMARK(BM_packet_path)->Arg(350)->Arg(900)->Arg(1400);

} // namespace

int main(int argc, char** argv) {
    const char* eal[] = {"packet_path_bench", "-l",          "0",      "--no-pci",
                         "--no-huge",         "-m",          "128",    "--no-shconf",
                         "--no-telemetry",    "--log-level", "*:error"};
    if (rte_eal_init(static_cast<int>(std::size(eal)), const_cast<char**>(eal)) < 0) {
        std::fprintf(stderr, "packet_path_bench: EAL init failed\n");
        return 1;
    }
    pool = rte_pktmbuf_pool_create("bench_pool", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (pool == nullptr) {
        std::fprintf(stderr, "packet_path_bench: no mbuf pool\n");
        return 1;
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    rte_mempool_free(pool);
    rte_eal_cleanup();
    return 0;
}
