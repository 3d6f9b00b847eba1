#include "dataplane/lcore_loop.hh"

#include "dataplane/io/port.hh"
#include "dataplane/io/prefault.hh"
#include "dataplane/io/tx_stage.hh"
#include "dataplane/net/arp_cache.hh"
#include "dataplane/net/ether_input.hh"
#include "dataplane/net/ipv4_reassembly.hh"
#include "dataplane/sip_stage.hh"
#include "dataplane/stall_meter.hh"

#include <array>
#include <memory>
#include <optional>
#include <rte_cycles.h>
#include <rte_prefetch.h>

namespace sipedge::dataplane {

namespace {

constexpr std::uint16_t burst_size = 32;
constexpr unsigned prefetch_ahead = 3;

constexpr std::uint64_t arp_expire_ms = 50;
constexpr unsigned arp_retries_per_pass = 16;

// Frees what waited too long for ARP and re-asks for next hops still silent.
void expire_arp(packet_context& packet) {
    std::array<rte_be32_t, arp_retries_per_pass> retry;
    const std::size_t n = packet.arp->expire(packet.now_tsc, *packet.counters, retry);
    for (std::size_t i = 0; i < n; ++i) {
        rte_mbuf* request =
            make_arp_request(packet.pool, packet.ifc.mac, packet.ifc.ipv4, retry[i]);
        if (request == nullptr) {
            packet.counters->add(counter_id::drop_no_mbuf);
            continue;
        }
        packet.tx->send(request);
    }
}

} // namespace

int lcore_loop(void* arg) {
    lcore_context& ctx = *static_cast<lcore_context*>(arg);
    const unsigned ports = ctx.port_count;
    counter_block& counters = *ctx.packets[0].counters;

    // TX buffers and ARP caches per port, made before the loop starts. The TX
    // buffers live in this lcore's stack frame: staged packets never outlive
    // the loop, which flushes before returning.
    using tx_storage_t = std::array<std::uint8_t, RTE_ETH_TX_BUFFER_SIZE(burst_size)>;
    alignas(RTE_CACHE_LINE_SIZE) std::array<tx_storage_t, max_local_ports> tx_storage{};
    std::array<std::optional<tx_stage>, max_local_ports> tx;
    std::array<std::unique_ptr<arp_cache>, max_local_ports> arp;
    for (unsigned p = 0; p < ports; ++p) {
        auto* buffer = reinterpret_cast<rte_eth_dev_tx_buffer*>(tx_storage[p].data());
        rte_eth_tx_buffer_init(buffer, burst_size);
        tx[p].emplace(ctx.ports[p].port_id, ctx.ports[p].tx_queue, buffer, counters,
                      ctx.ports[p].guard_link);
        arp[p] = std::make_unique<arp_cache>(arp_cache::config{}, rte_get_tsc_hz());
        ctx.packets[p].tx = &*tx[p];
        ctx.packets[p].arp = arp[p].get();
    }
    if (ctx.sip != nullptr) {
        ctx.sip->bind_ports({ctx.packets.data(), ports});
    }

    const std::uint64_t drain_tsc =
        (rte_get_tsc_hz() + 1'000'000 - 1) / 1'000'000 * ctx.tx_drain_us;
    const std::uint64_t arp_tsc = rte_get_tsc_hz() / 1000 * arp_expire_ms;
    std::uint64_t last_drain = rte_rdtsc();
    std::uint64_t last_arp = last_drain;
    std::array<rte_mbuf*, burst_size> pkts;
    // A polling lcore that does not come round for milliseconds lets its RX ring
    // overflow; these gaps are counted so that such losses can be explained.
    stall_meter stalls(rte_get_tsc_hz(), rte_rdtsc());
    std::array<bool, max_local_ports> link_was_up{};

    while (!ctx.stop->load(std::memory_order_relaxed)) {
        const std::uint64_t pass_start = rte_rdtsc();
        stalls.pass(pass_start, counters);
        for (unsigned p = 0; p < ports; ++p) {
            ctx.packets[p].now_tsc = pass_start;
        }
        if (pass_start - last_drain > drain_tsc) [[unlikely]] {
            for (unsigned p = 0; p < ports; ++p) {
                tx[p]->flush();
            }
            last_drain = pass_start;
        }
        if (pass_start - last_arp > arp_tsc) [[unlikely]] {
            for (unsigned p = 0; p < ports; ++p) {
                expire_arp(ctx.packets[p]);
            }
            last_arp = pass_start;
        }

        const std::uint64_t handed_over = counters.get(counter_id::sip_dispatched_in);
        if (ctx.sip != nullptr) {
            ctx.sip->drain_mesh();
        }
        unsigned received = 0;
        bool more_waiting = false; // a port gave a full burst: its queue may hold more
        for (unsigned p = 0; p < ports; ++p) {
            packet_context& packet = ctx.packets[p];
            if (ctx.ports[p].guard_link) {
                if (!link_up(ctx.ports[p].port_id)) [[unlikely]] {
                    link_was_up[p] = false;
                    continue;
                }
                if (!link_was_up[p]) [[unlikely]] {
                    // A peer (re)connected: its shared rings are mapped now.
                    link_was_up[p] = true;
                    (void)prefault_shared_mappings(memif_region_name);
                    counters.add(counter_id::link_up_prefaults);
                    stalls.restart(rte_rdtsc()); // not a stall of the traffic
                }
            }
            const std::uint16_t n = rte_eth_rx_burst(ctx.ports[p].port_id, ctx.ports[p].rx_queue,
                                                     pkts.data(), burst_size);
            received += n;
            more_waiting |= n == burst_size;
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
                    packet.tx->send(m);
                    break;
                case verdict::deliver_udp:
                    if (ctx.sip != nullptr) {
                        ctx.sip->on_datagram(m, datagram);
                    } else {
                        counters.add(counter_id::drop_sip_no_stage);
                        rte_pktmbuf_free(m);
                    }
                    break;
                case verdict::consumed:
                    break;
                case verdict::drop:
                    rte_pktmbuf_free(m);
                    break;
                }
            }
            if (n > 0 && packet.reassembly != nullptr) {
                packet.reassembly->flush(counters);
            }
        }
        if (ctx.sip != nullptr) {
            ctx.sip->on_pass();
        }
        if (received != 0 && !more_waiting) {
            // Nothing more was waiting on any port: what this pass answered goes
            // out now, not at the drain deadline (median setup latency 65 -> 6 us
            // at 150,000 calls/s). Under load bursts come full and the buffers
            // send in bursts. Per port, not the pass's total: two ports with 20
            // packets each are drained too.
            for (unsigned p = 0; p < ports; ++p) {
                tx[p]->flush();
            }
            last_drain = pass_start;
        }
        if (received == 0 && counters.get(counter_id::sip_dispatched_in) == handed_over) {
            if (ctx.idle_sleep_us != 0) {
                // Yields the core; the gap is not counted as a stall.
                rte_delay_us_sleep(ctx.idle_sleep_us);
                stalls.restart(rte_rdtsc());
            }
            counters.add(counter_id::loop_idle_cycles, rte_rdtsc() - pass_start);
            continue;
        }
        counters.add(counter_id::loop_busy_cycles, rte_rdtsc() - pass_start);
        counters.add(counter_id::loop_busy_passes);
    }
    for (unsigned p = 0; p < ports; ++p) {
        tx[p]->flush();
        ctx.packets[p].tx = nullptr;
        ctx.packets[p].arp = nullptr; // the cache frees what still waits when it goes
    }
    return 0;
}

} // namespace sipedge::dataplane
