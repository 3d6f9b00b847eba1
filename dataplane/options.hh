#pragma once
// Settings of the sipedge dataplane, from a TOML file (--config, see
// config_file.hh) and/or the command line, which overrides the file. Parsing
// is separate from EAL start-up so that bad settings are reported (usage or the
// file's line and key, exit 2) before DPDK touches memory or devices.

#include "dataplane/proxy/location.hh"
#include "dataplane/proxy/proxy_config.hh"
#include "dataplane/proxy/request_auth.hh"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::dataplane {

enum class hugepage_mode { automatic, required, disabled };

// A contact known at start-up (until the registrar publishes bindings).
struct static_contact {
    std::string aor; // "user@host"
    std::string uri; // "sip:bob@198.51.100.3:5060"
    std::int16_t q = 1000;
};

// One port: a device and our IPv4 address on it. A destination leaves by the port
// whose subnet holds it (longest prefix); with no match it leaves by the first port
// that has a gateway, else by port 0, and is then treated as on-link.
struct port_spec {
    std::string device;        // DPDK vdev spec ("net_tap0,iface=dtap0") or PCI address
    std::uint32_t ipv4 = 0;    // our address on it, network byte order
    std::uint8_t prefix = 0;   // subnet length; 0: every destination is on-link here
    std::uint32_t gateway = 0; // next hop for destinations off the subnet; 0: none
};
inline constexpr std::size_t max_ports = 8;

struct options {
    std::string config_path;         // empty: command line only
    // DPDK --file-prefix: names the runtime directory /var/run/dpdk/<instance>,
    // where the telemetry socket lives; distinct per process on one machine.
    std::string instance = "sipedge";
    // Shared-memory file of the link to sipedge-control; empty: run without it
    // (REGISTERs are then proxied like any request).
    std::string control_link;
    // Slots per worker lcore and direction of that link (8 KiB each): how long
    // control may stall before REGISTERs are answered 503 (ring full).
    unsigned control_ring_slots = 2048;
    // Microseconds a worker sleeps after a pass that found nothing to do; 0
    // (the default) polls without pause. For a worker that shares its core
    // (a lab, a low-rate site): a busy-polling worker starves its neighbours.
    unsigned idle_sleep_us = 0;
    // Every port gets one RX and one TX queue per worker lcore; at most max_ports.
    std::vector<port_spec> ports;
    std::uint16_t sip_port = 5060;   // UDP port we listen on
    std::uint16_t mtu = 1500;        // IP packets above this are fragmented
    unsigned main_lcore = 0;         // housekeeping: stats, signals, telemetry
    std::vector<unsigned> worker_lcores{1}; // one polling loop, RX queue and TX queue each
    std::uint16_t rx_descriptors = 1024;
    std::uint16_t tx_descriptors = 1024;
    unsigned mbufs = 0;              // 0: sized from queues, lcores and transactions
    hugepage_mode hugepages = hugepage_mode::automatic;
    unsigned memory_mb = 256;      // DPDK memory when running without hugepages
    unsigned stats_interval_s = 0; // 0: print counters only on SIGUSR1 and at exit
    std::string log_level = "*:warning";
    std::vector<std::string> extra_eal_args; // passed through after "--eal"
    // Proxy behaviour shared by every lcore; host/port default to the address above.
    proxy::proxy_config proxy;
    std::vector<static_contact> contacts;
    // Digest for requests from our users: [auth], [control] nonce_secret and the
    // [[domains]] realms of the same file (control validates those tables in full).
    proxy::auth_config auth;
};

struct parse_outcome {
    std::optional<options> opts; // empty: do not start
    int exit_code = 0;           // when opts is empty: 0 for --help, 2 for bad settings
    std::string message;         // usage text or the precise error
};

parse_outcome parse_options(int argc, char** argv);

// "A.B.C.D" or "A.B.C.D/N" into out.ipv4 and out.prefix; false for anything else.
bool parse_address_prefix(std::string_view text, port_spec& out);

// "auto", "yes" or "no"; false for anything else.
bool parse_hugepage_mode(std::string_view text, hugepage_mode& out);

// Cross-field checks shared by the file and the command line ("" when fine).
std::string check_options(const options& o);

std::string usage_text(const char* program);

} // namespace sipedge::dataplane
