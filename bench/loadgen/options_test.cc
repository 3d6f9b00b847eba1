// sipedge-loadgen's command line: every bad argument is refused with exit
// status 2 and a message naming the problem; good ones land in the settings.

#include "bench/loadgen/options.hh"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace sipedge::loadgen {
namespace {

parse_outcome parse(std::vector<std::string> args) {
    args.insert(args.begin(), "sipedge-loadgen");
    std::vector<char*> argv;
    for (std::string& a : args) {
        argv.push_back(a.data());
    }
    return parse_options(static_cast<int>(argv.size()), argv.data());
}

std::vector<std::string> good() {
    return {"--port",  "net_ring0",    "--uac",  "198.51.100.2", "--uas",   "198.51.100.3:5070",
            "--proxy", "198.51.100.1", "--rate", "250",          "--calls", "1000"};
}

void expect_refused(std::vector<std::string> args, const std::string& says) {
    const parse_outcome r = parse(args);
    EXPECT_FALSE(r.opts.has_value()) << says;
    EXPECT_EQ(r.exit_code, 2) << says;
    EXPECT_NE(r.message.find(says), std::string::npos) << "message was: " << r.message;
}

TEST(LoadgenOptions, SearchSettings) {
    std::vector<std::string> a = good();
    a.insert(a.end(), {"--search", "--max-rate", "400000", "--bisection-steps", "2",
                       "--search-pause", "0.5"});
    const parse_outcome r = parse(a);
    ASSERT_TRUE(r.opts.has_value()) << r.message;
    EXPECT_TRUE(r.opts->search);
    EXPECT_EQ(r.opts->max_rate, 400000u);
    EXPECT_EQ(r.opts->bisection_steps, 2u);
    EXPECT_EQ(r.opts->search_pause_ms, 500u);
    const parse_outcome plain = parse(good());
    ASSERT_TRUE(plain.opts.has_value()) << plain.message;
    EXPECT_FALSE(plain.opts->search);
}

TEST(LoadgenOptions, GoodArgumentsLandInTheSettings) {
    std::vector<std::string> a = good();
    a.insert(a.end(), {"--duration", "0.5", "--hold", "20", "--json", "--max-failed", "3",
                       "--lcore", "4", "--main-lcore", "2", "--linger", "30", "--report-interval",
                       "0.1", "--eal", "--foo"});
    const parse_outcome r = parse(a);
    ASSERT_TRUE(r.opts.has_value()) << r.message;
    const options& o = *r.opts;
    EXPECT_EQ(o.engine.uac_ip, 0xc6336402u);
    EXPECT_EQ(o.engine.uac_port, 5061);
    EXPECT_EQ(o.engine.uas_port, 5070);
    EXPECT_EQ(o.engine.next_hop_ip, 0xc6336401u);
    EXPECT_EQ(o.engine.next_hop_port, 5060);
    EXPECT_EQ(o.engine.rate, 250u);
    EXPECT_EQ(o.engine.calls, 1000u);
    EXPECT_EQ(o.engine.duration_ms, 500u);
    EXPECT_EQ(o.engine.hold_ms, 20u);
    EXPECT_TRUE(o.json);
    EXPECT_EQ(o.max_failed, 3u);
    EXPECT_FALSE(o.direct);
    EXPECT_EQ(o.linger_s, 30u);
    EXPECT_EQ(o.report_interval_ms, 100u);
    const dataplane::options eal = eal_options(o);
    EXPECT_EQ(eal.main_lcore, 2u);
    ASSERT_EQ(eal.worker_lcores.size(), 1u);
    EXPECT_EQ(eal.worker_lcores[0], 4u);
    EXPECT_EQ(eal.extra_eal_args.back(), "--foo");
}

TEST(LoadgenOptions, DirectSendsToTheUas) {
    const parse_outcome r = parse({"--port", "net_ring0", "--uac", "198.51.100.2", "--uas",
                                   "198.51.100.3", "--direct", "--duration", "2"});
    ASSERT_TRUE(r.opts.has_value()) << r.message;
    EXPECT_TRUE(r.opts->direct);
    EXPECT_EQ(r.opts->engine.next_hop_ip, r.opts->engine.uas_ip);
    EXPECT_EQ(r.opts->engine.next_hop_port, r.opts->engine.uas_port);
}

TEST(LoadgenOptions, HelpIsNotAnError) {
    const parse_outcome r = parse({"--help"});
    EXPECT_FALSE(r.opts.has_value());
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.message.find("--direct"), std::string::npos);
}

