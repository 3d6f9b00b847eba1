// sipedge: the DPDK dataplane process. Reads its settings (file and command
// line), starts EAL with or without hugepages, opens each port with one RX/TX
// queue pair per worker lcore, runs a polling loop with its own SIP stage on
// each worker and housekeeping (signals, stats, telemetry) on the main lcore;
// shuts down cleanly on SIGINT/SIGTERM. SIGHUP re-reads the settings (file and
// command line, as at start) and applies routes, hosts, limits and timer values
// live (reload_plan.cc says which keys need a restart).

#include "common/counters.hh"
#include "common/ipc/link.hh"
#include "dataplane/dispatch.hh"
#include "dataplane/eal_setup.hh"
#include "dataplane/io/interrupt_thread.hh"
#include "dataplane/io/port.hh"
#include "dataplane/lcore_loop.hh"
#include "dataplane/net/ipv4_reassembly.hh"
#include "dataplane/options.hh"
#include "dataplane/proxy/location.hh"
#include "dataplane/reload_plan.hh"
#include "dataplane/sip_stage.hh"
#include "dataplane/stats_print.hh"
#include "dataplane/telemetry.hh"

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <random>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <memory>
#include <rte_cycles.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

std::atomic<bool> stop_requested{false};
std::atomic<bool> stats_requested{false};
std::atomic<bool> reload_requested{false};

extern "C" void on_stop_signal(int) {
    stop_requested.store(true);
}
extern "C" void on_stats_signal(int) {
    stats_requested.store(true);
}
extern "C" void on_reload_signal(int) {
    reload_requested.store(true);
}

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = on_stats_signal;
    sigaction(SIGUSR1, &sa, nullptr);
    sa.sa_handler = on_reload_signal;
    sigaction(SIGHUP, &sa, nullptr);
}

// SIGHUP: parse the settings again exactly as at start; on success post the new
// live settings (live_tables) to every lcore, wait (bounded) until each took
// them, free the old ones. The outcome goes to stdout and to /sipedge/reload.
void reload(int argc, char** argv, sipedge::dataplane::options& running,
            std::vector<sipedge::dataplane::reload_mailbox>& mailboxes,
            sipedge::dataplane::config_view& view) {
    using namespace sipedge::dataplane;
    parse_outcome again = parse_options(argc, argv);
    if (!again.opts) {
        std::string error = again.message;
        while (!error.empty() && error.back() == '\n') {
            error.pop_back();
        }
        std::printf("sipedge: reload refused, nothing changed: %s\n", error.c_str());
        std::fflush(stdout);
        view.set_reload(false, error, {}, {});
        return;
    }
    const reload_plan plan = plan_reload(running, *again.opts);
    if (!plan.applied.empty()) {
        for (reload_mailbox& m : mailboxes) {
            const sipedge::proxy::proxy_config& next = again.opts->proxy;
            m.post(new live_tables{next.routes, next.hosts, next.max_branches,
                                   next.retry_after_seconds, next.session_timers, next.timers});
        }
        // A worker takes its tables within one pass (microseconds); 2 s covers a
        // stalled machine, after which the old tables are leaked rather than freed
        // under a worker that might still swap.
        for (reload_mailbox& m : mailboxes) {
            live_tables* old = nullptr;
            for (int i = 0; i < 2000 && old == nullptr; ++i) {
                old = m.collect();
                if (old == nullptr) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
            }
            delete old;
        }
        running.proxy.routes = again.opts->proxy.routes;
        running.proxy.hosts = again.opts->proxy.hosts;
        running.proxy.max_branches = again.opts->proxy.max_branches;
        running.proxy.retry_after_seconds = again.opts->proxy.retry_after_seconds;
        running.proxy.timers = again.opts->proxy.timers;
        const bool enabled = running.proxy.session_timers.enabled;
        const std::uint32_t dialogs = running.proxy.session_timers.dialog_capacity;
        running.proxy.session_timers = again.opts->proxy.session_timers;
        running.proxy.session_timers.enabled = enabled;
        running.proxy.session_timers.dialog_capacity = dialogs;
        view.set_tables(running);
    }
    std::string applied, restart;
    for (const std::string& k : plan.applied) {
        applied += " " + k;
    }
    for (const std::string& k : plan.restart) {
        restart += " " + k;
    }
    std::printf("sipedge: reloaded; applied:%s; need a restart:%s\n",
                applied.empty() ? " nothing" : applied.c_str(),
                restart.empty() ? " nothing" : restart.c_str());
    std::fflush(stdout);
    view.set_reload(true, "", plan.applied, plan.restart);
}

} // namespace

