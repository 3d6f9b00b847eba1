// sipedge-loadgen: a DPDK SIP load generator (issue 9). One port, two IPv4
// addresses on it (the UAC and the UAS populations, each answering ARP), one
// polling lcore running the packet path of dataplane/net and the call engine,
// and the main lcore printing reports. See --help and docs/performance.md.

#include "bench/loadgen/addr.hh"
#include "bench/loadgen/call_engine.hh"
#include "bench/loadgen/options.hh"
#include "bench/loadgen/report.hh"
#include "bench/loadgen/transaction_engine.hh"
#include "common/counters.hh"
#include "dataplane/eal_setup.hh"
#include "dataplane/io/interrupt_thread.hh"
#include "dataplane/io/port.hh"
#include "dataplane/io/prefault.hh"
#include "dataplane/io/tx_stage.hh"
#include "dataplane/net/arp.hh"
#include "dataplane/net/arp_cache.hh"
#include "dataplane/net/ether_input.hh"
#include "dataplane/net/udp_output.hh"
#include "dataplane/stall_meter.hh"
#include "parser/stage1.hh"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace sipedge::loadgen {
namespace {

using dataplane::arp_cache;
using dataplane::packet_context;
using dataplane::tx_stage;
using dataplane::udp_delivery;
using dataplane::verdict;

std::atomic<int> signals_received{0};

extern "C" void on_stop_signal(int) {
    signals_received.fetch_add(1);
}

// Never raised: see claim_realtime_signals.
extern "C" void on_unused_signal(int) {}

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

// DPDK 22.11's net_tap takes the first real-time signal nobody handles and has
// the kernel raise it for every frame queued to the loadgen (its "Rx trigger",
// which skips empty reads). The signal is sent in the sender's context: with
// Kamailio on the other side it took 30 % of Kamailio's CPU in sendto()
// (tun_net_xmit -> kill_fasync), charging the proxy under test for the
// generator's convenience. With every real-time signal handled the driver finds
// none ("No Rx trigger signal available") and reads the tap on every pass, on
// the loadgen's own CPU. Called before EAL creates the ports; the loadgen uses
// no real-time signal itself.
void claim_realtime_signals() {
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig) {
        struct sigaction old {};
        if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) {
            struct sigaction sa {};
            sa.sa_handler = on_unused_signal;
            sigemptyset(&sa.sa_mask);
            sigaction(sig, &sa, nullptr);
        }
    }
}

enum class worker_state : int { starting, resolving, running, done, no_neighbour };

constexpr std::uint16_t burst_size = 32;
constexpr unsigned rx_bursts_per_pass = 8;
constexpr std::size_t max_datagram = 65535;

// Everything the polling lcore uses; set up by main, owned by that lcore while
// it runs (main reads only the atomics, the stats and the counters). E: the
// scenario's engine (call_engine, transaction_engine).
template <load_engine E>
struct worker {
    const options* opts = nullptr;
    std::uint16_t port_id = 0;
    rte_mempool* pool = nullptr;
    rte_ether_addr mac{};
    E* engine = nullptr;
    counter_block* counters = nullptr;
    packet_context uac;
    packet_context uas;
    std::unique_ptr<char[]> scratch; // padded copy of a message not contiguous in its mbuf
    std::atomic<worker_state> state{worker_state::starting};
    std::atomic<std::uint64_t> started_tsc{0};
    std::atomic<std::uint64_t> ended_tsc{0};
    std::atomic<bool> interrupted{false};
};

template <class W>
bool send_datagram(void* user, side from, std::uint32_t dst_ip, std::uint16_t dst_port,
                   std::string_view bytes) {
    auto* w = static_cast<W*>(user);
    packet_context& ctx = from == side::uac ? w->uac : w->uas;
    return dataplane::udp_send(ctx, rte_cpu_to_be_32(dst_ip), rte_cpu_to_be_16(dst_port),
                               {bytes.data(), bytes.size()});
}

// Which of our two addresses a frame is for (by IPv4 destination or ARP
// target); the UAC's when it is neither, which then counts the drop.
template <class W>
packet_context& context_for(W& w, const rte_mbuf* m) {
    const auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
    const std::uint32_t len = rte_pktmbuf_data_len(m);
    rte_be32_t dst = 0;
    if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
        len >= sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr)) {
        dst = reinterpret_cast<const rte_ipv4_hdr*>(eth + 1)->dst_addr;
    } else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP) &&
               len >= sizeof(rte_ether_hdr) + sizeof(rte_arp_hdr)) {
        dst = reinterpret_cast<const rte_arp_hdr*>(eth + 1)->arp_data.arp_tip;
    }
    return dst == w.uas.ifc.ipv4 ? w.uas : w.uac;
}