TEST(LoadgenOptions, BadArgumentsAreRefusedWithTheReason) {
    auto with = [](std::vector<std::string> extra) {
        std::vector<std::string> a = good();
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    expect_refused(with({"--bogus"}), "unknown argument '--bogus'");
    expect_refused(with({"--rate"}), "--rate needs a value");
    expect_refused(with({"--linger", "x"}), "--linger takes seconds");
    expect_refused(with({"--report-interval", "0.01"}), "--report-interval takes seconds");
    expect_refused(with({"--search"}), "--search needs --max-rate");
    expect_refused(with({"--max-rate", "5000"}), "belong to --search");
    expect_refused(with({"--search", "--max-rate", "10"}), "--max-rate must not be below --rate");
    expect_refused(with({"--search", "--max-rate", "5000", "--tolerate-failures"}),
                   "exclude each other");
    expect_refused(with({"--search", "--max-rate", "0"}), "--max-rate takes a rate");
    expect_refused(with({"--search", "--max-rate", "5000", "--bisection-steps", "21"}),
                   "--bisection-steps takes a count");
    expect_refused(with({"--rate", "0"}), "--rate takes calls per second");
    expect_refused(with({"--rate", "12x"}), "got '12x'");
    expect_refused(with({"--calls", "-5"}), "--calls takes a positive count");
    expect_refused(with({"--duration", "0"}), "--duration takes seconds");
    expect_refused(with({"--uac", "198.51.100.256"}), "--uac takes IPV4[:PORT]");
    expect_refused(with({"--uas", "198.51.100.3:0"}), "--uas takes IPV4[:PORT]");
    expect_refused(with({"--proxy", "proxy.example.com"}), "--proxy takes IPV4[:PORT]");
    expect_refused(with({"--t1", "600", "--t2", "500"}), "--t2 must not be below --t1");
    expect_refused(with({"--hugepages", "maybe"}), "--hugepages takes auto, yes or no");
    expect_refused(with({"--main-lcore", "1", "--lcore", "1"}), "must differ");
    expect_refused(with({"--instance", "a/b"}), "--instance takes a name without '/'");
    expect_refused(with({"--direct"}), "--direct and --proxy exclude each other");
    expect_refused(with({"--uas", "198.51.100.2"}), "need two different addresses");
    expect_refused(with({"--proxy", "198.51.100.3"}), "must differ from the UAC and UAS");
    expect_refused({"--port", "x", "--uac", "198.51.100.2", "--uas", "198.51.100.3", "--direct"},
                   "the run must be bounded");
    expect_refused({"--uac", "198.51.100.2", "--uas", "198.51.100.3", "--direct", "--calls", "1"},
                   "no port");
    expect_refused({"--port", "x", "--uac", "198.51.100.2", "--calls", "1", "--direct"},
                   "give both --uac and --uas");
    expect_refused(
        {"--port", "x", "--uac", "198.51.100.2", "--uas", "198.51.100.3", "--calls", "1"},
        "give --proxy");
}

} // namespace
} // namespace sipedge::loadgen

namespace sipedge::loadgen {
namespace {

TEST(LoadgenOptions, RegisterScenarioSettings) {
    std::vector<std::string> a = good();
    a.insert(a.end(), {"--scenario", "register", "--users", "5000", "--domain", "example.com",
                       "--password", "pw", "--expires", "600", "--no-reuse-nonce",
                       "--user-prefix", "u", "--idle-sleep-us", "20"});
    const parse_outcome r = parse(a);
    ASSERT_TRUE(r.opts.has_value()) << r.message;
    const engine_config& e = r.opts->engine;
    EXPECT_EQ(e.kind, scenario::register_);
    EXPECT_EQ(e.users, 5000u);
    EXPECT_EQ(e.domain, "example.com");
    EXPECT_EQ(e.password, "pw");
    EXPECT_EQ(e.expires_s, 600u);
    EXPECT_FALSE(e.reuse_nonce);
    EXPECT_EQ(e.user_prefix, "u");
    EXPECT_EQ(r.opts->idle_sleep_us, 20u);
}

TEST(LoadgenOptions, ScenarioCombinationsAreChecked) {
    auto with = [](std::initializer_list<std::string> more) {
        std::vector<std::string> a = good();
        a.insert(a.end(), more);
        return a;
    };
    expect_refused(with({"--scenario", "subscribe"}), "--scenario takes call, register or options");
    expect_refused(with({"--scenario", "register", "--password", "pw"}),
                   "--scenario register needs --domain");
    expect_refused(with({"--scenario", "register", "--domain", "example.com"}),
                   "--scenario register needs --domain D (the registrar's domain) and --password P");
    expect_refused(with({"--domain", "example.com"}), "--domain belongs to --scenario register");
    expect_refused(with({"--users", "10"}), "--users belongs to --scenario register or options");
    expect_refused(with({"--scenario", "options", "--hold", "10"}),
                   "--hold belongs to the call scenario");
    expect_refused(with({"--scenario", "options", "--password", "x"}),
                   "--password belongs to --scenario register");
    expect_refused(with({"--scenario", "register", "--domain", "d", "--password", "p",
                         "--registrar-password", "q"}),
                   "--registrar-password belongs to --scenario register with --direct");
    expect_refused(with({"--scenario", "register", "--domain", "a@b", "--password", "p"}),
                   "--domain takes a host name");
    expect_refused(with({"--scenario", "options", "--users", "0"}), "--users takes a count");
}

} // namespace
} // namespace sipedge::loadgen
