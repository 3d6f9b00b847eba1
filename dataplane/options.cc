#include "dataplane/options.hh"

#include "dataplane/config_file.hh"

#include <algorithm>
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

// "1,2,3" -> {1, 2, 3}; empty items ("1,", ",1", "1,,2") are errors.
bool parse_lcore_list(std::string_view text, std::vector<unsigned>& out) {
    out.clear();
    for (;;) {
        const std::size_t comma = text.find(',');
        unsigned v;
        if (!parse_unsigned(text.substr(0, comma), 1023, v)) {
            return false;
        }
        out.push_back(v);
        if (comma == std::string_view::npos) {
            return true;
        }
        text = text.substr(comma + 1);
    }
}

// "DOMAIN=1.2.3.4:5060"
bool parse_route(std::string_view text, proxy::static_route& out) {
    const std::size_t eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        return false;
    }
    out.domain = text.substr(0, eq);
    std::string_view hop = text.substr(eq + 1);
    unsigned port = 5060;
    if (const std::size_t colon = hop.rfind(':'); colon != std::string_view::npos) {
        if (!parse_unsigned(hop.substr(colon + 1), 65535, port) || port == 0) {
            return false;
        }
        hop = hop.substr(0, colon);
    }
    if (!txn::parse_ipv4(hop, out.next_hop)) {
        return false;
    }
    out.next_hop.port = static_cast<std::uint16_t>(port);
    return true;
}

parse_outcome fail(const char* program, std::string why) {
    return {std::nullopt, 2, "sipedge: " + why + "\n\n" + usage_text(program)};
}

} // namespace

std::string usage_text(const char* program) {
    return std::string("usage: ") + program +
           " [--config FILE] [--port DEVICE --ip ADDR[/N]]... [options] [--eal EAL-ARGS...]\n"
           "\n"
           "Settings come from the TOML file given with --config (see\n"
           "config/sipedge.example.toml); options on the command line override it.\n"
           "\n"
           "  --config FILE          read settings from FILE first\n"
           "  --instance NAME        name of this dataplane (DPDK file prefix; telemetry at\n"
           "                         /var/run/dpdk/NAME/dpdk_telemetry.v2; default sipedge)\n"
           "  --control-link PATH    shared-memory link to sipedge-control (e.g. /dev/shm/sipedge):\n"
           "                         REGISTERs for our domains go to control, registered\n"
           "                         contacts come back (default: none)\n"
           "  --port DEVICE          a port: a DPDK virtual device (net_tap0,iface=dtap0) or\n"
           "                         the PCI address of a NIC bound to vfio-pci (0000:3b:00.0);\n"
           "                         repeat for more ports (replaces the file's ports)\n"
           "  --ip ADDR[/N]          our IPv4 address on the port of the same rank (ARP, ICMP,\n"
           "                         SIP) and its subnet; without /N every peer is on-link\n"
           "  --gateway ADDR         next hop for off-subnet peers, for the port of the same rank\n"
           "  --sip-port N           UDP port for SIP (default 5060)\n"
           "  --main-lcore N         lcore for housekeeping (default 0)\n"
           "  --workers LIST         lcores running polling loops, e.g. 1 or 1,2 (default 1);\n"
           "                         one RX and one TX queue each\n"
           "  --worker-lcore N       same as --workers N\n"
           "  --record-route on|off  insert Record-Route (default on)\n"
           "  --domain NAME          a domain we serve (repeatable)\n"
           "  --route DOMAIN=IP[:PORT]  send requests for DOMAIN (\".suffix\" allowed) there\n"
           "  --contact AOR=URI      a static location binding, e.g. bob@example.com=sip:bob@198.51.100.3\n"
           "  --transactions N       transaction table size per worker lcore (default 8192)\n"
           "  --control-ring-slots N slots per lcore and direction to sipedge-control (default 2048)\n"
           "  --idle-sleep-us N      sleep N us after a pass with nothing to do (default 0: busy\n"
           "                         polling); for a worker sharing its core\n"
           "  --hugepages auto|yes|no  use reserved hugepages; auto falls back to --no-huge\n"
           "                         when none are free (default auto)\n"
           "  --memory MB            DPDK memory without hugepages (default 256)\n"
           "  --stats-interval S     print counters every S seconds (default 0: on SIGUSR1\n"
           "                         and at exit only)\n"
           "  --log-level SPEC       EAL log level (default *:warning)\n"
           "  --eal ARGS...          everything after this is passed to rte_eal_init\n"
           "  --help                 this text\n";
}

