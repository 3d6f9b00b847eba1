#include "dataplane/eal_setup.hh"
#include "dataplane/options.hh"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <initializer_list>
#include <stdlib.h>
#include <unistd.h>
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

namespace sipedge::dataplane {
namespace {

std::string write_temp(const std::string& text) {
    char path[] = "/tmp/sipedge-config-XXXXXX";
    const int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    close(fd);
    std::ofstream(path) << text;
    return path;
}

parse_outcome parse_vector(std::vector<std::string> storage) {
    storage.insert(storage.begin(), "sipedge");
    std::vector<char*> argv;
    for (auto& s : storage) {
        argv.push_back(s.data());
    }
    return parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(config_file, the_example_in_the_repo_loads) {
    auto r = parse_vector({"--config", SIPEDGE_EXAMPLE_CONFIG});
    ASSERT_TRUE(r.opts) << r.message;
    const options& o = *r.opts;
    EXPECT_EQ(o.port_device, "net_tap0,iface=sipedge0");
    EXPECT_EQ(o.proxy.host, "198.51.100.1"); // defaults to the address
    EXPECT_EQ(o.proxy.domains, std::vector<std::string>{"example.com"});
    ASSERT_EQ(o.proxy.routes.size(), 1u);
    EXPECT_EQ(o.proxy.routes[0].next_hop.port, 5060);
    ASSERT_EQ(o.contacts.size(), 1u);
    EXPECT_EQ(o.contacts[0].aor, "bob@example.com");
    EXPECT_EQ(o.proxy.timers.t1.count(), 500);
}

TEST(config_file, command_line_overrides_the_file) {
    const std::string path = write_temp("[dataplane]\nport = \"net_tap0\"\naddress = \"198.51.100.1\"\n"
                                        "worker_lcores = [1]\n[proxy]\nrecord_route = true\n");
    auto r = parse_vector({"--config", path, "--workers", "2,3", "--record-route", "off",
                           "--ip", "203.0.113.5"});
    ASSERT_TRUE(r.opts) << r.message;
    EXPECT_EQ(r.opts->worker_lcores, (std::vector<unsigned>{2, 3}));
    EXPECT_FALSE(r.opts->proxy.record_route);
    EXPECT_EQ(r.opts->proxy.host, "203.0.113.5");
    EXPECT_EQ(r.opts->proxy.lcore_count, 2);
    std::remove(path.c_str());
}

TEST(config_file, every_error_names_file_line_and_key) {
    struct bad_case {
        std::string text;
        std::string expected; // after "FILE:"
    };
    const std::vector<bad_case> cases = {
        {"[dataplane]\nport = 5\n", "2:1: dataplane.port: must be a string"},
        {"[dataplane]\naddress = \"198.51.100.300\"\n", "2:1: dataplane.address: '198.51.100.300' is not an IPv4 address"},
        {"[dataplane]\n\nsip_port = 70000\n", "3:1: dataplane.sip_port: must be between 1 and 65535"},
        {"[dataplane]\nprot = \"x\"\n", "2:1: dataplane.prot: unknown key"},
        {"[proxy]\nrecord_route = \"yes\"\n", "2:1: proxy.record_route: must be true or false"},
        {"[proxy.timers]\nt1_ms = 0\n", "2:1: proxy.timers.t1_ms: must be between 1 and 60000"},
        {"[[route]]\ndomain = \"x.org\"\nnext_hop = \"uas.example\"\n", "3:1: route.next_hop: 'uas.example' is not IPV4:PORT"},
        {"[[route]]\nnext_hop = \"198.51.100.3\"\n", "1:1: route.domain: is required"},
        {"[[contact]]\naor = \"bob\"\nuri = \"sip:bob@198.51.100.3\"\n", "2:1: contact.aor: must be user@host"},
        {"[dataplane]\nworker_lcores = []\n", "2:1: dataplane.worker_lcores: must be a non-empty array"},
        {"[dataplane\n", "1:"}, // TOML syntax error: line and column from the parser
    };
    for (const auto& c : cases) {
        const std::string path = write_temp(c.text);
        auto r = parse_vector({"--config", path});
        EXPECT_FALSE(r.opts) << c.text;
        EXPECT_EQ(r.exit_code, 2);
        EXPECT_NE(r.message.find(path + ":" + c.expected), std::string::npos)
            << "got: " << r.message << "\nwanted: " << c.expected;
        std::remove(path.c_str());
    }
}

TEST(config_file, a_missing_file_is_a_clear_error) {
    auto r = parse_vector({"--config", "/nonexistent/sipedge.toml"});
    EXPECT_FALSE(r.opts);
    EXPECT_NE(r.message.find("/nonexistent/sipedge.toml: cannot open"), std::string::npos);
}

TEST(config_file, tables_of_the_control_process_are_left_to_it) {
    const std::string path = write_temp("[dataplane]\nport = \"net_tap0\"\naddress = \"198.51.100.1\"\n"
                                        "[control]\nanything = 1\n");
    auto r = parse_vector({"--config", path});
    EXPECT_TRUE(r.opts) << r.message;
    std::remove(path.c_str());
}

TEST(config_file, the_dataplane_reads_the_digest_settings_of_control_tables) {
    const std::string path = write_temp(
        "[dataplane]\nport = \"net_tap0\"\naddress = \"198.51.100.1\"\n"
        "[control]\nnonce_secret = \"0123456789abcdef0123\"\nsqlite = \"/x\"\n"
        "[auth]\ninvite = true\ninvite_nonce_lifetime = 12\nalgorithms = [\"MD5\"]\n"
        "[[domains]]\nname = \"atlanta.example.com\"\n"
        "[[domains]]\nname = \"biloxi.example.com\"\nrealm = \"biloxi\"\n");
    auto r = parse_vector({"--config", path});
    ASSERT_TRUE(r.opts) << r.message;
    const proxy::auth_config& a = r.opts->auth;
    EXPECT_TRUE(a.invite);
    EXPECT_EQ(a.nonce_lifetime, 12u);
    EXPECT_EQ(a.nonce_secret, "0123456789abcdef0123");
    EXPECT_TRUE(a.offer_md5);
    EXPECT_FALSE(a.offer_sha256);
    ASSERT_EQ(a.realms.size(), 2u);
    EXPECT_EQ(a.realms[0].realm, "atlanta.example.com"); // default: the domain
    EXPECT_EQ(a.realms[1].realm, "biloxi");
    std::remove(path.c_str());

    const std::string bad = write_temp("[auth]\ninvite_nonce_lifetime = 1\n");
    auto e = parse_vector({"--config", bad, "--port", "net_tap0", "--ip", "198.51.100.1"});
    EXPECT_FALSE(e.opts);
    EXPECT_NE(e.message.find(":2:1: auth.invite_nonce_lifetime: must be between 5 and 3600"),
              std::string::npos)
        << e.message;
    std::remove(bad.c_str());
}

TEST(options, worker_lists_are_checked) {
    EXPECT_FALSE(parse_vector({"--port", "p", "--ip", "198.51.100.1", "--workers", "1,1"}).opts);
    EXPECT_FALSE(parse_vector({"--port", "p", "--ip", "198.51.100.1", "--workers", "0,1"}).opts);
    EXPECT_FALSE(parse_vector({"--port", "p", "--ip", "198.51.100.1", "--workers", "1,"}).opts);
    auto r = parse_vector({"--port", "p", "--ip", "198.51.100.1", "--workers", "1,2",
                           "--route", ".example.net=198.51.100.3:5080", "--contact",
                           "bob@example.com=sip:bob@198.51.100.3"});
    ASSERT_TRUE(r.opts) << r.message;
    EXPECT_EQ(r.opts->proxy.routes.at(0).next_hop.port, 5080);
    EXPECT_EQ(r.opts->contacts.at(0).uri, "sip:bob@198.51.100.3");
}

TEST(eal_setup, lcores_beyond_the_cpus_share_them) {
    options o;
    o.port_device = "net_tap0";
    o.worker_lcores = {1, 2};
    eal_plan p = plan_eal(o, hugepage_info{0, 2048}, "sipedge", 2);
    EXPECT_TRUE(has(p.args, "0,1,2@0"));
    EXPECT_NE(p.reason.find("share CPUs"), std::string::npos);
    eal_plan q = plan_eal(o, hugepage_info{0, 2048}, "sipedge", 4);
    EXPECT_TRUE(has(q.args, "0,1,2"));
    EXPECT_TRUE(has(q.args, "sipedge")); // --file-prefix
}

} // namespace
} // namespace sipedge::dataplane

namespace sipedge::dataplane {
namespace {

TEST(eal_setup, pci_addresses_are_allowed_and_vdevs_stay_virtual) {
    EXPECT_TRUE(is_pci_address("0000:3b:00.0"));
    EXPECT_TRUE(is_pci_address("3b:00.1"));
    EXPECT_TRUE(is_pci_address("0000:3b:00.0,rxq_cqe_comp_en=0"));
    EXPECT_FALSE(is_pci_address("net_tap0,iface=dtap0"));
    EXPECT_FALSE(is_pci_address("3b:00"));
    EXPECT_FALSE(is_pci_address("zz:00.0"));
    options o;
    o.port_device = "0000:3b:00.0";
    eal_plan pci = plan_eal(o, hugepage_info{0, 2048}, "sipedge", 0);
    EXPECT_TRUE(has(pci.args, "-a"));
    EXPECT_FALSE(has(pci.args, "--no-pci"));
    o.port_device = "net_tap0";
    eal_plan tap = plan_eal(o, hugepage_info{0, 2048}, "sipedge", 0);
    EXPECT_TRUE(has(tap.args, "--vdev"));
    EXPECT_TRUE(has(tap.args, "--no-pci"));
}

} // namespace
} // namespace sipedge::dataplane
