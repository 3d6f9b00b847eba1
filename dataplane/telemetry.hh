#pragma once
// The dataplane's live state through DPDK telemetry (the socket under
// /var/run/dpdk/<instance>/dpdk_telemetry.v2, read by sipedgectl,
// dpdk-telemetry.py or any client):
//
//   /sipedge/lcores                worker lcore ids
//   /sipedge/counters[,LCORE]      every counter, summed over the lcores or of one
//   /sipedge/transactions[,LCORE]  per lcore: count and capacity; of one: also a sample
//   /sipedge/dialogs[,LCORE]       per lcore: count; of one: also a sample
//   /sipedge/routes                domains, static routes and hosts in use
//   /sipedge/reload                outcome of the last SIGHUP reload
//
// Telemetry runs on its own thread: counters are read with relaxed loads,
// transactions and dialogs from each lcore's published summary (never the
// lcore's tables), routes from the main lcore's config view.

#include "dataplane/config_view.hh"
#include "dataplane/lcore_summary.hh"
#include "dataplane/stats_print.hh"

#include <span>

namespace sipedge::dataplane {

struct telemetry_sources {
    std::span<const lcore_counters> counters;
    std::span<const lcore_summary* const> summaries; // same order as counters
    const config_view* config = nullptr;
};

// Everything must stay valid until rte_eal_cleanup(). Returns false if a command
// could not be registered (telemetry disabled is not an error: it returns true).
bool register_telemetry(const telemetry_sources& sources);

} // namespace sipedge::dataplane
