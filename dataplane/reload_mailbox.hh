#pragma once
// Hands new live settings (routes, hosts, limits, RFC 3261 and session-timer
// values) from the main lcore to one worker lcore on SIGHUP. The worker takes
// them at a pass boundary by swapping vectors with its proxy settings and
// copying the scalars (no allocation, no lock on the lcore), and hands the old
// tables back for the main lcore to free. Transactions and dialogs already
// running keep the timers they armed; new ones use the new values.
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
    std::uint32_t max_branches = 8;
    std::uint32_t retry_after_seconds = 5;
    // All but `enabled` and `dialog_capacity`, which size tables at start-up.
    proxy::session_timer_config session_timers{};
    timer::sip_timer_config timers{}; // RFC 3261 T1, T2, T4, C, D
};

class alignas(64) reload_mailbox {
public:
    // Main lcore; the previous post must have been collected.
    void post(live_tables* t) { _posted.store(t, std::memory_order_release); }

    // Worker lcore, between messages. True when new settings were taken: the
    // caller then has the RFC 3261 timers recomputed (proxy_core::timers_changed).
    bool take(proxy::proxy_config& cfg) {
        if (_posted.load(std::memory_order_relaxed) == nullptr) [[likely]] {
            return false;
        }
        live_tables* t = _posted.exchange(nullptr, std::memory_order_acquire);
        std::swap(cfg.routes, t->routes);
        std::swap(cfg.hosts, t->hosts);
        cfg.max_branches = t->max_branches;
        cfg.retry_after_seconds = t->retry_after_seconds;
        proxy::session_timer_config& st = cfg.session_timers;
        st.min_se = t->session_timers.min_se;
        st.session_expires = t->session_timers.session_expires;
        st.insert_when_absent = t->session_timers.insert_when_absent;
        st.on_expiry = t->session_timers.on_expiry;
        cfg.timers = t->timers;
        _returned.store(t, std::memory_order_release);
        return true;
    }

    // Main lcore: the tables the worker swapped out, once it has.
    live_tables* collect() { return _returned.exchange(nullptr, std::memory_order_acquire); }

private:
    std::atomic<live_tables*> _posted{nullptr};
    std::atomic<live_tables*> _returned{nullptr};
};

} // namespace sipedge::dataplane
