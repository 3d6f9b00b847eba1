// control_daemon + the shm link + sipedgectl, end to end in one process: the test
// plays the dataplane (a real dataplane_link, REGISTERs pushed into its rings,
// lookups on its snapshots), restarts control and the dataplane, and drives the
// CLI against a live socket server.

#include "common/ipc/link.hh"
#include "control/cli/ctl.hh"
#include "control/cli/server.hh"
#include "control/control_daemon.hh"
#include "tests/control/control_test_support.hh"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace sipedge::control {
namespace {

using namespace sipedge::control::testing;

struct daemon_fixture : ::testing::Test {
    std::string dir = "/tmp/sipedge-daemon-test-" + std::to_string(::getpid());
    config::control_config cfg;
    std::unique_ptr<ipc::dataplane_link> dp;
    std::unique_ptr<control_daemon> daemon;
    std::int64_t now = 1'700'000'000;
    const ipc::endpoint phone = ipc::endpoint::ipv4(0xc0000204, 5060);
    const ipc::endpoint proxy_addr = ipc::endpoint::ipv4(0xcb007101, 5060);
    std::uint32_t ring_slots = 16;
    std::uint64_t credential_bytes = 1 << 14;

    void SetUp() override {
        std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
        cfg.source = "test";
        cfg.shm_path = "/dev/shm/sipedge-daemon-test-" + std::to_string(::getpid());
        cfg.sqlite_path = dir + "/location.sqlite";
        cfg.socket_path = dir + "/control.sock";
        cfg.nonce_secret = "daemon-test-secret-0123";
        cfg.publish_interval_ms = 0; // publish after every pass: tests see changes at once
        cfg.domains = {{"biloxi.example.com", "biloxi.example.com"}};
        make_dataplane();
        start_control();
    }
    void TearDown() override {
        daemon.reset();
        dp.reset();
        std::system(("rm -rf " + dir).c_str());
    }
    void make_dataplane() {
        ipc::link_sizes s;
        s.ring_slots = ring_slots;
        s.location_bytes = 1 << 16;
        s.credential_bytes = credential_bytes;
        auto r = ipc::dataplane_link::create(cfg.shm_path, 2, s);
        ASSERT_TRUE(r.ok()) << r.message();
        dp = std::move(r.value());
    }
    void start_control() {
        daemon = std::make_unique<control_daemon>(cfg);
        std::string err;
        ASSERT_TRUE(daemon->start(now, err)) << err;
    }
    // One dataplane pass on every lcore, then one control pass.
    void pass() {
        for (std::uint16_t l = 0; l < dp->lcore_count(); ++l) {
            dp->quiescent(l);
        }
        daemon->poll(now);
    }
    // REGISTER from the phone on lcore 1; returns the response control sent back.
    std::string exchange(const register_spec& s) {
        ipc::message_meta meta;
        meta.source = phone;
        meta.destination = proxy_addr;
        meta.token = 77;
        EXPECT_EQ(dp->push_to_control(1, register_text(s), meta), ipc::push_result::ok);
        pass();
        ipc::received_message m;
        if (!dp->pop_from_control(1, m)) {
            ADD_FAILURE() << "no response";
            return {};
        }
        EXPECT_EQ(m.meta.destination, phone);
        EXPECT_EQ(m.meta.source, proxy_addr);
        EXPECT_EQ(m.meta.token, 77u);
        std::string r(m.bytes);
        dp->release_from_control(1);
        return r;
    }
    void add_bob() { add_user("bob"); }
    void add_user(const std::string& user) {
        auth::hasher h;
        const auto c = auth::compute_credential(h, user, "biloxi.example.com", "zanzibar");
        const auto reply = daemon->command({{"cmd", "users.add"},
                                            {"user", user},
                                            {"realm", "biloxi.example.com"},
                                            {"ha1_md5", auth::to_hex(c.ha1_md5)},
                                            {"ha1_sha256", auth::to_hex(c.ha1_sha256)}},
                                           now);
        ASSERT_TRUE(reply.value("ok", false)) << reply.dump();
    }
    // Challenge, then an authenticated REGISTER; returns the final response.
    std::string register_bob(register_spec s) {
        const std::string challenge = exchange(s);
        EXPECT_EQ(status_of(challenge), 401) << challenge;
        digest_client c;
        s.cseq += 1;
        s.authorization =
            c.authorization("REGISTER", s.request_uri, challenge_nonce(challenge, "MD5"));
        return exchange(s);
    }
    std::vector<std::string> dataplane_contacts(const char* aor = "bob@biloxi.example.com") {
        dp->quiescent(0);
        std::vector<std::string> out;
        for (const ipc::contact_view& c : dp->lookup(0, aor)) {
            out.emplace_back(c.uri);
        }
        return out;
    }
};

TEST_F(daemon_fixture, register_through_the_rings_reaches_the_dataplane_snapshot) {
    pass();
    ASSERT_TRUE(daemon->attached());
    add_bob();
    pass();
    dp->quiescent(0);
    const ipc::credential_record* cr = dp->find_credential(0, "bob", "biloxi.example.com");
    ASSERT_NE(cr, nullptr) << "the credential table reached the dataplane";
    EXPECT_EQ(cr->flags, ipc::credential_has_md5 | ipc::credential_has_sha256);

    const std::string ok = register_bob({});
    EXPECT_EQ(status_of(ok), 200) << ok;
    EXPECT_EQ(dataplane_contacts(), std::vector<std::string>{"sip:bob@192.0.2.4"});
    EXPECT_EQ(daemon->stats().by_status[4], 1u);
    EXPECT_EQ(daemon->stats().by_status[2], 1u);

    const auto regs = daemon->command({{"cmd", "registrations"}}, now);
    ASSERT_EQ(regs["registrations"].size(), 1u);
    EXPECT_EQ(regs["registrations"][0]["contacts"][0]["received"], "192.0.2.4:5060");
}

// users.add only marks the credential table: a burst of adds (bench-register adds
// 10,000 over one connection) is published once by the next pass, not once per add.
TEST_F(daemon_fixture, a_burst_of_user_adds_is_published_once) {
    pass();
    ASSERT_TRUE(daemon->attached());
    const std::uint64_t publishes = daemon->stats().publishes;
    for (int i = 0; i < 50; ++i) {
        add_user("user" + std::to_string(i));
    }
    EXPECT_EQ(daemon->stats().publishes, publishes) << "nothing published by the commands";
    pass();
    EXPECT_EQ(daemon->stats().publishes, publishes + 1);
    dp->quiescent(0);
    for (int i = 0; i < 50; ++i) {
        EXPECT_NE(dp->find_credential(0, "user" + std::to_string(i), "biloxi.example.com"),
                  nullptr);
    }
}

TEST_F(daemon_fixture, wrong_password_through_the_rings_publishes_nothing) {
    pass();
    add_bob();
    register_spec s;
    const std::string challenge = exchange(s);
    digest_client c;
    c.password = "nope";
    s.cseq = 2;
    s.authorization = c.authorization("REGISTER", s.request_uri, challenge_nonce(challenge, "MD5"));
    EXPECT_EQ(status_of(exchange(s)), 401);
    EXPECT_TRUE(dataplane_contacts().empty());
}

TEST_F(daemon_fixture, control_restart_keeps_bindings_and_the_dataplane_keeps_routing) {
    pass();
    add_bob();
    ASSERT_EQ(status_of(register_bob({})), 200);
    daemon.reset(); // control stops
    EXPECT_EQ(dataplane_contacts(), std::vector<std::string>{"sip:bob@192.0.2.4"})
        << "the last published snapshot stays";
    now += 5;
    start_control();
    EXPECT_EQ(daemon->users().size(), 1u) << "users reloaded from SQLite";
    EXPECT_EQ(daemon->bindings().binding_count(), 1u) << "bindings reloaded from SQLite";
    pass();
    EXPECT_TRUE(daemon->attached());
    EXPECT_EQ(dataplane_contacts(), std::vector<std::string>{"sip:bob@192.0.2.4"});
    // The restarted control still accepts bob (same secret, HA1 from the store).
    register_spec s;
    s.call_id = "second@192.0.2.4";
    s.contacts = {"<sip:bob@192.0.2.5>"};
    const std::string r = register_bob(s);
    EXPECT_EQ(status_of(r), 200) << r;
    EXPECT_EQ(dataplane_contacts().size(), 2u);
}

TEST_F(daemon_fixture, dataplane_restart_gets_everything_republished) {
    pass();
    add_bob();
    ASSERT_EQ(status_of(register_bob({})), 200);
    dp.reset();
    make_dataplane(); // a new link file at the same path
    EXPECT_TRUE(dataplane_contacts().empty());
    now += 2; // attach retries are at most once a second
    pass();
    EXPECT_TRUE(daemon->attached());
    EXPECT_EQ(dataplane_contacts(), std::vector<std::string>{"sip:bob@192.0.2.4"});
    dp->quiescent(0);
    EXPECT_NE(dp->find_credential(0, "bob", "biloxi.example.com"), nullptr);
}

TEST_F(daemon_fixture, expiry_timer_unpublishes_and_purges) {
    pass();
    add_bob();
    register_spec s;
    s.expires = 60;
    ASSERT_EQ(status_of(register_bob(s)), 200);
    EXPECT_EQ(dataplane_contacts().size(), 1u);
    now += 61;
    pass();
    EXPECT_TRUE(dataplane_contacts().empty());
    EXPECT_EQ(daemon->bindings().binding_count(), 0u);
    daemon.reset();
    start_control();
    EXPECT_EQ(daemon->bindings().binding_count(), 0u) << "the expiry was persisted";
}

// A refresh that moves only the expiry is saved at once but published later: within
// refresh_publish_delay_s, or refresh_publish_margin_s before the earliest expiry
// the dataplane holds, whichever comes first. A new contact is published at once.
TEST_F(daemon_fixture, refresh_is_saved_at_once_and_published_when_due) {
    pass();
    add_bob();
    const std::int64_t t0 = now;
    register_spec s;
    s.expires = 60;
    ASSERT_EQ(status_of(register_bob(s)), 200);
    auto published_expiry = [&] {
        dp->quiescent(0);
        const auto cs = dp->lookup(0, "bob@biloxi.example.com");
        return cs.empty() ? std::int64_t{-1} : cs[0].expires_at;
    };
    ASSERT_EQ(published_expiry(), t0 + 60);
    const std::uint64_t publishes = daemon->stats().publishes;

    now = t0 + 10;
    s.cseq = 3; // same Call-ID, higher CSeq, same contact: a refresh
    ASSERT_EQ(status_of(register_bob(s)), 200);
    EXPECT_EQ(daemon->bindings().bindings("bob@biloxi.example.com")[0].expires_at, t0 + 70);
    EXPECT_EQ(daemon->stats().publishes, publishes) << "not republished for a refresh";
    EXPECT_EQ(published_expiry(), t0 + 60);
    now = t0 + 14;
    pass();
    EXPECT_EQ(published_expiry(), t0 + 60);
    now = t0 + 15; // refresh_publish_delay_s after the refresh
    pass();
    EXPECT_EQ(published_expiry(), t0 + 70);
    EXPECT_EQ(daemon->stats().publishes, publishes + 1);

    // Near the expiry the dataplane holds, the margin wins over the delay.
    now = t0 + 67;
    s.cseq = 5;
    ASSERT_EQ(status_of(register_bob(s)), 200);
    EXPECT_EQ(published_expiry(), t0 + 70);
    now = t0 + 68; // t0 + 70 - refresh_publish_margin_s
    pass();
    EXPECT_EQ(published_expiry(), t0 + 127);

    // The refresh was saved before it was published: a restarted control has it.
    now = t0 + 80;
    s.cseq = 7;
    ASSERT_EQ(status_of(register_bob(s)), 200);
    daemon.reset();
    start_control();
    EXPECT_EQ(daemon->bindings().bindings("bob@biloxi.example.com")[0].expires_at, t0 + 140);

    // A second contact changes the routes: published by the same pass.
    pass();
    register_spec other = s;
    other.call_id = "other@192.0.2.5";
    other.cseq = 1;
    other.contacts = {"<sip:bob@192.0.2.5>"};
    ASSERT_EQ(status_of(register_bob(other)), 200);
    EXPECT_EQ(dataplane_contacts().size(), 2u);
}

// Many AORs changed at once: the save round is one transaction written a slice per
// pass (the rings are drained in between), so nothing of it is on disk until its
// last slice, and then all of it is.
struct save_round_fixture : daemon_fixture {
    static constexpr int users = 150;
    save_round_fixture() {
        ring_slots = 256;
        credential_bytes = 1 << 16;
    }
    // users authenticated REGISTERs (user0..) queued on lcore 0, none handled yet
    // (every challenge is fetched first: exchange() runs passes).
    void queue_registrations() {
        pass();
        std::vector<register_spec> specs;
        for (int i = 0; i < users; ++i) {
            register_spec s;
            s.user = "user" + std::to_string(i);
            s.call_id = "round-" + s.user;
            s.contacts = {"<sip:" + s.user + "@192.0.2.4>"};
            add_user(s.user);
            const std::string challenge = exchange(s);
            ASSERT_EQ(status_of(challenge), 401) << challenge;
            digest_client c;
            c.user = s.user;
            s.cseq = 2;
            s.authorization =
                c.authorization("REGISTER", s.request_uri, challenge_nonce(challenge, "MD5"));
            specs.push_back(s);
        }
        ipc::message_meta meta;
        meta.source = phone;
        meta.destination = proxy_addr;
        for (const register_spec& s : specs) {
            ASSERT_EQ(dp->push_to_control(0, register_text(s), meta), ipc::push_result::ok);
        }
    }
    // AORs with bindings in the SQLite file, read through a connection of its own
    // (read-only: it sees the last commit, never an open round).
    std::size_t aors_on_disk() {
        sqlite3* db = nullptr;
        EXPECT_EQ(sqlite3_open_v2(cfg.sqlite_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
                  SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        std::size_t n = 0;
        if (sqlite3_prepare_v2(db, "SELECT COUNT(DISTINCT aor) FROM bindings", -1, &st, nullptr) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
            n = static_cast<std::size_t>(sqlite3_column_int64(st, 0));
        } else {
            ADD_FAILURE() << sqlite3_errmsg(db);
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
        return n;
    }
    // Passes until every queued REGISTER is answered (each with 200).
    void answer_all() {
        int answered = 0;
        for (int i = 0; i < 4 * users && answered < users; ++i) {
            pass();
            ipc::received_message m;
            while (dp->pop_from_control(0, m)) {
                EXPECT_EQ(status_of(m.bytes), 200) << m.bytes;
                dp->release_from_control(0);
                ++answered;
            }
        }
        EXPECT_EQ(answered, users);
    }
    // Passes until the file holds n AORs (up to 10 s).
    bool passes_until_on_disk(std::size_t n) {
        for (int i = 0; i < 1000; ++i) {
            pass();
            if (aors_on_disk() == n) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }
};

TEST_F(save_round_fixture, a_round_is_saved_across_passes_in_one_transaction) {
    queue_registrations();
    const std::uint64_t rounds = daemon->stats().save_rounds;
    pass(); // one burst of 64 answered; its round has begun (16 AORs a pass: backlog)
    EXPECT_EQ(daemon->bindings().aor_count(), 64u);
    EXPECT_EQ(aors_on_disk(), 0u) << "the open round is not committed";
    EXPECT_EQ(daemon->stats().save_rounds, rounds);
    answer_all();
    EXPECT_TRUE(passes_until_on_disk(users));
    EXPECT_GT(daemon->stats().save_rounds, rounds + 1);
    EXPECT_EQ(daemon->stats().store_errors, 0u);
}

TEST_F(save_round_fixture, flush_saves_the_open_round_and_what_changed_since) {
    queue_registrations();
    pass();
    ASSERT_EQ(aors_on_disk(), 0u);
    daemon->flush(); // as sipedge-control does when it stops
    EXPECT_EQ(aors_on_disk(), 64u);
    daemon.reset();
    start_control();
    EXPECT_EQ(daemon->bindings().aor_count(), 64u) << "a restart finds every answered AOR";
}

// A round SQLite refuses (here: another connection holds the file locked past the
// busy timeout) is rolled back whole; its AORs are saved by a later round, which
// waits four times as long as the failure took.
TEST_F(save_round_fixture, a_failed_round_is_rolled_back_and_retried) {
    cfg.publish_interval_ms = 1; // paced as in service
    daemon.reset();
    start_control();
    queue_registrations();
    sqlite3* locker = nullptr;
    ASSERT_EQ(sqlite3_open(cfg.sqlite_path.c_str(), &locker), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(locker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
    pass(); // the round of 64 cannot begin (after the 2 s busy timeout)
    EXPECT_EQ(daemon->stats().store_errors, 1u);
    ASSERT_EQ(sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(locker);
    answer_all(); // the next round waits: four times the 2 s the failure took
    EXPECT_EQ(aors_on_disk(), 0u);
    daemon->flush();
    EXPECT_EQ(aors_on_disk(), static_cast<std::size_t>(users)) << "the failed round's AORs too";
    EXPECT_EQ(daemon->stats().store_errors, 1u);
}

TEST_F(daemon_fixture, commands_reject_bad_requests) {
    EXPECT_FALSE(daemon->command(nlohmann::json::array(), now).value("ok", true));
    EXPECT_FALSE(daemon->command({{"cmd", "nope"}}, now).value("ok", true));
    EXPECT_FALSE(daemon->command({{"cmd", "users.add"}, {"user", "x"}}, now).value("ok", true));
    EXPECT_FALSE(daemon->command({{"cmd", "users.del"}, {"user", "x"}, {"realm", "y"}}, now)
                     .value("ok", true));
    EXPECT_FALSE(daemon->command({{"cmd", "realm"}, {"domain", "atlanta.example.com"}}, now)
                     .value("ok", true));
    EXPECT_EQ(daemon->command({{"cmd", "realm"}, {"domain", "BILOXI.example.com"}}, now)["realm"],
              "biloxi.example.com");
}

// ---- sipedgectl against a live server ----

struct cli_fixture : daemon_fixture {
    cli::server server;
    std::atomic<bool> stop{false};
    std::thread loop;

    void SetUp() override {
        daemon_fixture::SetUp();
        std::string err;
        ASSERT_TRUE(server.listen(cfg.socket_path, err)) << err;
        loop = std::thread([this] {
            while (!stop.load()) {
                server.poll(5, [this](std::string_view line) {
                    return daemon->command(nlohmann::json::parse(line), now).dump();
                });
            }
        });
    }
    void TearDown() override {
        stop.store(true);
        loop.join();
        daemon_fixture::TearDown();
    }
    int ctl(std::vector<std::string> args, std::string& out, std::string& err,
            const std::string& stdin_text = "") {
        args.insert(args.begin(), {"--socket", cfg.socket_path});
        std::istringstream in(stdin_text);
        std::ostringstream o, e;
        const int rc = cli::run_ctl(args, in, false, o, e);
        out = o.str();
        err = e.str();
        return rc;
    }
};

TEST_F(cli_fixture, users_add_list_del_with_password_from_stdin) {
    std::string out, err;
    ASSERT_EQ(ctl({"users", "add", "alice@biloxi.example.com"}, out, err, "wonderland\n"),
              cli::exit_ok)
        << err;
    EXPECT_NE(out.find("stored HA1"), std::string::npos);
    const auth::stored_credential* c = daemon->users().find("alice", "biloxi.example.com");
    ASSERT_NE(c, nullptr);
    auth::hasher h;
    EXPECT_EQ(c->ha1_md5,
              auth::compute_credential(h, "alice", "biloxi.example.com", "wonderland").ha1_md5);
    ASSERT_EQ(ctl({"users", "list"}, out, err), cli::exit_ok);
    EXPECT_NE(out.find("alice  biloxi.example.com  SHA-256 MD5"), std::string::npos) << out;
    ASSERT_EQ(ctl({"--json", "users", "list"}, out, err), cli::exit_ok);
    const auto j = nlohmann::json::parse(out);
    ASSERT_EQ(j["users"].size(), 1u);
    EXPECT_EQ(j["users"][0]["user"], "alice");
    EXPECT_EQ(ctl({"users", "add", "alice@atlanta.example.com"}, out, err, "x\n"), cli::exit_failed)
        << "a domain not served here";
    EXPECT_NE(err.find("not served"), std::string::npos) << err;
    EXPECT_EQ(ctl({"users", "add", "alice@biloxi.example.com"}, out, err, ""), cli::exit_failed)
        << "no password";
    ASSERT_EQ(ctl({"users", "del", "alice@biloxi.example.com"}, out, err), cli::exit_ok) << err;
    EXPECT_EQ(daemon->users().size(), 0u);
    EXPECT_EQ(ctl({"users", "del", "alice@biloxi.example.com"}, out, err), cli::exit_failed);
}

TEST_F(cli_fixture, status_and_registrations_tables_and_json) {
    pass();
    add_bob();
    ASSERT_EQ(status_of(register_bob({})), 200);
    std::string out, err;
    ASSERT_EQ(ctl({"status"}, out, err), cli::exit_ok) << err;
    EXPECT_NE(out.find("registrar     1 AORs, 1 bindings, 1 users"), std::string::npos) << out;
    EXPECT_NE(out.find("attached, 2 lcores"), std::string::npos) << out;
    ASSERT_EQ(ctl({"registrations"}, out, err), cli::exit_ok);
    EXPECT_EQ(out.rfind("AOR", 0), 0u) << out;
    EXPECT_NE(out.find("bob@biloxi.example.com  sip:bob@192.0.2.4  1.000  3600"), std::string::npos)
        << out;
    ASSERT_EQ(ctl({"--json", "registrations", "bob@BILOXI.example.com"}, out, err), cli::exit_ok);
    EXPECT_EQ(nlohmann::json::parse(out)["registrations"][0]["aor"], "bob@biloxi.example.com");
    EXPECT_EQ(ctl({"registrations", "carol@biloxi.example.com"}, out, err), cli::exit_failed);
}

TEST_F(cli_fixture, usage_and_dataplane_not_running) {
    std::string out, err;
    EXPECT_EQ(ctl({}, out, err), cli::exit_usage);
    EXPECT_EQ(ctl({"users", "frobnicate"}, out, err), cli::exit_usage);
    EXPECT_EQ(ctl({"users", "add", "nodomain"}, out, err, "pw\n"), cli::exit_usage);
    EXPECT_EQ(ctl({"stats", "--interval", "soon"}, out, err), cli::exit_usage);
    // No DPDK process of that instance: a clear message, not a hang or a crash.
    for (const char* cmd : {"stats", "transactions", "dialogs", "routes"}) {
        EXPECT_EQ(ctl({"--instance", "sipedge-no-such-instance", cmd}, out, err),
                  cli::exit_not_running)
            << cmd;
        EXPECT_NE(err.find("the dataplane is not running"), std::string::npos) << err;
        EXPECT_NE(err.find("sipedge-no-such-instance"), std::string::npos) << err;
    }
}

TEST(sipedgectl, control_not_running_is_a_clear_error) {
    std::istringstream in;
    std::ostringstream out, err;
    const int rc = cli::run_ctl({"--socket", "/tmp/sipedge-no-such-control.sock", "status"}, in,
                                false, out, err);
    EXPECT_EQ(rc, cli::exit_not_running);
    EXPECT_NE(err.str().find("control is not running"), std::string::npos) << err.str();
}

TEST(sipedgectl, config_check_reports_errors_without_control) {
    const std::string path = "/tmp/sipedge-ctl-check-" + std::to_string(::getpid()) + ".toml";
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("[registrar]\nmax_contacts = 0\n", f);
    std::fclose(f);
    std::istringstream in;
    std::ostringstream out, err;
    EXPECT_EQ(cli::run_ctl({"config", "check", path}, in, false, out, err), cli::exit_failed);
    EXPECT_NE(err.str().find(path + ":2: registrar.max_contacts:"), std::string::npos) << err.str();
    f = std::fopen(path.c_str(), "w");
    std::fputs("[[domains]]\nname = \"biloxi.example.com\"\n[control]\nnonce_secret = "
               "\"0123456789abcdef\"\n",
               f);
    std::fclose(f);
    std::ostringstream out2, err2;
    EXPECT_EQ(cli::run_ctl({"config", "check", path}, in, false, out2, err2), cli::exit_ok)
        << err2.str();
    std::remove(path.c_str());
}

} // namespace
} // namespace sipedge::control
