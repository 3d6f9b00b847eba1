// What a SIGHUP applies live (routes, hosts) and what needs a restart.

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

TEST(reload_plan, routes_and_hosts_live_workers_and_timers_need_a_restart) {
    options a;
    a.proxy.routes = {route("atlanta.example.com", 0xc6336407)};
    options b = a;
    b.proxy.routes[0].next_hop.port = 5080;
    b.proxy.hosts.push_back({"pbx", txn::endpoint::ipv4(0xc6336408, 0)});
    b.worker_lcores = {1, 2};
    b.proxy.timers.t1 = std::chrono::milliseconds(250);
    b.proxy.domains = {"biloxi.example.com"};
    const reload_plan p = plan_reload(a, b);
    EXPECT_EQ(p.applied, (std::vector<std::string>{"route", "host"}));
    EXPECT_EQ(p.restart, (std::vector<std::string>{"dataplane.worker_lcores", "proxy.domains",
                                                   "proxy.timers"}));
}

} // namespace
} // namespace sipedge::dataplane
