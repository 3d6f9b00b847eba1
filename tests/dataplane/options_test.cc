#include "dataplane/eal_setup.hh"
#include "dataplane/options.hh"

#include <algorithm>
#include <arpa/inet.h>
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
    ASSERT_EQ(r.opts->ports.size(), 1u);
    EXPECT_EQ(r.opts->ports[0].device, "net_tap0,iface=dtap0");
    EXPECT_EQ(r.opts->ports[0].prefix, 0); // every peer on-link
    const auto* b = reinterpret_cast<const unsigned char*>(&r.opts->ports[0].ipv4);
    EXPECT_EQ(b[0], 198);
    EXPECT_EQ(b[3], 1);
    EXPECT_EQ(r.opts->worker_lcores, std::vector<unsigned>{1});
    EXPECT_EQ(r.opts->hugepages, hugepage_mode::automatic);
}

TEST(options, several_ports_take_addresses_and_gateways_by_rank) {
    auto r = parse({"--port", "net_tap0", "--ip", "198.51.100.1", "--port", "net_tap1", "--ip",
                    "203.0.113.1/24", "--gateway", "0.0.0.0", "--gateway", "203.0.113.254"});
    ASSERT_TRUE(r.opts) << r.message;
    ASSERT_EQ(r.opts->ports.size(), 2u);
    EXPECT_EQ(r.opts->ports[1].device, "net_tap1");
    EXPECT_EQ(r.opts->ports[1].prefix, 24);
    EXPECT_EQ(r.opts->ports[1].gateway, htonl(0xcb0071feu));
    EXPECT_EQ(r.opts->ports[0].gateway, 0u);
    EXPECT_EQ(r.opts->proxy.host, "198.51.100.1"); // the first port's address

    auto missing = parse({"--port", "a", "--ip", "198.51.100.1", "--port", "b"});
    ASSERT_FALSE(missing.opts);
    EXPECT_NE(missing.message.find("no address for port 1 (b)"), std::string::npos);
    auto extra = parse({"--port", "a", "--ip", "198.51.100.1", "--ip", "198.51.100.2"});
    EXPECT_FALSE(extra.opts);
    auto same = parse({"--port", "a", "--ip", "198.51.100.1", "--port", "b", "--ip", "198.51.100.1"});
    ASSERT_FALSE(same.opts);
    EXPECT_NE(same.message.find("same address"), std::string::npos);
    auto gw_off = parse({"--port", "a", "--ip", "198.51.100.1/24", "--gateway", "203.0.113.1"});
    ASSERT_FALSE(gw_off.opts);
    EXPECT_NE(gw_off.message.find("inside its subnet"), std::string::npos);
    EXPECT_FALSE(parse({"--port", "a", "--ip", "198.51.100.1/33"}).opts);
    EXPECT_FALSE(parse({"--port", "a", "--ip", "198.51.100.1/"}).opts);
}

