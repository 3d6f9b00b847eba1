#pragma once
// Human-readable counter printout: per lcore and totals, non-zero counters only
// (all of them with `all`). Runs on the main lcore, never in the polling loop.

#include "common/counters.hh"

#include <cstdio>
#include <span>

namespace sipedge::dataplane {

struct lcore_counters {
    unsigned lcore_id;
    const counter_block* counters;
};

void print_counters(std::FILE* out, std::span<const lcore_counters> lcores, bool all);

} // namespace sipedge::dataplane
