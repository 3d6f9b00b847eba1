#pragma once
// The per-lcore counters through DPDK telemetry (the socket under
// /var/run/dpdk/<prefix>/dpdk_telemetry.v2, read with dpdk-telemetry.py or any
// client), so operators and sipedgectl can read them while sipedge runs:
//
//   /sipedge/lcores            worker lcore ids
//   /sipedge/counters[,LCORE]  every counter, summed over the lcores or of one
//
// Telemetry runs on its own thread; counters are read with relaxed loads, as the
// printout does.

#include "dataplane/stats_print.hh"

#include <span>

namespace sipedge::dataplane {

// The span must stay valid until rte_eal_cleanup(). Returns false if a command
// could not be registered (telemetry disabled is not an error: it returns true).
bool register_telemetry(std::span<const lcore_counters> lcores);

} // namespace sipedge::dataplane
