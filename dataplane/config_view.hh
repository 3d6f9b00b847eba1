#pragma once
// The dataplane's configuration as operators see it through telemetry
// (/sipedge/routes, /sipedge/reload): kept by the main lcore, read by DPDK's
// telemetry thread. Neither is the packet path, so a mutex is fine here; the
// lcores have their own copies (reload_mailbox.hh).

#include "dataplane/options.hh"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace sipedge::dataplane {

struct config_snapshot {
    std::string file;
    std::vector<std::string> domains;
    std::vector<std::string> routes; // "domain next_hop", as the lcores use them
    std::vector<std::string> hosts;  // "name address"
    // Last reload (SIGHUP): generation 0 = none yet.
    std::uint64_t reload_generation = 0;
    bool reload_ok = true;
    std::string reload_error;
    std::vector<std::string> applied;
    std::vector<std::string> restart;
};

class config_view {
public:
    void set_tables(const options& o);
    void set_reload(bool ok, std::string error, std::vector<std::string> applied,
                    std::vector<std::string> restart);
    config_snapshot get() const;

private:
    mutable std::mutex _mutex;
    config_snapshot _s;
};

} // namespace sipedge::dataplane
