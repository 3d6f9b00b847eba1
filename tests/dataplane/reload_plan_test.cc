// What a SIGHUP applies live (routes, hosts) and what needs a restart.

#include "dataplane/reload_mailbox.hh"
#include "dataplane/reload_plan.hh"

#include <gtest/gtest.h>

namespace sipedge::dataplane {
namespace {

proxy::static_route route(const char* domain, std::uint32_t ip) {
    proxy::static_route r;
    r.domain = domain;
    r.next_hop = txn::endpoint::ipv4(ip, 5060);
    return r;
}

TEST(reload_plan, nothing_changed_nothing_listed) {
    options a;
    a.proxy.routes = {route("atlanta.example.com", 0xc6336407)};
    const reload_plan p = plan_reload(a, a);
    EXPECT_TRUE(p.applied.empty());
    EXPECT_TRUE(p.restart.empty());
}

TEST(reload_plan, routes_hosts_and_timers_live_workers_and_domains_need_a_restart) {
    options a;
    a.proxy.routes = {route("atlanta.example.com", 0xc6336407)};
    options b = a;
    b.proxy.routes[0].next_hop.port = 5080;
    b.proxy.hosts.push_back({"pbx", txn::endpoint::ipv4(0xc6336408, 0)});
    b.worker_lcores = {1, 2};
    b.proxy.timers.t1 = std::chrono::milliseconds(250);
    b.proxy.domains = {"biloxi.example.com"};
    const reload_plan p = plan_reload(a, b);
    EXPECT_EQ(p.applied, (std::vector<std::string>{"route", "host", "proxy.timers"}));
    EXPECT_EQ(p.restart, (std::vector<std::string>{"dataplane.worker_lcores", "proxy.domains"}));
}

TEST(reload_plan, limits_and_session_timer_values_live_table_sizes_need_a_restart) {
    options a;
    options b = a;
    b.proxy.max_branches = 4;
    b.proxy.retry_after_seconds = 30;
    b.proxy.session_timers.min_se = 3600;
    b.proxy.session_timers.on_expiry = proxy::expiry_action::bye;
    b.proxy.session_timers.dialog_capacity = 1 << 20;
    const reload_plan p = plan_reload(a, b);
    EXPECT_EQ(p.applied, (std::vector<std::string>{"proxy.max_branches", "proxy.retry_after",
                                                   "session_timers.min_se",
                                                   "session_timers.on_expiry"}));
    EXPECT_EQ(p.restart, (std::vector<std::string>{"session_timers.dialogs_per_lcore"}));
}

TEST(reload_mailbox, the_worker_takes_limits_and_session_values_but_keeps_table_sizes) {
    proxy::proxy_config running;
    running.session_timers.dialog_capacity = 1000;
    live_tables next;
    next.routes.push_back(route("biloxi.example.com", 0xc6336408));
    next.max_branches = 3;
    next.retry_after_seconds = 17;
    next.session_timers.min_se = 4000;
    next.session_timers.enabled = false;
    next.session_timers.dialog_capacity = 5;
    next.timers.t1 = std::chrono::milliseconds(250);
    next.timers.timer_c = std::chrono::milliseconds(200000);
    reload_mailbox m;
    EXPECT_FALSE(m.take(running)); // nothing posted: nothing changes
    EXPECT_TRUE(running.routes.empty());
    m.post(&next);
    EXPECT_TRUE(m.take(running));
    EXPECT_EQ(m.collect(), &next);
    ASSERT_EQ(running.routes.size(), 1u);
    EXPECT_EQ(running.max_branches, 3u);
    EXPECT_EQ(running.retry_after_seconds, 17u);
    EXPECT_EQ(running.session_timers.min_se, 4000u);
    EXPECT_TRUE(running.session_timers.enabled);
    EXPECT_EQ(running.session_timers.dialog_capacity, 1000u);
    EXPECT_EQ(running.timers.t1.count(), 250);
    EXPECT_EQ(running.timers.timer_c.count(), 200000);
}

} // namespace
} // namespace sipedge::dataplane
