#pragma once
// Per-interval and final reports of sipedge-loadgen, as text for people or as
// JSON lines for scripts (scripts/bench). Runs on the main lcore from
// snapshots; the worker never formats anything.

#include "bench/loadgen/engine.hh"
#include "bench/loadgen/rate_search.hh"
#include "bench/loadgen/stats.hh"
#include "common/counters.hh"

#include <cstdint>
#include <cstdio>
#include <string>

namespace sipedge::loadgen {

// A scenario's names for things: what it starts and counts, and what its
// latency measures.
struct scenario_words {
    stat_id attempted, succeeded, failed;
    const char* noun;     // "calls", "registrations", "OPTIONS"
    const char* rate_key; // JSON key of the succeeded rate: "calls_per_s"...
    const char* latency;  // what the setup latency measures
};
scenario_words words_for(scenario s);

struct interval_report {
    scenario kind = scenario::call;
    double t_s = 0;           // end of the interval, from the start of the run
    double length_s = 0;      // its length
    std::uint32_t active = 0; // calls (registrations, OPTIONS) in progress at its end
    const stats_snapshot* delta = nullptr;
};

struct final_report {
    const char* type = "final"; // "step" for each step of --search
    scenario kind = scenario::call;
    std::string mode;          // "proxy" or "direct"
    std::string target;        // where requests went, "IP:PORT"
    std::uint64_t rate = 0;    // target calls/s
    double placing_s = 0;      // time during which calls were placed
    double elapsed_s = 0;      // start to the end of the last call
    double schedule_lag_s = 0; // how late the last call was placed (call_engine)
    bool rate_reached = true;
    bool interrupted = false;
    std::string verdict; // "pass" or the reason for exit status 1
    int exit_status = 0;
    const stats_snapshot* total = nullptr;
    const counter_block* packet_path = nullptr;
};

void print_interval_header(std::FILE* out, scenario kind);
void print_interval(std::FILE* out, const interval_report& r, bool json);
void print_final(std::FILE* out, const final_report& r, bool json);

// --search's outcome, after its steps' reports.
struct search_report {
    scenario kind = scenario::call;
    std::uint64_t start_rate = 0, max_rate = 0;
    const search_result* result = nullptr;
    std::uint64_t discarded_between_steps = 0; // packets of a step that came after it ended
};
void print_search(std::FILE* out, const search_report& r, bool json);

} // namespace sipedge::loadgen