bool parse_address_prefix(std::string_view text, port_spec& out) {
    const std::size_t slash = text.find('/');
    unsigned prefix = 0;
    if (slash != std::string_view::npos &&
        (!parse_unsigned(text.substr(slash + 1), 32, prefix) || slash + 1 == text.size())) {
        return false;
    }
    in_addr a{};
    if (inet_pton(AF_INET, std::string(text.substr(0, slash)).c_str(), &a) != 1 || a.s_addr == 0) {
        return false;
    }
    out.ipv4 = a.s_addr;
    out.prefix = static_cast<std::uint8_t>(prefix);
    return true;
}

bool parse_hugepage_mode(std::string_view text, hugepage_mode& out) {
    if (text == "auto") {
        out = hugepage_mode::automatic;
    } else if (text == "yes") {
        out = hugepage_mode::required;
    } else if (text == "no") {
        out = hugepage_mode::disabled;
    } else {
        return false;
    }
    return true;
}

std::string check_options(const options& o) {
    if (o.ports.empty()) {
        return "no port: give --port or dataplane.port";
    }
    if (o.ports.size() > max_ports) {
        return "at most " + std::to_string(max_ports) + " ports";
    }
    for (std::size_t i = 0; i < o.ports.size(); ++i) {
        const port_spec& p = o.ports[i];
        const std::string which = "port " + std::to_string(i) + " (" + p.device + ")";
        if (p.device.empty()) {
            return "port " + std::to_string(i) + " has no device";
        }
        if (p.ipv4 == 0) {
            return "no address for " + which + ": give --ip or dataplane.address";
        }
        if (p.gateway != 0) {
            const std::uint32_t mask =
                p.prefix == 0 ? 0 : htonl(~std::uint32_t{0} << (32 - p.prefix));
            if (p.prefix == 0 || (p.gateway & mask) != (p.ipv4 & mask)) {
                return "the gateway of " + which + " must be inside its subnet (give ADDR/N)";
            }
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (o.ports[j].ipv4 == p.ipv4) {
                return which + " has the same address as port " + std::to_string(j);
            }
            if (o.ports[j].device == p.device) {
                return which + " is listed twice";
            }
        }
    }
    if (o.worker_lcores.empty()) {
        return "no worker lcore";
    }
    for (std::size_t i = 0; i < o.worker_lcores.size(); ++i) {
        if (o.worker_lcores[i] == o.main_lcore) {
            return "the main lcore and the worker lcores must differ";
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (o.worker_lcores[j] == o.worker_lcores[i]) {
                return "worker lcore " + std::to_string(o.worker_lcores[i]) + " is listed twice";
            }
        }
    }
    if (o.instance.empty() || o.instance.find('/') != std::string::npos) {
        return "the instance name must be non-empty and contain no '/'";
    }
    if (o.worker_lcores.size() > 64) {
        return "at most 64 worker lcores";
    }
    return {};
}

