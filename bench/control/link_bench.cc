// REGISTERs through the shared-memory link and the whole control daemon: a feeder
// thread plays the dataplane (pushes prepared, correctly authenticated REGISTERs
// into two lcores' to_control rings and pops the responses), while the control
// thread runs control_daemon::poll() — parse, digest check, registrar update, 200 OK
// back through the from_control ring, SQLite write of the changed AORs (one
// transaction per pass, WAL, synchronous=NORMAL) and republication of the location
// snapshot. No NIC and no sockets: this is the control core's share of the full
// path. Reports REGISTERs/s of wall time and per second of the control thread's CPU.

#include "common/ipc/link.hh"
#include "control/control_daemon.hh"
#include "control/location/sqlite_store.hh"

#include <atomic>
#include <benchmark/benchmark.h>
#include <cstdio>
#include <ctime>
#include <pthread.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace sipedge;
using namespace sipedge::control;

constexpr int users = 5000;
constexpr int rounds = 10;
constexpr std::int64_t now = 1'700'000'000;
const std::string realm = "bench.example.com";

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void register_through_link(benchmark::State& state) {
    const std::string dir = "/tmp/sipedge-link-bench-" + std::to_string(::getpid());
    std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
    config::control_config cfg;
    cfg.shm_path = "/dev/shm/sipedge-link-bench-" + std::to_string(::getpid());
    cfg.sqlite_path = dir + "/location.sqlite";
    cfg.nonce_secret = "link-bench-secret-0123456789";
    cfg.nonce_lifetime = 3600;
    cfg.domains = {{realm, realm}};
    cfg.algorithms = {auth::digest_algorithm::md5};

    // Users straight into the store (one transaction), then prepared requests with
    // nonces from a manager sharing control's secret.
    auth::hasher h;
    std::vector<auth::stored_credential> creds;
    {
        std::string err;
        auto store = location::sqlite_store::open(cfg.sqlite_path, err);
        (void)store->begin();
        for (int i = 0; i < users; ++i) {
            const std::string u = "user" + std::to_string(i);
            creds.push_back(auth::compute_credential(h, u, realm, "pw" + u));
            (void)store->put_user(u, realm, creds.back());
        }
        (void)store->commit();
    }
    auth::nonce_manager nonces(cfg.nonce_secret, cfg.nonce_lifetime);
    std::vector<std::string> nonce_of;
    for (int i = 0; i < users; ++i) {
        nonce_of.push_back(nonces.issue(now, realm));
    }
    std::vector<std::string> requests;
    for (int r = 0; r < rounds; ++r) {
        for (int i = 0; i < users; ++i) {
            const std::string u = "user" + std::to_string(i);
            char nc[9];
            std::snprintf(nc, sizeof nc, "%08x", r + 1);
            const auto& n = nonce_of[static_cast<std::size_t>(i)];
            const std::string resp = auth::client_response(
                h, auth::digest_algorithm::md5, creds[static_cast<std::size_t>(i)].ha1_md5,
                "REGISTER", "sip:" + realm, n, nc, "c0ffee", "auth");
            requests.push_back(
                "REGISTER sip:" + realm +
                " SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK" + std::to_string(r) +
                "x" + std::to_string(i) + "\r\nMax-Forwards: 70\r\nFrom: <sip:" + u + "@" + realm +
                ">;tag=f\r\nTo: <sip:" + u + "@" + realm + ">\r\nCall-ID: reg-" +
                std::to_string(i) + "@192.0.2.10\r\nCSeq: " + std::to_string(r + 1) +
                " REGISTER\r\nContact: <sip:" + u +
                "@192.0.2.10:5060>;expires=3600\r\n"
                "Authorization: Digest username=\"" +
                u + "\", realm=\"" + realm + "\", nonce=\"" + n + "\", uri=\"sip:" + realm +
                "\", response=\"" + resp + "\", algorithm=MD5, qop=auth, nc=" + nc +
                ", cnonce=\"c0ffee\"\r\nContent-Length: 0\r\n\r\n");
        }
    }

    auto dp = ipc::dataplane_link::create(cfg.shm_path, 2);
    if (!dp.ok()) {
        state.SkipWithError("cannot create the link");
        return;
    }
    ipc::dataplane_link& link = *dp.value();
    control_daemon daemon(cfg);
    std::string err;
    if (!daemon.start(now, err)) {
        state.SkipWithError(err.c_str());
        return;
    }
    daemon.poll(now); // attach and first publication

    for (auto _ : state) {
        std::atomic<bool> done{false};
        double control_cpu = 0;
        std::thread control_thread([&] {
            pthread_setname_np(pthread_self(), "control");
            const double t0 = thread_cpu_seconds();
            while (!done.load(std::memory_order_acquire)) {
                // Idle passes give the core away, as sipedge-control's poll() wait does.
                if (daemon.poll(now) == 0) {
                    std::this_thread::yield();
                }
            }
            control_cpu = thread_cpu_seconds() - t0;
        });
        const auto t0 = std::chrono::steady_clock::now();
        std::size_t sent = 0;
        std::size_t answered = 0;
        std::size_t ok = 0;
        ipc::message_meta meta;
        meta.source = ipc::endpoint::ipv4(0xc000020a, 5060);
        ipc::received_message m;
        while (answered < requests.size()) {
            for (std::uint16_t l = 0; l < 2; ++l) {
                link.quiescent(l);
                while (sent < requests.size() &&
                       link.push_to_control(l, requests[sent], meta) == ipc::push_result::ok) {
                    ++sent;
                }
                while (link.pop_from_control(l, m)) {
                    ++answered;
                    ok += m.bytes.compare(0, 11, "SIP/2.0 200") == 0 ? 1 : 0;
                }
                link.release_from_control(l);
            }
        }
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        done.store(true, std::memory_order_release);
        control_thread.join();
        state.SetIterationTime(wall);
        state.counters["registers_per_s_wall"] = static_cast<double>(answered) / wall;
        state.counters["registers_per_control_cpu_s"] = static_cast<double>(answered) / control_cpu;
        state.counters["answered_200"] = static_cast<double>(ok);
        state.counters["not_200"] = static_cast<double>(answered - ok);
    }
    state.counters["bindings"] = static_cast<double>(daemon.bindings().binding_count());
    state.counters["publishes"] = static_cast<double>(daemon.stats().publishes);
    std::system(("rm -rf " + dir).c_str());
}

BENCHMARK(register_through_link)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
