#pragma once
// Command line of sipedge-loadgen. Parsing touches no DPDK, so bad arguments
// are reported (exit 2, with the reason) before EAL starts.

#include "bench/loadgen/engine.hh"
#include "dataplane/options.hh"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sipedge::loadgen {

struct options {
    engine_config engine; // addresses, rate, bounds, timers, table size
    bool direct = false;  // UAC sends straight to the UAS (no device under test)
    std::string port_device;
    std::string instance = "sipedge-loadgen";
    unsigned main_lcore = 0;
    unsigned lcore = 1; // the polling loop
    dataplane::hugepage_mode hugepages = dataplane::hugepage_mode::automatic;
    unsigned memory_mb = 256;
    std::string log_level = "*:warning";
    std::vector<std::string> extra_eal_args;
    std::uint64_t report_interval_ms = 1000; // 0: final report only
    bool json = false;
    std::uint64_t max_failed = 0;     // more failed calls than this: exit 1
    std::uint64_t max_unexpected = 0; // more unexpected messages than this: exit 1
    bool tolerate = false;            // never exit 1 for failures
    unsigned link_timeout_s = 10;     // wait for the port's link (memif peer)
    // After the final report, keep the port open until the peer closes it (its
    // link goes down) or this many seconds pass; 0: close at once. Lets the
    // device under test stop first: a memif peer that disconnects while the
    // other side's lcore polls can crash it (DPDK 22.11's driver).
    unsigned linger_s = 0;
    // A pass that received nothing sleeps this long (0: busy polling), so the
    // generator leaves CPU to a process sharing its core (sipedge-control).
    unsigned idle_sleep_us = 0;
    // --search: steps from --rate (doubling, then bisecting) up to max_rate, each
    // bounded like a single run; between steps, search_pause_ms of receiving and
    // discarding what is still in flight from the step before.
    bool search = false;
    std::uint64_t max_rate = 0;            // 0 until given; --search needs it
    unsigned bisection_steps = 3;
    std::uint64_t search_pause_ms = 2000;
};

struct parse_outcome {
    std::optional<options> opts; // empty: do not run
    int exit_code = 0;           // when empty: 0 for --help, 2 for bad arguments
    std::string message;
};

parse_outcome parse_options(int argc, char** argv);

std::string usage_text(const char* program);

// The EAL view of our options, for dataplane::plan_eal (same hugepage policy
// and lcore mapping as sipedge).
dataplane::options eal_options(const options& o);

} // namespace sipedge::loadgen
