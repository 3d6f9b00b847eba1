// sipedge: the DPDK dataplane process. Parses its options, starts EAL with or
// without hugepages, opens one port, runs the polling loop on the worker lcore
// and housekeeping (signals, stats) on the main lcore; shuts down cleanly on
// SIGINT/SIGTERM.

#include "common/counters.hh"
#include "dataplane/eal_setup.hh"
#include "dataplane/io/port.hh"
#include "dataplane/lcore_loop.hh"
#include "dataplane/net/ipv4_reassembly.hh"
#include "dataplane/options.hh"
#include "dataplane/stats_print.hh"

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <thread>
#include <vector>

namespace {

std::atomic<bool> stop_requested{false};
std::atomic<bool> stats_requested{false};

extern "C" void on_stop_signal(int) {
    stop_requested.store(true);
}
extern "C" void on_stats_signal(int) {
    stats_requested.store(true);
}

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = on_stats_signal;
    sigaction(SIGUSR1, &sa, nullptr);
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
    const options& opts = *parsed.opts;

    eal_plan plan = plan_eal(opts, read_hugepage_info(), argv[0]);
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

    int exit_code = 0;
    auto port = open_first_port(port_config{}, rte_socket_id());
    if (!port) {
        std::fprintf(stderr, "sipedge: port set-up failed: %s\n", port.message());
        rte_eal_cleanup();
        return 1;
    }
    char ip_text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &opts.ipv4_address, ip_text, sizeof ip_text);
    char mac_text[RTE_ETHER_ADDR_FMT_SIZE];
    rte_ether_format_addr(mac_text, sizeof mac_text, &port.value().mac);
    std::printf("sipedge: port %u (%s) mac %s ip %s, worker lcore %u\n", port.value().port_id,
                port.value().driver.c_str(), mac_text, ip_text, opts.worker_lcore);

    auto reassembly =
        ipv4_reassembly::create(ipv4_reassembly::config{}, static_cast<int>(rte_socket_id()));
    if (!reassembly) {
        std::fprintf(stderr, "sipedge: %s\n", reassembly.message());
        close_port(port.value());
        rte_eal_cleanup();
        return 1;
    }

    counter_block worker_counters;
    lcore_context ctx;
    ctx.port_id = port.value().port_id;
    ctx.packet.ifc.mac = port.value().mac;
    ctx.packet.ifc.ipv4 = opts.ipv4_address;
    ctx.packet.counters = &worker_counters;
    ctx.packet.reassembly = reassembly.value().get();
    ctx.packet.pool = port.value().pool;
    ctx.stop = &stop_requested;

    if (rte_eal_remote_launch(lcore_loop, &ctx, opts.worker_lcore) != 0) {
        std::fprintf(stderr, "sipedge: cannot launch the loop on lcore %u\n", opts.worker_lcore);
        exit_code = 1;
        stop_requested.store(true);
    } else {
        std::printf("sipedge: running; SIGUSR1 prints counters, SIGINT/SIGTERM stops\n");
        std::fflush(stdout);
    }

    const lcore_counters shown[] = {{opts.worker_lcore, &worker_counters}};
    auto next_stats =
        std::chrono::steady_clock::now() + std::chrono::seconds(opts.stats_interval_s);
    while (!stop_requested.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
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
    reassembly.value().reset(); // holds mbufs of the port's pool: free before the pool
    close_port(port.value());
    rte_eal_cleanup();
    return exit_code;
}