// One RX burst through the packet path; SIP datagrams go to the engine when
// deliver is set (else they are dropped: before the run starts). Returns the
// burst's size.
template <class W>
unsigned receive_burst(W& w, tx_stage& tx, std::uint64_t now, bool deliver) {
    std::array<rte_mbuf*, burst_size> pkts;
    const std::uint16_t n = rte_eth_rx_burst(w.port_id, 0, pkts.data(), burst_size);
    w.counters->add(counter_id::rx_packets, n);
    for (unsigned i = 0; i < n; ++i) {
        if (i + 2 < n) {
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void*));
        }
        rte_mbuf* m = pkts[i];
        w.counters->add(counter_id::rx_bytes, rte_pktmbuf_pkt_len(m));
        packet_context& ctx = context_for(w, m);
        udp_delivery d;
        switch (dataplane::ether_input(m, ctx, d)) {
        case verdict::transmit:
            tx.send(m);
            break;
        case verdict::deliver_udp: {
            if (!deliver) {
                rte_pktmbuf_free(m);
                break;
            }
            const char* bytes = nullptr;
            std::size_t readable = 0;
            if (m->nb_segs == 1) {
                // In place, the tailroom as the parser's padding (as sip_stage does).
                bytes = rte_pktmbuf_mtod_offset(m, const char*, d.payload_offset);
                readable = rte_pktmbuf_data_len(m) - d.payload_offset + rte_pktmbuf_tailroom(m);
            }
            if (bytes == nullptr || readable < d.payload_length + parser::parser_padding) {
                const auto* read = static_cast<const char*>(
                    rte_pktmbuf_read(m, d.payload_offset, d.payload_length, w.scratch.get()));
                if (read != w.scratch.get()) {
                    std::memcpy(w.scratch.get(), read, d.payload_length);
                }
                std::memset(w.scratch.get() + d.payload_length, 0, parser::parser_padding);
                bytes = w.scratch.get();
                readable = d.payload_length + parser::parser_padding;
            }
            w.engine->on_datagram(&ctx == &w.uas ? side::uas : side::uac,
                                  rte_be_to_cpu_32(d.src_ip), rte_be_to_cpu_16(d.src_port), bytes,
                                  d.payload_length, readable, now);
            rte_pktmbuf_free(m);
            break;
        }
        case verdict::consumed:
            break;
        case verdict::drop:
            rte_pktmbuf_free(m);
            break;
        }
    }
    return n;
}

// ARP requests for the next hop from both our addresses: we learn its MAC from
// the reply, and it learns both of ours from the requests (sipedge's ARP
// learns the sender of every request addressed to it).
template <class W>
void ask_next_hop(W& w, tx_stage& tx, rte_be32_t next_hop) {
    for (packet_context* ctx : {&w.uac, &w.uas}) {
        rte_mbuf* req = dataplane::make_arp_request(w.pool, w.mac, ctx->ifc.ipv4, next_hop);
        if (req == nullptr) {
            w.counters->add(counter_id::drop_no_mbuf);
            continue;
        }
        w.counters->add(counter_id::arp_requests_sent);
        tx.send(req);
    }
}