// One worker at steady state holds ~101 transaction-seconds per call (RFC 6026's
// 32 s timers): 16M transactions is room for ~160,000 calls/s.
TEST(options, transaction_table_takes_up_to_sixteen_million) {
    auto r = parse({"--port", "net_tap0", "--ip", "198.51.100.1", "--transactions", "16777216"});
    ASSERT_TRUE(r.opts) << r.message;
    EXPECT_EQ(r.opts->proxy.transaction_capacity, 16777216u);
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
        {{"--port", "net_tap0", "--ip", "198.51.100.1", "--control-ring-slots", "4"}, "16-65536"},
        {{"--port", "net_tap0", "--ip", "198.51.100.1", "--idle-sleep-us", "x"}, "microseconds"},
        {{"--port", "net_tap0", "--ip", "198.51.100.1", "--transactions", "16777217"},
         "64-16777216"},
        {{"--port", "net_tap0", "--ip", "198.51.100.1", "--transactions", "63"}, "64-16777216"},
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
    o.ports = {{"net_tap0"}};
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
    o.ports = {{"net_tap0"}};
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
    ASSERT_EQ(o.ports.size(), 1u);
    EXPECT_EQ(o.ports[0].device, "net_tap0,iface=sipedge0");
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
        {"[dataplane]\naddress = \"198.51.100.300\"\n", "2:1: dataplane.address: must be an IPv4 address"},
        {"[dataplane]\nport = \"a\"\n[[dataplane.ports]]\ndevice = \"b\"\naddress = \"198.51.100.1\"\n", "3:13: dataplane.ports: give either"},
        {"[[dataplane.ports]]\ndevice = \"b\"\naddress = \"198.51.100.1/40\"\n", "3:1: dataplane.ports[0].address: must be an IPv4 address"},
        {"[[dataplane.ports]]\ndevice = \"b\"\naddress = \"198.51.100.1\"\nvlan = 3\n", "4:1: dataplane.ports[0].vlan: unknown key"},
        {"[dataplane]\n\nsip_port = 70000\n", "3:1: dataplane.sip_port: must be between 1 and 65535"},
        {"[dataplane]\nprot = \"x\"\n", "2:1: dataplane.prot: unknown key"},
        {"[proxy]\nrecord_route = \"yes\"\n", "2:1: proxy.record_route: must be true or false"},
        {"[proxy]\ntransactions_per_lcore = 16777217\n", "2:1: proxy.transactions_per_lcore: must be between 64 and 16777216"},
        {"[proxy.timers]\nt1_ms = 0\n", "2:1: proxy.timers.t1_ms: must be between 1 and 60000"},
        {"[[route]]\ndomain = \"x.org\"\nnext_hop = \"uas.example\"\n", "3:1: route.next_hop: 'uas.example' is not IPV4:PORT"},
        {"[[route]]\nnext_hop = \"198.51.100.3\"\n", "1:1: route.domain: is required"},
        {"[[contact]]\naor = \"bob\"\nuri = \"sip:bob@198.51.100.3\"\n", "2:1: contact.aor: must be user@host"},
        {"[dataplane]\nworker_lcores = []\n", "2:1: dataplane.worker_lcores: must be a non-empty array"},
        {"[dataplane]\ncontrol_ring_slots = 8\n", "2:1: dataplane.control_ring_slots: must be between 16 and 65536"},
        {"[dataplane]\nidle_sleep_us = -1\n", "2:1: dataplane.idle_sleep_us: must be between 0 and 100000"},
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

TEST(config_file, several_ports_as_an_array_of_tables) {
    const std::string path = write_temp(
        "[[dataplane.ports]]\ndevice = \"net_tap0\"\naddress = \"198.51.100.1/24\"\n"
        "[[dataplane.ports]]\ndevice = \"0000:3b:00.0\"\naddress = \"203.0.113.1/24\"\n"
        "gateway = \"203.0.113.254\"\n");
    auto r = parse_vector({"--config", path});
    ASSERT_TRUE(r.opts) << r.message;
    ASSERT_EQ(r.opts->ports.size(), 2u);
    EXPECT_EQ(r.opts->ports[1].device, "0000:3b:00.0");
    EXPECT_EQ(r.opts->ports[1].prefix, 24);
    EXPECT_NE(r.opts->ports[1].gateway, 0u);
    eal_plan p = plan_eal(*r.opts, hugepage_info{0, 2048}, "sipedge", 0);
    EXPECT_TRUE(has(p.args, "--vdev"));
    EXPECT_TRUE(has(p.args, "-a"));
    EXPECT_FALSE(has(p.args, "--no-pci"));
    // Ports on the command line replace the file's.
    auto c = parse_vector({"--config", path, "--port", "net_tap5", "--ip", "192.0.2.1"});
    ASSERT_TRUE(c.opts) << c.message;
    ASSERT_EQ(c.opts->ports.size(), 1u);
    EXPECT_EQ(c.opts->ports[0].device, "net_tap5");
    std::remove(path.c_str());
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
    o.ports = {{"net_tap0"}};
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
    o.ports = {{"0000:3b:00.0"}};
    eal_plan pci = plan_eal(o, hugepage_info{0, 2048}, "sipedge", 0);
    EXPECT_TRUE(has(pci.args, "-a"));
    EXPECT_FALSE(has(pci.args, "--no-pci"));
    o.ports = {{"net_tap0"}};
    eal_plan tap = plan_eal(o, hugepage_info{0, 2048}, "sipedge", 0);
    EXPECT_TRUE(has(tap.args, "--vdev"));
    EXPECT_TRUE(has(tap.args, "--no-pci"));
}

} // namespace
} // namespace sipedge::dataplane

