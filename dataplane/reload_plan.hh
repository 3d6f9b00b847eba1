#pragma once
// What a configuration reload (SIGHUP) can do to a running dataplane: which
// changed keys it applies live and which need a restart. Pure, no DPDK, so
// sipedge, sipedge-control and the tests share it.
//
// Live: [[route]] and [[host]] (each lcore's router reads them on every lookup;
// the lcore swaps the new tables in at a pass boundary, transactions untouched).
// Everything else is sized or formatted at start-up (queues, pools, timer ticks,
// Via and Record-Route text, control-link REGISTER hosts): restart.

#include "dataplane/options.hh"

#include <string>
#include <vector>

namespace sipedge::dataplane {

struct reload_plan {
    std::vector<std::string> applied; // dotted keys, e.g. "route"
    std::vector<std::string> restart; // e.g. "dataplane.worker_lcores"
};

reload_plan plan_reload(const options& running, const options& next);

} // namespace sipedge::dataplane