template <class E>
int worker_loop(void* arg) {
    worker<E>& w = *static_cast<worker<E>*>(arg);
    const options& o = *w.opts;
    const std::uint64_t hz = rte_get_tsc_hz();
    alignas(RTE_CACHE_LINE_SIZE) std::array<std::uint8_t, RTE_ETH_TX_BUFFER_SIZE(burst_size)>
        tx_storage{};
    auto* tx_buffer = reinterpret_cast<rte_eth_dev_tx_buffer*>(tx_storage.data());
    rte_eth_tx_buffer_init(tx_buffer, burst_size);
    tx_stage tx(w.port_id, 0, tx_buffer, *w.counters);
    arp_cache arp(arp_cache::config{}, hz);
    for (packet_context* ctx : {&w.uac, &w.uas}) {
        ctx->tx = &tx;
        ctx->arp = &arp;
    }
    auto set_now = [&](std::uint64_t now) {
        w.uac.now_tsc = now;
        w.uas.now_tsc = now;
    };
    const rte_be32_t next_hop = rte_cpu_to_be_32(o.engine.next_hop_ip);

    // 1. Neighbours. Direct: both addresses are ours, on our own MAC (the port
    // loops back). Through a proxy: resolve it, and let it learn us.
    std::uint64_t now = rte_rdtsc();
    set_now(now);
    if (o.direct) {
        dataplane::arp_learn(w.uac, w.uac.ifc.ipv4, w.mac);
        dataplane::arp_learn(w.uac, w.uas.ifc.ipv4, w.mac);
    } else {
        w.state.store(worker_state::resolving);
        const std::uint64_t deadline = now + hz * o.link_timeout_s;
        std::uint64_t last_ask = 0;
        while (arp.lookup(next_hop, now) == nullptr) {
            if (signals_received.load() != 0 || now > deadline) {
                tx.flush();
                w.uac.tx = w.uas.tx = nullptr;
                w.uac.arp = w.uas.arp = nullptr;
                w.state.store(worker_state::no_neighbour);
                return 0;
            }
            if (last_ask == 0 || now - last_ask > hz / 5) {
                ask_next_hop(w, tx, next_hop);
                last_ask = now;
            }
            tx.flush();
            (void)receive_burst(w, tx, now, false);
            now = rte_rdtsc();
            set_now(now);
        }
        // Once more, now that it answers: both requests reach it.
        ask_next_hop(w, tx, next_hop);
        tx.flush();
    }

    // 2. The run.
    const std::uint64_t housekeeping_tsc = hz / 20;
    const std::uint64_t refresh_tsc = hz * 60; // well inside ARP's 300 s reachability
    std::uint64_t last_housekeeping = now, last_refresh = now;
    now = rte_rdtsc();
    set_now(now);
    w.engine->start(now);
    w.started_tsc.store(now);
    w.state.store(worker_state::running);
    int signals_seen = 0;
    std::uint64_t refused_before = w.counters->get(counter_id::tx_full);
    // The generator's own gaps: they delay what it measures, like the proxy's.
    dataplane::stall_meter stalls(hz, now);
    for (;;) {
        now = rte_rdtsc();
        set_now(now);
        stalls.pass(now, *w.counters);
        // Everything waiting first (a few bursts at most): what comes in makes
        // answers go out, and new calls must not crowd them out of the queue.
        unsigned received = 0;
        for (unsigned b = 0; b < rx_bursts_per_pass; ++b) {
            const unsigned n = receive_burst(w, tx, now, true);
            received += n;
            if (n < burst_size) {
                break;
            }
            tx.flush();
        }
        // Back-pressure: when the TX queue refused packets in the last pass,
        // place no new calls in this one (the engine catches up later, or the
        // report shows the rate was not reached).
        const std::uint64_t refused = w.counters->get(counter_id::tx_full);
        w.engine->on_pass(now, refused == refused_before);
        refused_before = refused;
        tx.flush(); // every pass: latency is what this tool measures
        if (received == 0 && o.idle_sleep_us != 0) {
            // Nothing came in: give the CPU away for a moment (a process sharing
            // it, e.g. sipedge-control, gets its turn; items due meanwhile go
            // out in the next pass, a little late).
            rte_delay_us_sleep(o.idle_sleep_us);
            stalls.restart(rte_rdtsc());
        }
        if (now - last_housekeeping > housekeeping_tsc) [[unlikely]] {
            last_housekeeping = now;
            std::array<rte_be32_t, 16> retry;
            const std::size_t k = arp.expire(now, *w.counters, retry);
            for (std::size_t i = 0; i < k; ++i) {
                if (rte_mbuf* req =
                        dataplane::make_arp_request(w.pool, w.mac, w.uac.ifc.ipv4, retry[i])) {
                    tx.send(req);
                }
            }
            if (now - last_refresh > refresh_tsc) {
                last_refresh = now;
                if (o.direct) {
                    dataplane::arp_learn(w.uac, w.uac.ifc.ipv4, w.mac);
                    dataplane::arp_learn(w.uac, w.uas.ifc.ipv4, w.mac);
                } else {
                    ask_next_hop(w, tx, next_hop);
                }
            }
            const int signals = signals_received.load();
            if (signals != signals_seen) {
                // First signal: place no more calls, let the others finish.
                // Second: give up on them too.
                signals_seen = signals;
                w.interrupted.store(true);
                w.engine->stop_placing();
                if (signals >= 2) {
                    w.engine->abandon_all();
                }
            }
            if (!w.engine->placing() && now > w.engine->drain_deadline()) {
                w.engine->abandon_all();
            }
        }
        if (w.engine->finished()) {
            break;
        }
    }
    tx.flush();
    w.ended_tsc.store(now);
    w.uac.tx = w.uas.tx = nullptr;
    w.uac.arp = w.uas.arp = nullptr; // the cache frees what still waits
    w.state.store(worker_state::done);
    return 0;
}