namespace sipedge::dataplane {
namespace {

// [session_timers] (RFC 4028, issue 8).
TEST(config_file, session_timers_defaults_example_and_errors) {
    auto example = parse_vector({"--config", SIPEDGE_EXAMPLE_CONFIG});
    ASSERT_TRUE(example.opts) << example.message;
    const proxy::session_timer_config& st = example.opts->proxy.session_timers;
    EXPECT_TRUE(st.enabled);
    EXPECT_EQ(st.min_se, 90u);
    EXPECT_EQ(st.session_expires, 1800u);
    EXPECT_FALSE(st.insert_when_absent);
    EXPECT_EQ(st.on_expiry, proxy::expiry_action::forget);

    const std::string ok = write_temp("[session_timers]\nmin_se = 3600\nsession_expires = 7200\n"
                                      "insert_when_absent = true\non_expiry = \"bye\"\n");
    auto r = parse_vector({"--config", ok, "--port", "net_tap0", "--ip", "198.51.100.1"});
    ASSERT_TRUE(r.opts) << r.message;
    EXPECT_EQ(r.opts->proxy.session_timers.min_se, 3600u);
    EXPECT_EQ(r.opts->proxy.session_timers.session_expires, 7200u);
    EXPECT_TRUE(r.opts->proxy.session_timers.insert_when_absent);
    EXPECT_EQ(r.opts->proxy.session_timers.on_expiry, proxy::expiry_action::bye);
    std::remove(ok.c_str());

    const std::string only_min = write_temp("[session_timers]\nmin_se = 3600\n");
    r = parse_vector({"--config", only_min, "--port", "net_tap0", "--ip", "198.51.100.1"});
    ASSERT_TRUE(r.opts) << r.message;
    EXPECT_EQ(r.opts->proxy.session_timers.session_expires, 3600u); // follows Min-SE
    std::remove(only_min.c_str());

    const std::string lab = write_temp("[session_timers]\ntest_min_se_floor = 2\nmin_se = 3\n"
                                       "session_expires = 3\n");
    r = parse_vector({"--config", lab, "--port", "net_tap0", "--ip", "198.51.100.1"});
    ASSERT_TRUE(r.opts) << r.message;
    EXPECT_EQ(r.opts->proxy.session_timers.min_se, 3u);
    std::remove(lab.c_str());

    const std::vector<std::pair<std::string, std::string>> bad = {
        {"[session_timers]\nmin_se = 60\n",
         "2:1: session_timers.min_se: must be at least 90 seconds (RFC 4028 §4"},
        {"[session_timers]\non_expiry = \"drop\"\n",
         "2:1: session_timers.on_expiry: must be \"forget\" or \"bye\""},
        {"[session_timers]\nmin_se = 600\nsession_expires = 300\n",
         "3:1: session_timers.session_expires: must be at least min_se (600)"},
        {"[session_timers]\nmin_sec = 600\n", "2:1: session_timers.min_sec: unknown key"},
    };
    for (const auto& [text, expected] : bad) {
        const std::string path = write_temp(text);
        auto b = parse_vector({"--config", path});
        EXPECT_FALSE(b.opts) << text;
        EXPECT_NE(b.message.find(path + ":" + expected), std::string::npos)
            << "got: " << b.message << "\nwanted: " << expected;
        std::remove(path.c_str());
    }
}

} // namespace
} // namespace sipedge::dataplane
