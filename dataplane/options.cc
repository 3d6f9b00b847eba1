#include "dataplane/options.hh"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <string_view>

namespace sipedge::dataplane {

namespace {

bool parse_unsigned(std::string_view text, unsigned max, unsigned& out) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v > max) {
        return false;
    }
    out = v;
    return true;
}

parse_outcome fail(const char* program, std::string why) {
    return {std::nullopt, 2, "sipedge: " + why + "\n\n" + usage_text(program)};
}

} // namespace

std::string usage_text(const char* program) {
    return std::string("usage: ") + program +
           " --port VDEV --ip ADDR [options] [--eal EAL-ARGS...]\n"
           "\n"
           "  --port VDEV            DPDK virtual device for the port, e.g. net_tap0,iface=dtap0\n"
           "  --ip ADDR              IPv4 address the dataplane answers on (ARP, ICMP, SIP)\n"
           "  --main-lcore N         lcore for housekeeping (default 0)\n"
           "  --worker-lcore N       lcore for the polling loop (default 1)\n"
           "  --hugepages auto|yes|no  use reserved hugepages; auto falls back to --no-huge\n"
           "                         when none are free (default auto)\n"
           "  --memory MB            DPDK memory without hugepages (default 256)\n"
           "  --stats-interval S     print counters every S seconds (default 0: on SIGUSR1\n"
           "                         and at exit only)\n"
           "  --log-level SPEC       EAL log level (default *:warning)\n"
           "  --eal ARGS...          everything after this is passed to rte_eal_init\n"
           "  --help                 this text\n";
}

parse_outcome parse_options(int argc, char** argv) {
    const char* program = argc > 0 ? argv[0] : "sipedge";
    options o;
    bool have_ip = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            return {std::nullopt, 0, usage_text(program)};
        }
        if (arg == "--eal") {
            for (++i; i < argc; ++i) {
                o.extra_eal_args.emplace_back(argv[i]);
            }
            break;
        }
        // Every other option takes exactly one value.
        static constexpr const char* with_value[] = {
            "--port",      "--ip",     "--main-lcore",     "--worker-lcore",
            "--hugepages", "--memory", "--stats-interval", "--log-level"};
        bool known = false;
        for (const char* name : with_value) {
            known = known || arg == name;
        }
        if (!known) {
            return fail(program, "unknown argument '" + std::string(arg) + "'");
        }
        if (i + 1 >= argc) {
            return fail(program, std::string(arg) + " needs a value");
        }
        std::string_view value = argv[++i];
        if (arg == "--port") {
            o.port_device = value;
        } else if (arg == "--ip") {
            in_addr a{};
            if (inet_pton(AF_INET, std::string(value).c_str(), &a) != 1) {
                return fail(program, "--ip '" + std::string(value) + "' is not an IPv4 address");
            }
            o.ipv4_address = a.s_addr;
            have_ip = true;
        } else if (arg == "--main-lcore" || arg == "--worker-lcore") {
            unsigned v;
            if (!parse_unsigned(value, 1023, v)) {
                return fail(program, std::string(arg) + " takes an lcore number (0-1023)");
            }
            (arg == "--main-lcore" ? o.main_lcore : o.worker_lcore) = v;
        } else if (arg == "--hugepages") {
            if (value == "auto") {
                o.hugepages = hugepage_mode::automatic;
            } else if (value == "yes") {
                o.hugepages = hugepage_mode::required;
            } else if (value == "no") {
                o.hugepages = hugepage_mode::disabled;
            } else {
                return fail(program, "--hugepages takes auto, yes or no");
            }
        } else if (arg == "--memory") {
            if (!parse_unsigned(value, 1u << 20, o.memory_mb) || o.memory_mb < 64) {
                return fail(program, "--memory takes megabytes, at least 64");
            }
        } else if (arg == "--stats-interval") {
            if (!parse_unsigned(value, 86400, o.stats_interval_s)) {
                return fail(program, "--stats-interval takes seconds (0-86400)");
            }
        } else if (arg == "--log-level") {
            o.log_level = value;
        }
    }
    if (o.port_device.empty()) {
        return fail(program, "--port is required");
    }
    if (!have_ip) {
        return fail(program, "--ip is required");
    }
    if (o.main_lcore == o.worker_lcore) {
        return fail(program, "--main-lcore and --worker-lcore must differ");
    }
    return {std::move(o), 0, {}};
}

} // namespace sipedge::dataplane
