#include "dataplane/lcore_loop.hh"

#include <rte_cycles.h>
#include <rte_prefetch.h>

#include <array>

#include "dataplane/net/ether_input.hh"
#include "dataplane/net/ipv4_reassembly.hh"

namespace sipedge::dataplane {

namespace {

constexpr std::uint16_t burst_size = 32;
constexpr unsigned prefetch_ahead = 3;
constexpr std::uint64_t tx_drain_us = 100;

void count_tx_drops(rte_mbuf** unsent, std::uint16_t count, void* userdata) {
    static_cast<counter_block*>(userdata)->add(counter_id::tx_full, count);
    for (std::uint16_t i = 0; i < count; ++i) {
        rte_pktmbuf_free(unsent[i]);
    }
}

} // namespace

int lcore_loop(void* arg) {
    lcore_context& ctx = *static_cast<lcore_context*>(arg);
    packet_context& packet = ctx.packet;
    counter_block& counters = *packet.counters;

    // The TX buffer lives in this lcore's stack frame: staged packets never
    // outlive the loop, which flushes before returning.
    alignas(RTE_CACHE_LINE_SIZE) std::array<std::uint8_t, RTE_ETH_TX_BUFFER_SIZE(burst_size)>
        tx_storage{};
    auto* tx = reinterpret_cast<rte_eth_dev_tx_buffer*>(tx_storage.data());
    rte_eth_tx_buffer_init(tx, burst_size);
    rte_eth_tx_buffer_set_err_callback(tx, count_tx_drops, &counters);

    const std::uint64_t drain_tsc = (rte_get_tsc_hz() + 1'000'000 - 1) / 1'000'000 * tx_drain_us;
    std::uint64_t last_drain = rte_rdtsc();
    std::array<rte_mbuf*, burst_size> pkts;

    while (!ctx.stop->load(std::memory_order_relaxed)) {
        const std::uint64_t pass_start = rte_rdtsc();
        if (pass_start - last_drain > drain_tsc) [[unlikely]] {
            const std::uint16_t sent = rte_eth_tx_buffer_flush(ctx.port_id, ctx.tx_queue, tx);
            counters.add(counter_id::tx_packets, sent);
            last_drain = pass_start;
        }

        packet.now_tsc = pass_start;
        const std::uint16_t n = rte_eth_rx_burst(ctx.port_id, ctx.rx_queue, pkts.data(), burst_size);
        if (n == 0) {
            counters.add(counter_id::loop_idle_cycles, rte_rdtsc() - pass_start);
            continue;
        }
        counters.add(counter_id::rx_packets, n);
        for (unsigned i = 0; i < n && i < prefetch_ahead; ++i) {
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
        }
        for (unsigned i = 0; i < n; ++i) {
            if (i + prefetch_ahead < n) {
                rte_prefetch0(rte_pktmbuf_mtod(pkts[i + prefetch_ahead], void*));
            }
            rte_mbuf* m = pkts[i];
            counters.add(counter_id::rx_bytes, rte_pktmbuf_pkt_len(m));
            udp_delivery datagram;
            switch (ether_input(m, packet, datagram)) {
            case verdict::transmit:
                counters.add(counter_id::tx_bytes, rte_pktmbuf_pkt_len(m));
                counters.add(counter_id::tx_packets,
                             rte_eth_tx_buffer(ctx.port_id, ctx.tx_queue, tx, m));
                break;
            case verdict::deliver_udp:
                // The SIP stage (parser, transactions, proxy core) is wired in by
                // the dataplane issue; until then the datagram is counted and freed.
                counters.add(counter_id::drop_sip_not_wired);
                rte_pktmbuf_free(m);
                break;
            case verdict::consumed:
                break;
            case verdict::drop:
                rte_pktmbuf_free(m);
                break;
            }
        }
        if (packet.reassembly != nullptr) {
            packet.reassembly->flush(counters);
        }
        counters.add(counter_id::loop_busy_cycles, rte_rdtsc() - pass_start);
    }
    counters.add(counter_id::tx_packets, rte_eth_tx_buffer_flush(ctx.port_id, ctx.tx_queue, tx));
    return 0;
}

} // namespace sipedge::dataplane
