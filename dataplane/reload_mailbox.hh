#pragma once
// Hands new live tables (routes, hosts) from the main lcore to one worker lcore
// on SIGHUP. The worker takes them at a pass boundary by swapping vectors with
// its proxy settings (no allocation, no lock on the lcore), and hands the old
// ones back for the main lcore to free.
//
//   main:   post(t)  ... later collect() → the old tables (or null: not yet taken)
//   worker: take(cfg) once per pass (one relaxed load when nothing is posted)

#include "dataplane/proxy/proxy_config.hh"

#include <atomic>
#include <utility>
#include <vector>

namespace sipedge::dataplane {

struct live_tables {
    std::vector<proxy::static_route> routes;
    std::vector<proxy::static_host> hosts;
};

class alignas(64) reload_mailbox {
public:
    // Main lcore; the previous post must have been collected.
    void post(live_tables* t) { _posted.store(t, std::memory_order_release); }

    // Worker lcore, between messages.
    void take(proxy::proxy_config& cfg) {
        if (_posted.load(std::memory_order_relaxed) == nullptr) [[likely]] {
            return;
        }
        live_tables* t = _posted.exchange(nullptr, std::memory_order_acquire);
        std::swap(cfg.routes, t->routes);
        std::swap(cfg.hosts, t->hosts);
        _returned.store(t, std::memory_order_release);
    }

    // Main lcore: the tables the worker swapped out, once it has.
    live_tables* collect() { return _returned.exchange(nullptr, std::memory_order_acquire); }

private:
    std::atomic<live_tables*> _posted{nullptr};
    std::atomic<live_tables*> _returned{nullptr};
};

} // namespace sipedge::dataplane
