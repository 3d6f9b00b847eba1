// sipedgectl reload against a live control: the file is re-read, control's live
// keys applied, restart-only keys reported, a broken file (control's or the
// dataplane's tables) refused with file:line and nothing applied.

#include "control/cli/ctl.hh"
#include "control/cli/server.hh"
#include "control/config/reload_diff.hh"
#include "control/control_daemon.hh"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace sipedge::control {
namespace {

const char* base_file = R"([control]
socket = "SOCK"
shm = "/dev/shm/sipedge-reload-test-none"
sqlite = "DIR/location.sqlite"
nonce_secret = "reload-test-secret-0123"

[registrar]
max_contacts = 10

[[domains]]
name = "biloxi.example.com"

[dataplane]
worker_lcores = [1]

[[route]]
domain = "atlanta.example.com"
next_hop = "198.51.100.7:5060"
)";

struct reload_fixture : ::testing::Test {
    std::string dir = "/tmp/sipedge-reload-test-" + std::to_string(::getpid());
    std::string file = dir + "/sipedge.toml";
    std::string sock = dir + "/control.sock";
    std::unique_ptr<control_daemon> daemon;
    cli::server server;
    std::thread loop;
    std::atomic<bool> stop{false};

    void write(std::string text) {
        for (auto [from, to] : {std::pair<std::string, std::string>{"SOCK", sock}, {"DIR", dir}}) {
            for (std::size_t at; (at = text.find(from)) != std::string::npos;) {
                text.replace(at, from.size(), to);
            }
        }
        FILE* f = std::fopen(file.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs(text.c_str(), f);
        std::fclose(f);
    }
    void SetUp() override {
        std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
        write(base_file);
        config::config_result c = config::load_control_config(file);
        ASSERT_TRUE(c.ok());
        daemon = std::make_unique<control_daemon>(c.config);
        std::string err;
        ASSERT_TRUE(daemon->start(1'700'000'000, err)) << err;
        ASSERT_TRUE(server.listen(sock, err)) << err;
        loop = std::thread([this] {
            while (!stop.load()) {
                server.poll(5, [this](std::string_view line) {
                    return daemon->command(nlohmann::json::parse(line), 1'700'000'000).dump();
                });
            }
        });
    }
    void TearDown() override {
        stop.store(true);
        loop.join();
        daemon.reset();
        std::system(("rm -rf " + dir).c_str());
    }
    int ctl(std::vector<std::string> args, std::string& out, std::string& err) {
        args.insert(args.begin(), {"--socket", sock, "--instance", "sipedge-reload-none"});
        std::istringstream in;
        std::ostringstream o, e;
        const int rc = cli::run_ctl(args, in, false, o, e);
        out = o.str();
        err = e.str();
        return rc;
    }
    std::string with(const std::string& from, const std::string& to) {
        std::string t = base_file;
        t.replace(t.find(from), from.size(), to);
        return t;
    }
};

TEST_F(reload_fixture, applies_live_keys_and_names_the_ones_needing_a_restart) {
    write(with("max_contacts = 10", "max_contacts = 3"));
    std::string out, err;
    ASSERT_EQ(ctl({"reload"}, out, err), cli::exit_ok) << err;
    EXPECT_EQ(daemon->bindings().limits().max_contacts, 3u);
    EXPECT_NE(out.find("control    applied: registrar.max_contacts; needs a restart: nothing"),
              std::string::npos)
        << out;
    // Not attached to a dataplane: said, not hidden.
    EXPECT_NE(out.find("dataplane  not signalled"), std::string::npos) << out;

    write(with("reload-test-secret-0123", "another-secret-0123456"));
    ASSERT_EQ(ctl({"--json", "reload"}, out, err), cli::exit_ok) << err;
    const auto j = nlohmann::json::parse(out);
    EXPECT_EQ(j["restart"], nlohmann::json::array({"control.nonce_secret"})) << out;
    EXPECT_EQ(j["applied"], nlohmann::json::array({"registrar.max_contacts"})) << out;
}

TEST_F(reload_fixture, broken_files_are_refused_with_file_line_and_nothing_applied) {
    // Control's table broken (line 8), with a live change elsewhere in the file.
    write(with("max_contacts = 10", "max_contacts = 0"));
    std::string out, err;
    EXPECT_EQ(ctl({"reload"}, out, err), cli::exit_failed);
    EXPECT_NE(err.find(file + ":8: registrar.max_contacts"), std::string::npos) << err;
    EXPECT_EQ(daemon->bindings().limits().max_contacts, 10u);
    // The dataplane's table broken (line 18): refused before anything is applied.
    std::string t = with("198.51.100.7:5060", "not-an-address");
    t.replace(t.find("max_contacts = 10"), 17, "max_contacts = 4");
    write(t);
    EXPECT_EQ(ctl({"reload"}, out, err), cli::exit_failed);
    EXPECT_NE(err.find(file + ":18:"), std::string::npos) << err;
    EXPECT_NE(err.find("route.next_hop"), std::string::npos) << err;
    EXPECT_EQ(daemon->bindings().limits().max_contacts, 10u);
    // config check names the same place, without control.
    EXPECT_EQ(ctl({"config", "check", file}, out, err), cli::exit_failed);
    EXPECT_NE(err.find(file + ":18:"), std::string::npos) << err;
}

TEST(reload_diff, splits_live_and_restart_keys) {
    config::control_config a, b;
    EXPECT_TRUE(config::diff_control_config(a, b).applied.empty());
    EXPECT_TRUE(config::diff_control_config(a, b).restart.empty());
    b.registrar.min_expires = 30;
    b.domains = {{"x.example.com", ""}};
    b.sqlite_path = "/tmp/other.sqlite";
    const auto d = config::diff_control_config(a, b);
    EXPECT_EQ(d.applied, (std::vector<std::string>{"registrar.min_expires", "domains"}));
    EXPECT_EQ(d.restart, (std::vector<std::string>{"control.sqlite"}));
}

} // namespace
} // namespace sipedge::control
