#include "dataplane/reload_plan.hh"

namespace sipedge::dataplane {

namespace {

bool same_routes(const std::vector<proxy::static_route>& a,
                 const std::vector<proxy::static_route>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].domain != b[i].domain || !(a[i].next_hop == b[i].next_hop) || a[i].tp != b[i].tp) {
            return false;
        }
    }
    return true;
}

bool same_hosts(const std::vector<proxy::static_host>& a,
                const std::vector<proxy::static_host>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].name != b[i].name || !(a[i].address == b[i].address)) {
            return false;
        }
    }
    return true;
}

bool same_contacts(const std::vector<static_contact>& a, const std::vector<static_contact>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].aor != b[i].aor || a[i].uri != b[i].uri || a[i].q != b[i].q) {
            return false;
        }
    }
    return true;
}

} // namespace

reload_plan plan_reload(const options& r, const options& n) {
    reload_plan p;
    if (!same_routes(r.proxy.routes, n.proxy.routes)) {
        p.applied.emplace_back("route");
    }
    if (!same_hosts(r.proxy.hosts, n.proxy.hosts)) {
        p.applied.emplace_back("host");
    }
    auto restart = [&](bool differs, const char* key) {
        if (differs) {
            p.restart.emplace_back(key);
        }
    };
    restart(r.instance != n.instance, "dataplane.instance");
    restart(r.control_link != n.control_link, "dataplane.control_link");
    restart(r.control_ring_slots != n.control_ring_slots, "dataplane.control_ring_slots");
    restart(r.idle_sleep_us != n.idle_sleep_us, "dataplane.idle_sleep_us");
    // Ports: the one-port keys name the difference; another count of ports
    // ([[dataplane.ports]]) is reported as such.
    if (r.ports.size() != n.ports.size()) {
        p.restart.emplace_back("dataplane.ports");
    } else {
        bool device = false, address = false, gateway = false;
        for (std::size_t i = 0; i < r.ports.size(); ++i) {
            device = device || r.ports[i].device != n.ports[i].device;
            address = address || r.ports[i].ipv4 != n.ports[i].ipv4 ||
                      r.ports[i].prefix != n.ports[i].prefix;
            gateway = gateway || r.ports[i].gateway != n.ports[i].gateway;
        }
        restart(device, "dataplane.port");
        restart(address, "dataplane.address");
        restart(gateway, "dataplane.gateway");
    }
    restart(r.sip_port != n.sip_port, "dataplane.sip_port");
    restart(r.mtu != n.mtu, "dataplane.mtu");
    restart(r.main_lcore != n.main_lcore, "dataplane.main_lcore");
    restart(r.worker_lcores != n.worker_lcores, "dataplane.worker_lcores");
    restart(r.rx_descriptors != n.rx_descriptors, "dataplane.rx_descriptors");
    restart(r.tx_descriptors != n.tx_descriptors, "dataplane.tx_descriptors");
    restart(r.mbufs != n.mbufs, "dataplane.mbufs");
    restart(r.hugepages != n.hugepages, "dataplane.hugepages");
    restart(r.memory_mb != n.memory_mb, "dataplane.memory_mb");
    restart(r.stats_interval_s != n.stats_interval_s, "dataplane.stats_interval");
    restart(r.log_level != n.log_level, "dataplane.log_level");
    restart(r.extra_eal_args != n.extra_eal_args, "dataplane.eal");
    const proxy::proxy_config& a = r.proxy;
    const proxy::proxy_config& b = n.proxy;
    restart(a.host != b.host || a.port != b.port, "proxy.host");
    restart(a.aliases != b.aliases, "proxy.aliases");
    restart(a.domains != b.domains, "proxy.domains");
    restart(a.record_route != b.record_route, "proxy.record_route");
    restart(a.transaction_capacity != b.transaction_capacity, "proxy.transactions_per_lcore");
    auto live = [&](bool differs, const char* key) {
        if (differs) {
            p.applied.emplace_back(key);
        }
    };
    live(a.max_branches != b.max_branches, "proxy.max_branches");
    live(a.retry_after_seconds != b.retry_after_seconds, "proxy.retry_after");
    const proxy::session_timer_config& s = a.session_timers;
    const proxy::session_timer_config& t = b.session_timers;
    live(s.min_se != t.min_se, "session_timers.min_se");
    live(s.session_expires != t.session_expires, "session_timers.session_expires");
    live(s.insert_when_absent != t.insert_when_absent, "session_timers.insert_when_absent");
    live(s.on_expiry != t.on_expiry, "session_timers.on_expiry");
    restart(s.enabled != t.enabled, "session_timers.enabled");
    restart(s.dialog_capacity != t.dialog_capacity, "session_timers.dialogs_per_lcore");
    live(a.timers.t1 != b.timers.t1 || a.timers.t2 != b.timers.t2 ||
             a.timers.t4 != b.timers.t4 || a.timers.timer_c != b.timers.timer_c ||
             a.timers.timer_d != b.timers.timer_d,
         "proxy.timers");
    restart(!same_contacts(r.contacts, n.contacts), "contact");
    return p;
}

} // namespace sipedge::dataplane
