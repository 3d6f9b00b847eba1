#pragma once
// Configuration of one lcore's proxy core. Filled at start-up (from the control
// process's configuration); read-only afterwards.

#include "dataplane/proxy/session_timer_config.hh"
#include "dataplane/timer/sip_timers.hh"
#include "dataplane/transaction/types.hh"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sipedge::proxy {

// A domain (or a suffix ".example.com") whose requests go to a fixed next hop
// when the domain is not ours (§16.5 "local policy").
struct static_route {
    std::string domain; // "biloxi.example.com", or ".example.com" for a suffix
    txn::endpoint next_hop;
    txn::transport tp = txn::transport::udp;
};

// A host name the proxy resolves without DNS (the dataplane has none).
struct static_host {
    std::string name;
    txn::endpoint address; // port 0: the URI's port (or 5060)
};

struct proxy_config {
    // Our address as it appears in Via sent-by and Record-Route, and the names that
    // mean "this proxy" in a Route or Request-URI (host compare is case-insensitive;
    // a missing port means 5060).
    std::string host = "127.0.0.1";
    std::uint16_t port = 5060;
    std::vector<std::string> aliases;
    // Domains this proxy is responsible for (§16.5): their Request-URIs are looked up
    // in the location service.
    std::vector<std::string> domains;
    std::vector<static_route> routes;
    std::vector<static_host> hosts;
    bool record_route = true;
    // Transactions (server + client) of this lcore; a full table answers 503.
    std::uint32_t transaction_capacity = 8192;
    std::uint32_t retry_after_seconds = 5; // in the overload 503
    std::uint32_t max_branches = 8;        // targets per request, at most 8
    timer::sip_timer_config timers{};
    session_timer_config session_timers{}; // RFC 4028 (issue 8)
    std::chrono::nanoseconds tick = std::chrono::milliseconds(1);
    // Timer wheel kinds reserved for the proxy core: transaction timers, timer C,
    // session expiry.
    std::uint16_t timer_kind_base = 0;
    std::uint16_t lcore_id = 0;
    std::uint16_t lcore_count = 1;
    std::uint64_t seed = 0x5eed5eed12345678ull;
};

} // namespace sipedge::proxy
