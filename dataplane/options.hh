#pragma once
// Command-line options of the sipedge dataplane. Parsing is separate from EAL
// start-up so that bad arguments are reported (usage, exit 2) before DPDK
// touches memory or devices.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sipedge::dataplane {

enum class hugepage_mode { automatic, required, disabled };

struct options {
    std::string port_device;        // DPDK vdev spec, e.g. "net_tap0,iface=dtap0"
    std::uint32_t ipv4_address = 0; // our address, network byte order
    unsigned main_lcore = 0;        // housekeeping: stats, signals
    unsigned worker_lcore = 1;      // the polling loop
    hugepage_mode hugepages = hugepage_mode::automatic;
    unsigned memory_mb = 256;      // DPDK memory when running without hugepages
    unsigned stats_interval_s = 0; // 0: print counters only on SIGUSR1 and at exit
    std::string log_level = "*:warning";
    std::vector<std::string> extra_eal_args; // passed through after "--eal"
};

struct parse_outcome {
    std::optional<options> opts; // empty: do not start
    int exit_code = 0;           // when opts is empty: 0 for --help, 2 for bad arguments
    std::string message;         // usage text or the precise error
};

parse_outcome parse_options(int argc, char** argv);

std::string usage_text(const char* program);

} // namespace sipedge::dataplane