parse_outcome parse_options(int argc, char** argv) {
    const char* program = argc > 0 ? argv[0] : "sipedge";
    options o;
    o.proxy.host.clear(); // defaults to our address below

    // The file first, so that every command-line option overrides it.
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string_view(argv[i]) == "--eal") {
            break;
        }
        if (std::string_view(argv[i]) == "--config") {
            if (std::string err = load_config_file(argv[i + 1], o); !err.empty()) {
                return {std::nullopt, 2, "sipedge: " + err + "\n"};
            }
            break;
        }
    }

    // Ports on the command line replace the file's; addresses and gateways go to
    // the port of the same rank.
    std::vector<std::string> cli_devices;
    std::vector<port_spec> cli_addresses;
    std::vector<std::uint32_t> cli_gateways;
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
            "--config",  "--instance", "--control-link", "--port",         "--ip", "--gateway",           "--sip-port",     "--main-lcore",
            "--workers", "--worker-lcore", "--record-route", "--domain",       "--route",
            "--contact", "--transactions", "--control-ring-slots", "--idle-sleep-us", "--hugepages",    "--memory",       "--stats-interval",
            "--log-level"};
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
        unsigned v = 0;
        if (arg == "--config") {
            // Read above.
        } else if (arg == "--control-link") {
            o.control_link = value;
        } else if (arg == "--instance") {
            o.instance = value;
        } else if (arg == "--port") {
            cli_devices.emplace_back(value);
        } else if (arg == "--ip") {
            port_spec a;
            if (!parse_address_prefix(value, a)) {
                return fail(program, "--ip '" + std::string(value) +
                                         "' is not an IPv4 address (ADDR or ADDR/N)");
            }
            cli_addresses.push_back(a);
        } else if (arg == "--gateway") {
            in_addr a{};
            if (inet_pton(AF_INET, std::string(value).c_str(), &a) != 1) {
                return fail(program, "--gateway '" + std::string(value) + "' is not an IPv4 address");
            }
            cli_gateways.push_back(a.s_addr);
        } else if (arg == "--sip-port") {
            if (!parse_unsigned(value, 65535, v) || v == 0) {
                return fail(program, "--sip-port takes a port number (1-65535)");
            }
            o.sip_port = static_cast<std::uint16_t>(v);
        } else if (arg == "--main-lcore") {
            if (!parse_unsigned(value, 1023, o.main_lcore)) {
                return fail(program, "--main-lcore takes an lcore number (0-1023)");
            }
        } else if (arg == "--workers" || arg == "--worker-lcore") {
            if (!parse_lcore_list(value, o.worker_lcores)) {
                return fail(program, std::string(arg) + " takes lcore numbers (0-1023), e.g. 1,2");
            }
        } else if (arg == "--record-route") {
            if (value != "on" && value != "off") {
                return fail(program, "--record-route takes on or off");
            }
            o.proxy.record_route = value == "on";
        } else if (arg == "--domain") {
            o.proxy.domains.emplace_back(value);
        } else if (arg == "--route") {
            proxy::static_route route;
            if (!parse_route(value, route)) {
                return fail(program, "--route takes DOMAIN=IPV4[:PORT], got '" +
                                         std::string(value) + "'");
            }
            o.proxy.routes.push_back(std::move(route));
        } else if (arg == "--contact") {
            const std::size_t eq = value.find('=');
            if (eq == std::string_view::npos || value.substr(0, eq).find('@') == std::string_view::npos ||
                eq + 1 == value.size()) {
                return fail(program, "--contact takes USER@HOST=URI");
            }
            o.contacts.push_back({std::string(value.substr(0, eq)), std::string(value.substr(eq + 1))});
        } else if (arg == "--transactions") {
            if (!parse_unsigned(value, 1u << 24, v) || v < 64) {
                return fail(program, "--transactions takes a count (64-16777216)");
            }
            o.proxy.transaction_capacity = v;
        } else if (arg == "--control-ring-slots") {
            if (!parse_unsigned(value, 1u << 16, v) || v < 16) {
                return fail(program, "--control-ring-slots takes a count (16-65536)");
            }
            o.control_ring_slots = v;
        } else if (arg == "--idle-sleep-us") {
            if (!parse_unsigned(value, 100000, v)) {
                return fail(program, "--idle-sleep-us takes microseconds (0-100000)");
            }
            o.idle_sleep_us = v;
        } else if (arg == "--hugepages") {
            if (!parse_hugepage_mode(value, o.hugepages)) {
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
    if (!cli_devices.empty()) {
        o.ports.assign(cli_devices.size(), port_spec{});
        for (std::size_t i = 0; i < cli_devices.size(); ++i) {
            o.ports[i].device = cli_devices[i];
        }
    }
    if (cli_addresses.size() > std::max<std::size_t>(o.ports.size(), 1) ||
        cli_gateways.size() > o.ports.size()) {
        return fail(program, "more --ip or --gateway than ports: give one per --port, in order");
    }
    for (std::size_t i = 0; i < cli_addresses.size() && i < o.ports.size(); ++i) {
        o.ports[i].ipv4 = cli_addresses[i].ipv4;
        o.ports[i].prefix = cli_addresses[i].prefix;
    }
    for (std::size_t i = 0; i < cli_gateways.size(); ++i) {
        o.ports[i].gateway = cli_gateways[i];
    }
    if (std::string err = check_options(o); !err.empty()) {
        return fail(program, err);
    }
    if (o.proxy.host.empty()) {
        char text[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &o.ports[0].ipv4, text, sizeof text);
        o.proxy.host = text;
    }
    o.proxy.port = o.sip_port;
    o.proxy.lcore_count = static_cast<std::uint16_t>(o.worker_lcores.size());
    return {std::move(o), 0, {}};
}

} // namespace sipedge::dataplane