int main(int argc, char** argv) {
    using namespace sipedge;
    using namespace sipedge::dataplane;

    parse_outcome parsed = parse_options(argc, argv);
    if (!parsed.opts) {
        std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
        return parsed.exit_code;
    }
    options& opts = *parsed.opts;

    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    eal_plan plan = plan_eal(opts, read_hugepage_info(), argv[0],
                             cpus > 0 ? static_cast<unsigned>(cpus) : 0);
    std::printf("sipedge: %s\n", plan.reason.c_str());
    if (!plan.ok) {
        return 1;
    }
    std::vector<char*> eal_argv;
    for (std::string& a : plan.args) {
        eal_argv.push_back(a.data());
    }
    eal_argv.push_back(nullptr);
    // Installed before EAL so that a signal during start-up is not lost.
    install_signal_handlers();
    if (rte_eal_init(static_cast<int>(eal_argv.size() - 1), eal_argv.data()) < 0) {
        std::fprintf(stderr, "sipedge: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
        return 1;
    }

    static_assert(max_ports == max_local_ports);
    const unsigned workers = static_cast<unsigned>(opts.worker_lcores.size());
    const unsigned nports = static_cast<unsigned>(opts.ports.size());
    // Pool: every RX and TX descriptor of every port, each lcore's cache and
    // bursts, mbufs in hand-over rings, reassembly and ARP holds, with headroom
    // for bursts of originated packets.
    constexpr std::size_t mesh_ring_size = 1024;
    port_config pcfg;
    pcfg.queues = static_cast<std::uint16_t>(workers);
    pcfg.rx_descriptors = opts.rx_descriptors;
    pcfg.tx_descriptors = opts.tx_descriptors;
    const unsigned mbufs =
        opts.mbufs != 0
            ? opts.mbufs
            : static_cast<unsigned>(
                  workers * (nports * (opts.rx_descriptors + opts.tx_descriptors + 2 * 32) + 256 +
                             4096) +
                  (workers > 1 ? workers * workers * mesh_ring_size : 0) + 4096);

    int exit_code = 0;
    auto pool = create_mbuf_pool(mbufs, rte_socket_id());
    if (!pool) {
        std::fprintf(stderr, "sipedge: %s\n", pool.message());
        shut_down_eal();
        return 1;
    }
    std::vector<port_handle> ports;
    auto close_ports = [&] {
        for (const port_handle& p : ports) {
            close_port(p);
        }
        ports.clear();
        free_mbuf_pool(pool.value());
    };
    for (unsigned i = 0; i < nports; ++i) {
        auto port = open_port(opts.ports[i].device, i, pcfg, pool.value());
        if (!port) {
            std::fprintf(stderr, "sipedge: port %u (%s) set-up failed: %s\n", i,
                         opts.ports[i].device.c_str(), port.message());
            close_ports();
            shut_down_eal();
            return 1;
        }
        ports.push_back(std::move(port).value());
        const port_handle& ph = ports.back();
        char ip_text[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &opts.ports[i].ipv4, ip_text, sizeof ip_text);
        char mac_text[RTE_ETHER_ADDR_FMT_SIZE];
        rte_ether_format_addr(mac_text, sizeof mac_text, &ph.mac);
        std::printf("sipedge: port %u (%s) mac %s ip %s/%u:%u, %u worker lcore(s), %u queue(s)%s, "
                    "%u mbufs, checksum offload rx %s tx %s\n",
                    ph.port_id, ph.driver.c_str(), mac_text, ip_text, opts.ports[i].prefix,
                    opts.sip_port, workers, workers, ph.rss ? " with RSS" : "",
                    pool.value()->size, ph.rx_checksum ? "on" : "off",
                    ph.tx_checksum ? "on" : "off");
    }
    std::printf("sipedge: proxy %s:%u, record-route %s, %zu domain(s), %zu route(s), %zu "
                "static contact(s), %u transactions per lcore\n",
                opts.proxy.host.c_str(), opts.proxy.port, opts.proxy.record_route ? "on" : "off",
                opts.proxy.domains.size(), opts.proxy.routes.size(), opts.contacts.size(),
                opts.proxy.transaction_capacity);

    proxy::static_location location;
    for (const static_contact& c : opts.contacts) {
        location.add(c.aor, {c.uri, c.q});
    }
    std::unique_ptr<ipc::dataplane_link> link;
    if (!opts.control_link.empty()) {
        ipc::link_sizes sizes;
        sizes.ring_slots = opts.control_ring_slots;
        auto created = ipc::dataplane_link::create(opts.control_link, workers, sizes);
        if (!created) {
            std::fprintf(stderr, "sipedge: control link %s: %s\n", opts.control_link.c_str(),
                         created.message());
            close_ports();
            shut_down_eal();
            return 1;
        }
        link = std::move(created).value();
        std::printf("sipedge: control link %s ready for sipedge-control\n",
                    opts.control_link.c_str());
    }
    proxy::auth_config auth = opts.auth; // lives until the workers stop
    if (auth.nonce_secret.empty()) {
        // INVITE nonces are minted and checked here only: a per-start secret works
        // (UAs re-authenticate after a restart).
        std::random_device rd;
        for (int i = 0; i < 32; ++i) {
            auth.nonce_secret += "0123456789abcdef"[rd() & 15];
        }
    }
    const bool invite_auth = link != nullptr && auth.invite && !auth.realms.empty();
    std::printf("sipedge: digest for requests from our users %s\n",
                invite_auth ? "on (407, credentials from sipedge-control)"
                : auth.invite && !auth.realms.empty()
                    ? "off: it needs the control link"
                    : "off");
    std::unique_ptr<dispatch_mesh> mesh =
        workers > 1 ? std::make_unique<dispatch_mesh>(workers, mesh_ring_size) : nullptr;

    // Per worker: counters, reassembly table, SIP stage, loop context. Each is
    // used by its lcore only (counters are read by stats and telemetry).
    std::vector<std::unique_ptr<counter_block>> counters(workers);
    std::vector<std::unique_ptr<ipv4_reassembly>> reassembly(workers);
    std::vector<std::unique_ptr<sip_stage>> stages(workers);
    std::vector<lcore_context> contexts(workers);
    std::vector<lcore_counters> shown;
    std::vector<std::unique_ptr<lcore_summary>> summaries(workers);
    std::vector<const lcore_summary*> summary_views;
    std::vector<reload_mailbox> mailboxes(workers);
    config_view view;
    view.set_tables(opts);
    const std::uint64_t start_tsc = rte_rdtsc();
    for (unsigned w = 0; w < workers && exit_code == 0; ++w) {
        counters[w] = std::make_unique<counter_block>();
        auto frag = ipv4_reassembly::create(ipv4_reassembly::config{},
                                            static_cast<int>(rte_socket_id()));
        if (!frag) {
            std::fprintf(stderr, "sipedge: %s\n", frag.message());
            exit_code = 1;
            break;
        }
        reassembly[w] = std::move(frag).value();
        sip_stage::settings ss;
        ss.proxy = opts.proxy;
        ss.location = location.lookup();
        ss.lcore_index = w;
        ss.mesh = mesh.get();
        ss.link = link.get();
        ss.auth = &auth;
        ss.tsc_hz = rte_get_tsc_hz();
        ss.start_tsc = start_tsc;
        summaries[w] = std::make_unique<lcore_summary>();
        summary_views.push_back(summaries[w].get());
        ss.summary = summaries[w].get();
        ss.reload = &mailboxes[w];
        auto stage = sip_stage::create(ss, *counters[w]);
        if (!stage) {
            std::fprintf(stderr, "sipedge: SIP stage of lcore %u: %s\n", opts.worker_lcores[w],
                         stage.message());
            exit_code = 1;
            break;
        }
        stages[w] = std::move(stage).value();
        lcore_context& ctx = contexts[w];
        ctx.port_count = nports;
        ctx.idle_sleep_us = opts.idle_sleep_us;
        for (unsigned i = 0; i < nports; ++i) {
            const port_spec& spec = opts.ports[i];
            const port_handle& ph = ports[i];
            ctx.ports[i] = {ph.port_id, static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(w),
                            ph.driver == "net_memif"};
            packet_context& packet = ctx.packets[i];
            packet.ifc.mac = ph.mac;
            packet.ifc.ipv4 = spec.ipv4;
            packet.ifc.port_index = static_cast<std::uint8_t>(i);
            packet.ifc.subnet_mask =
                spec.prefix == 0 ? 0 : rte_cpu_to_be_32(~std::uint32_t{0} << (32 - spec.prefix));
            packet.ifc.gateway = spec.gateway;
            for (const port_spec& other : opts.ports) {
                packet.ifc.local_addresses[packet.ifc.local_address_count++] = other.ipv4;
            }
            packet.ifc.sip_port = rte_cpu_to_be_16(opts.sip_port);
            packet.ifc.mtu = opts.mtu;
            packet.ifc.rx_checksum_offload = ph.rx_checksum;
            packet.ifc.tx_checksum_offload = ph.tx_checksum;
            packet.counters = counters[w].get();
            packet.reassembly = reassembly[w].get();
            packet.pool = pool.value();
            packet.arp_learnt = workers > 1 ? sip_stage::share_neighbour : nullptr;
            packet.arp_learnt_user = stages[w].get();
        }
        ctx.sip = stages[w].get();
        ctx.stop = &stop_requested;
        shown.push_back({opts.worker_lcores[w], counters[w].get()});
    }
    if (exit_code == 0 && !register_telemetry({shown, summary_views, &view})) {
        std::fprintf(stderr, "sipedge: warning: telemetry commands not registered\n");
    }

    for (unsigned w = 0; w < workers && exit_code == 0; ++w) {
        if (rte_eal_remote_launch(lcore_loop, &contexts[w], opts.worker_lcores[w]) != 0) {
            std::fprintf(stderr, "sipedge: cannot launch the loop on lcore %u\n",
                         opts.worker_lcores[w]);
            exit_code = 1;
            stop_requested.store(true);
        }
    }
    if (exit_code == 0) {
        std::printf("sipedge: running; SIGUSR1 prints counters, SIGINT/SIGTERM stops\n");
        std::fflush(stdout);
    } else {
        stop_requested.store(true);
    }

    auto next_stats =
        std::chrono::steady_clock::now() + std::chrono::seconds(opts.stats_interval_s);
    while (!stop_requested.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (reload_requested.exchange(false)) {
            reload(argc, argv, opts, mailboxes, view);
        }
        const bool interval_due =
            opts.stats_interval_s > 0 && std::chrono::steady_clock::now() >= next_stats;
        if (stats_requested.exchange(false) || interval_due) {
            print_counters(stdout, shown, false);
            next_stats =
                std::chrono::steady_clock::now() + std::chrono::seconds(opts.stats_interval_s);
        }
    }

    rte_eal_mp_wait_lcore();
    std::printf("sipedge: stopping; final counters:\n");
    print_counters(stdout, shown, false);
    // Everything holding mbufs of the port's pool goes before the pool.
    if (mesh) {
        mesh->drain_and_free();
    }
    stages.clear();
    reassembly.clear();
    print_port_totals(stdout, ports);
    close_ports();
    shut_down_eal();
    return exit_code;
}