// Waits for the port's link. With `restart`, the port is restarted when its
// link stays down for a second: a memif server rejects a client that connects
// after its socket listens but before its port is set up ("ID 0 not found"), and
// DPDK 22.11's client does not try again by itself. Not for a NIC, whose link
// may take seconds to negotiate and would start over at every restart.
bool wait_for_link(std::uint16_t port_id, unsigned timeout_s, bool restart) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::seconds(timeout_s);
    auto restart_at = clock::now() + std::chrono::seconds(1);
    bool started = true;
    for (;;) {
        rte_eth_link link{};
        if (started && rte_eth_link_get_nowait(port_id, &link) == 0 &&
            link.link_status == RTE_ETH_LINK_UP) {
            return true;
        }
        if (clock::now() > deadline || signals_received.load() != 0) {
            return false;
        }
        if (restart && clock::now() >= restart_at) {
            if (started) {
                (void)rte_eth_dev_stop(port_id);
            }
            // Fails while nobody listens: tried again in 100 ms, as open_port does
            // (each failure logs a line), not on every 10 ms round.
            started = rte_eth_dev_start(port_id) == 0;
            restart_at = clock::now() + (started ? std::chrono::milliseconds(1000)
                                                 : std::chrono::milliseconds(100));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

// --linger: once the polling lcore has stopped, the peer may go away safely;
// wait for it to (its link goes down), a signal, or the time limit.
void linger(const options& opts, std::uint16_t port_id) {
    std::fflush(stdout);
    std::fflush(stderr);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(opts.linger_s);
    rte_eth_link link{};
    while (opts.linger_s != 0 && std::chrono::steady_clock::now() < until &&
           signals_received.load() == 0 && rte_eth_link_get_nowait(port_id, &link) == 0 &&
           link.link_status == RTE_ETH_LINK_UP) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// What one run at one rate came to.
struct step_result {
    int exit_status = 3;      // 0 met its tolerances, 1 did not or interrupted, 3 could not run
    bool clean = false;       // passed with no retransmission (--search's rule)
    bool interrupted = false; // a signal stopped it
};

// One run with the scenario's engine at opts.engine.rate: set-up of the worker,
// the loop on its lcore, reports from the main lcore, the verdict. The port
// stays open for the caller.
template <load_engine E>
step_result run_step(options& opts, const dataplane::port_handle& ph, std::FILE* info,
                     const char* report_type) {
    counter_block counters;
    stats_block stats;
    worker<E> w;
    w.opts = &opts;
    w.port_id = ph.port_id;
    w.pool = ph.pool;
    w.mac = ph.mac;
    w.counters = &counters;
    w.scratch = std::make_unique<char[]>(max_datagram + parser::parser_padding);
    for (packet_context* ctx : {&w.uac, &w.uas}) {
        ctx->ifc.mac = ph.mac;
        ctx->ifc.rx_checksum_offload = ph.rx_checksum;
        ctx->ifc.tx_checksum_offload = ph.tx_checksum;
        ctx->counters = &counters;
        ctx->pool = ph.pool;
    }
    w.uac.ifc.ipv4 = rte_cpu_to_be_32(opts.engine.uac_ip);
    w.uac.ifc.sip_port = rte_cpu_to_be_16(opts.engine.uac_port);
    w.uas.ifc.ipv4 = rte_cpu_to_be_32(opts.engine.uas_ip);
    w.uas.ifc.sip_port = rte_cpu_to_be_16(opts.engine.uas_port);
    auto engine = E::create(opts.engine, stats, send_datagram<worker<E>>, &w);
    if (!engine) {
        std::fprintf(stderr, "sipedge-loadgen: engine: %s\n", engine.message());
        return {};
    }
    w.engine = engine.value().get();

    const std::string mode = opts.direct ? "direct" : "proxy";
    const std::string target = format_endpoint(opts.engine.next_hop_ip, opts.engine.next_hop_port);
    char mac_text[RTE_ETHER_ADDR_FMT_SIZE];
    rte_ether_format_addr(mac_text, sizeof mac_text, &ph.mac);
    const scenario_words sw = words_for(opts.engine.kind);
    std::string bounds = opts.engine.calls != 0
                             ? std::to_string(opts.engine.calls) + " " + sw.noun
                             : std::string("no count limit");
    if (opts.engine.duration_ms != 0) {
        bounds += ", " + std::to_string(opts.engine.duration_ms / 1000.0) + " s";
    }
    std::string shape;
    if (opts.engine.kind == scenario::call) {
        shape = "hold " + std::to_string(opts.engine.hold_ms) + " ms, " +
                std::to_string(opts.engine.capacity) + " call slots";
    } else {
        shape = std::to_string(opts.engine.users) + " users";
        if (opts.engine.kind == scenario::register_) {
            shape += " of " + opts.engine.domain + ", expires " +
                     std::to_string(opts.engine.expires_s) + " s, nonce reuse " +
                     (opts.engine.reuse_nonce ? "on" : "off");
        }
    }
    std::fprintf(info,
                 "sipedge-loadgen: port %u (%s) mac %s; UAC %s, UAS %s, %s to %s; scenario %.*s, "
                 "%" PRIu64 " %s/s, %s, %s, T1 %u ms%s\n",
                 ph.port_id, ph.driver.c_str(), mac_text,
                 format_endpoint(opts.engine.uac_ip, opts.engine.uac_port).c_str(),
                 format_endpoint(opts.engine.uas_ip, opts.engine.uas_port).c_str(), mode.c_str(),
                 target.c_str(), static_cast<int>(scenario_name(opts.engine.kind).size()),
                 scenario_name(opts.engine.kind).data(), opts.engine.rate, sw.noun, bounds.c_str(),
                 shape.c_str(), opts.engine.t1_ms,
                 opts.idle_sleep_us != 0
                     ? (", idle sleep " + std::to_string(opts.idle_sleep_us) + " us").c_str()
                     : "");
    std::fflush(info);

    if (rte_eal_remote_launch(worker_loop<E>, &w, opts.lcore) != 0) {
        std::fprintf(stderr, "sipedge-loadgen: cannot launch the loop on lcore %u\n", opts.lcore);
        return {};
    }

    // Reports, from snapshots, while the worker runs.
    const std::uint64_t hz = rte_get_tsc_hz();
    bool header_printed = false;
    stats_snapshot previous{};
    std::uint64_t previous_tsc = 0;
    std::uint64_t next_report = 0;
    const std::uint64_t report_tsc = hz * opts.report_interval_ms / 1000;
    // One interval line: from the previous report to `until`.
    auto report_until = [&](std::uint64_t until) {
        if (!header_printed && !opts.json) {
            print_interval_header(stdout, opts.engine.kind);
            header_printed = true;
        }
        const stats_snapshot current = take_snapshot(stats);
        const stats_snapshot delta = difference(current, previous);
        interval_report r;
        r.t_s = static_cast<double>(until - w.started_tsc.load()) / static_cast<double>(hz);
        r.length_s = static_cast<double>(until - previous_tsc) / static_cast<double>(hz);
        r.kind = opts.engine.kind;
        r.active = w.engine->active();
        r.delta = &delta;
        print_interval(stdout, r, opts.json);
        previous = current;
        previous_tsc = until;
    };
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        const worker_state st = w.state.load();
        if (st == worker_state::done || st == worker_state::no_neighbour) {
            break;
        }
        if (st != worker_state::running || opts.report_interval_ms == 0) {
            continue;
        }
        const std::uint64_t now = rte_rdtsc();
        if (previous_tsc == 0) {
            previous_tsc = w.started_tsc.load();
            next_report = previous_tsc + report_tsc;
        }
        if (now < next_report) {
            continue;
        }
        report_until(now);
        next_report += report_tsc;
    }
    rte_eal_wait_lcore(opts.lcore);
    // The last, partial interval.
    if (opts.report_interval_ms != 0 && w.state.load() == worker_state::done && previous_tsc != 0) {
        const std::uint64_t end = w.ended_tsc.load();
        if (end > previous_tsc + hz / 20) {
            report_until(end);
        }
    }

    if (w.state.load() == worker_state::no_neighbour) {
        std::fprintf(stderr,
                     "sipedge-loadgen: the proxy %s did not answer ARP from %s or %s within %u s\n",
                     target.c_str(), format_ipv4(opts.engine.uac_ip).c_str(),
                     format_ipv4(opts.engine.uas_ip).c_str(), opts.link_timeout_s);
        return {};
    }

    stats_snapshot total = take_snapshot(stats);
    final_report f;
    f.type = report_type;
    f.kind = opts.engine.kind;
    f.mode = mode;
    f.target = target;
    f.rate = opts.engine.rate;
    const std::uint64_t t0 = w.started_tsc.load();
    f.placing_s = static_cast<double>(w.engine->placing_ended_at() - t0) / static_cast<double>(hz);
    f.elapsed_s = static_cast<double>(w.ended_tsc.load() - t0) / static_cast<double>(hz);
    f.interrupted = w.interrupted.load();
    // Kept the rate: the last call went out within one inter-call gap plus
    // 50 ms (or 1 % of the placing time) of its due time.
    f.schedule_lag_s =
        static_cast<double>(w.engine->final_schedule_lag()) / static_cast<double>(hz);
    f.rate_reached = f.schedule_lag_s <= 1.0 / static_cast<double>(opts.engine.rate) +
                                             std::max(0.05, 0.01 * f.placing_s);
    f.total = &total;
    f.packet_path = &counters;
    const std::uint64_t failed = total[sw.failed];
    const std::uint64_t unexpected = total[stat_id::unexpected];
    if (f.interrupted) {
        f.verdict = "interrupted";
    } else if (failed > opts.max_failed) {
        f.verdict = std::to_string(failed) +
                    " failed " + sw.noun + " (tolerated: " + std::to_string(opts.max_failed) + ")";
    } else if (unexpected > opts.max_unexpected) {
        f.verdict = std::to_string(unexpected) +
                    " unexpected messages (tolerated: " + std::to_string(opts.max_unexpected) + ")";
    } else if (!f.rate_reached) {
        f.verdict = "rate not reached (the generator or its port is the limit)";
    } else {
        f.verdict = "pass";
    }
    f.exit_status = f.verdict == "pass" || opts.tolerate ? 0 : 1;
    if (f.verdict != "pass" && opts.tolerate) {
        f.verdict += ", tolerated";
    }
    print_final(stdout, f, opts.json);
    return {f.exit_status, f.verdict == "pass" && total[stat_id::retrans_sent] == 0,
            f.interrupted};
}

// Between --search steps: what the device under test still sends for the step
// before (a late answer, a retransmission) is received and dropped here, so
// that the next step's engine does not count it as unexpected. Returns how many.
std::uint64_t discard_for(std::uint16_t port_id, std::uint64_t ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    std::array<rte_mbuf*, burst_size> pkts;
    std::uint64_t dropped = 0;
    while (std::chrono::steady_clock::now() < until && signals_received.load() == 0) {
        const std::uint16_t n = rte_eth_rx_burst(port_id, 0, pkts.data(), burst_size);
        rte_pktmbuf_free_bulk(pkts.data(), n);
        dropped += n;
        if (n == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    return dropped;
}

// --search: steps at rising rates (rate_search.hh), each a run of its own with
// its own Call-IDs; the outcome after the steps' reports.
template <load_engine E>
int run_search(options& opts, const dataplane::port_handle& ph, std::FILE* info) {
    const std::uint64_t start_rate = opts.engine.rate;
    const std::uint64_t seed = opts.engine.seed;
    std::uint64_t steps = 0, discarded = 0;
    bool could_not_run = false, interrupted = false;
    const search_result result = search_rates(
        {start_rate, opts.max_rate, opts.bisection_steps}, [&](std::uint64_t rate) {
            if (steps != 0) {
                discarded += discard_for(ph.port_id, opts.search_pause_ms);
            }
            // Each step draws other Call-IDs, tags and branches: a straggler of the
            // step before can never pass for one of this step's calls.
            opts.engine.seed = seed ^ (++steps * 0x9e3779b97f4a7c15ull);
            opts.engine.rate = rate;
            const step_result r = run_step<E>(opts, ph, info, "step");
            could_not_run = r.exit_status == 3;
            interrupted = r.interrupted || signals_received.load() != 0;
            if (could_not_run || interrupted) {
                return step_outcome::stop;
            }
            return r.clean ? step_outcome::clean : step_outcome::unclean;
        });
    print_search(stdout, {opts.engine.kind, start_rate, opts.max_rate, &result, discarded},
                 opts.json);
    if (could_not_run) {
        return 3;
    }
    return interrupted || result.best_rate == 0 ? 1 : 0;
}

template <load_engine E>
int run_engine(options& opts, const dataplane::port_handle& ph, std::FILE* info,
               const std::function<void()>& close_all) {
    const int status = opts.search ? run_search<E>(opts, ph, info)
                                   : run_step<E>(opts, ph, info, "final").exit_status;
    linger(opts, ph.port_id);
    close_all();
    return status;
}

} // namespace

int run(int argc, char** argv) {
    parse_outcome parsed = parse_options(argc, argv);
    if (!parsed.opts) {
        std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
        return parsed.exit_code;
    }
    options& opts = *parsed.opts;
    // With --json, stdout carries JSON lines only.
    std::FILE* info = opts.json ? stderr : stdout;

    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    dataplane::eal_plan plan =
        dataplane::plan_eal(eal_options(opts), dataplane::read_hugepage_info(), argv[0],
                            cpus > 0 ? static_cast<unsigned>(cpus) : 0);
    std::fprintf(info, "sipedge-loadgen: %s\n", plan.reason.c_str());
    if (!plan.ok) {
        return 3;
    }
    std::vector<char*> eal_argv;
    for (std::string& a : plan.args) {
        eal_argv.push_back(a.data());
    }
    eal_argv.push_back(nullptr);
    install_signal_handlers();
    claim_realtime_signals();
    if (rte_eal_init(static_cast<int>(eal_argv.size() - 1), eal_argv.data()) < 0) {
        std::fprintf(stderr, "sipedge-loadgen: EAL initialisation failed: %s\n",
                     rte_strerror(rte_errno));
        return 3;
    }
    dataplane::port_config pcfg;
    pcfg.queues = 1;
    // A memif server (sipedge) started after the loadgen, or not yet listening
    // although it said "running" (seen once in 15 test sequences), is waited for.
    pcfg.start_retry_ms = opts.link_timeout_s * 1000;
    auto pool = dataplane::create_mbuf_pool(16383, rte_socket_id());
    if (!pool) {
        std::fprintf(stderr, "sipedge-loadgen: %s\n", pool.message());
        dataplane::shut_down_eal();
        return 3;
    }
    auto port = dataplane::open_port(opts.port_device, 0, pcfg, pool.value());
    if (!port) {
        std::fprintf(stderr, "sipedge-loadgen: port set-up failed: %s\n", port.message());
        dataplane::free_mbuf_pool(pool.value());
        dataplane::shut_down_eal();
        return 3;
    }
    const dataplane::port_handle& ph = port.value();
    auto close_all = [&] {
        dataplane::close_port(ph);
        dataplane::free_mbuf_pool(ph.pool);
        dataplane::shut_down_eal();
    };
    if (!wait_for_link(ph.port_id, opts.link_timeout_s, ph.driver == "net_memif")) {
        std::fprintf(stderr,
                     "sipedge-loadgen: the port's link did not come up within %u s (a memif "
                     "client needs its server running on the same socket path)\n",
                     opts.link_timeout_s);
        close_all();
        return 3;
    }
    // Before the first packet, not during the first pass round the rings.
    (void)dataplane::prefault_shared_mappings(dataplane::memif_region_name);
    if (opts.engine.seed == 0) {
        opts.engine.seed = rte_rdtsc() ^ (static_cast<std::uint64_t>(getpid()) << 32);
    }
    opts.engine.hz = rte_get_tsc_hz();

    switch (opts.engine.kind) {
    case scenario::call:
        return run_engine<call_engine>(opts, ph, info, close_all);
    case scenario::register_:
    case scenario::options:
        break;
    }
    return run_engine<transaction_engine>(opts, ph, info, close_all);
}

} // namespace sipedge::loadgen

int main(int argc, char** argv) {
    return sipedge::loadgen::run(argc, argv);
}
