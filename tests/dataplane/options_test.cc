#include "dataplane/eal_setup.hh"
#include "dataplane/options.hh"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <initializer_list>
#include <string>
#include <vector>

namespace sipedge::dataplane {
namespace {

parse_outcome parse(std::initializer_list<const char*> args) {
    std::vector<std::string> storage{"sipedge"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage) {
        argv.push_back(s.data());
    }
    return parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(options, minimal_valid_command_line) {
    auto r = parse({"--port", "net_tap0,iface=dtap0", "--ip", "198.51.100.1"});
    ASSERT_TRUE(r.opts) << r.message;
    EXPECT_EQ(r.opts->port_device, "net_tap0,iface=dtap0");
    const auto* b = reinterpret_cast<const unsigned char*>(&r.opts->ipv4_address);
    EXPECT_EQ(b[0], 198);
    EXPECT_EQ(b[3], 1);
    EXPECT_EQ(r.opts->worker_lcores, std::vector<unsigned>{1});
    EXPECT_EQ(r.opts->hugepages, hugepage_mode::automatic);
}

TEST(options, help_exits_zero_with_usage) {
    auto r = parse({"--help"});
    EXPECT_FALSE(r.opts);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.message.find("usage:"), std::string::npos);
}

TEST(options, bad_arguments_exit_two_with_the_reason) {
    struct bad_case {
        std::vector<const char*> args;
        const char* expected;
    };
    const std::vector<bad_case> cases = {
        {{"--port", "net_tap0", "--ip", "198.51.100.1", "--frobnicate"}, "unknown argument"},
        {{"--ip", "198.51.100.1"}, "no port"},
        {{"--port", "net_tap0"}, "no address"},
        {{"--port", "net_tap0", "--ip", "300.1.1.1"}, "not an IPv4 address"},
        {{"--port", "net_tap0", "--ip", "198.51.100.1", "--hugepages", "maybe"}, "auto, yes or no"},
        {{"--port", "net_tap0", "--ip", "198.51.100.1", "--memory", "12"}, "at least 64"},
        {{"--port", "net_tap0", "--ip", "198.51.100.1", "--worker-lcore", "x"}, "lcore number"},
        {{"--port", "net_tap0", "--ip", "198.51.100.1", "--main-lcore", "1"}, "must differ"},
        {{"--port"}, "needs a value"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> storage{"sipedge"};
        storage.insert(storage.end(), c.args.begin(), c.args.end());
        std::vector<char*> argv;
        for (auto& s : storage) {
            argv.push_back(s.data());
        }
        auto r = parse_options(static_cast<int>(argv.size()), argv.data());
        EXPECT_FALSE(r.opts) << c.expected;
        EXPECT_EQ(r.exit_code, 2) << c.expected;
        EXPECT_NE(r.message.find(c.expected), std::string::npos) << r.message;
        EXPECT_NE(r.message.find("usage:"), std::string::npos);
    }
}

TEST(options, everything_after_eal_is_passed_through) {
    auto r = parse({"--port", "net_ring0", "--ip", "198.51.100.1", "--eal", "--foo", "-x"});
    ASSERT_TRUE(r.opts);
    ASSERT_EQ(r.opts->extra_eal_args.size(), 2u);
    EXPECT_EQ(r.opts->extra_eal_args[0], "--foo");
}

bool has(const std::vector<std::string>& v, const char* s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(eal_setup, reads_meminfo) {
    const char* path = "eal_setup_test_meminfo";
    {
        std::ofstream f(path);
        f << "MemTotal:       24000000 kB\nHugePages_Total:     256\nHugePages_Free:      200\n"
             "Hugepagesize:       2048 kB\n";
    }
    hugepage_info h = read_hugepage_info(path);
    std::remove(path);
    EXPECT_EQ(h.free_pages, 200u);
    EXPECT_EQ(h.page_kb, 2048u);
    EXPECT_EQ(h.free_mb(), 400u);
}

TEST(eal_setup, auto_uses_hugepages_when_free_and_falls_back_otherwise) {
    options o;
    o.port_device = "net_tap0";
    eal_plan with = plan_eal(o, hugepage_info{256, 2048}, "sipedge", 0);
    EXPECT_TRUE(with.ok);
    EXPECT_TRUE(with.use_hugepages);
    EXPECT_TRUE(has(with.args, "--in-memory"));
    EXPECT_FALSE(has(with.args, "--no-huge"));
    EXPECT_TRUE(has(with.args, "--no-pci"));

    eal_plan without = plan_eal(o, hugepage_info{0, 2048}, "sipedge", 0);
    EXPECT_TRUE(without.ok);
    EXPECT_FALSE(without.use_hugepages);
    EXPECT_TRUE(has(without.args, "--no-huge"));
    EXPECT_NE(without.reason.find("falling back"), std::string::npos);
}

TEST(eal_setup, required_hugepages_missing_is_an_error) {
    options o;
    o.port_device = "net_tap0";
    o.hugepages = hugepage_mode::required;
    eal_plan p = plan_eal(o, hugepage_info{1, 2048}, "sipedge", 0);
    EXPECT_FALSE(p.ok);
    EXPECT_NE(p.reason.find("scripts/hugepages"), std::string::npos);
    o.hugepages = hugepage_mode::disabled;
    EXPECT_FALSE(plan_eal(o, hugepage_info{512, 2048}, "sipedge", 0).use_hugepages);
}

} // namespace
} // namespace sipedge::dataplane
