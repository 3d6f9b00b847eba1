// sipedge-control: the control process (ARCHITECTURE.md). Attaches to the link
// file the dataplane creates, answers REGISTERs from its rings, publishes the
// location and credential snapshots, persists to SQLite, serves sipedgectl.
//
//   sipedge-control [--config FILE] [--socket PATH] [--shm PATH] [--sqlite PATH]
//
// FILE defaults to /etc/sipedge/sipedge.toml; the flags override its [control]
// settings. SIGINT/SIGTERM stop it cleanly; it can be restarted at any time (the
// dataplane keeps the last published snapshot meanwhile).

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#ifdef SIPEDGE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "control/cli/server.hh"
#include "control/config/control_config.hh"
#include "control/control_daemon.hh"

namespace {

std::atomic<bool> stop_requested{false};

void on_signal(int) {
    stop_requested.store(true);
}

// The allocator in use, checked rather than assumed (jemalloc answers mallctl).
std::string allocator_name() {
#ifdef SIPEDGE_JEMALLOC
    const char* version = nullptr;
    std::size_t len = sizeof version;
    if (mallctl("version", &version, &len, nullptr, 0) == 0 && version != nullptr) {
        return std::string("jemalloc ") + version;
    }
#endif
    return "system malloc";
}

int usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s [--config FILE] [--socket PATH] [--shm PATH] [--sqlite PATH]\n"
                 "  FILE defaults to /etc/sipedge/sipedge.toml\n",
                 argv0);
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    using namespace sipedge::control;
    std::string config_path = "/etc/sipedge/sipedge.toml";
    std::string socket_override, shm_override, sqlite_override;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) {
                return false;
            }
            out = argv[++i];
            return true;
        };
        bool ok = true;
        if (a == "--config") {
            ok = value(config_path);
        } else if (a == "--socket") {
            ok = value(socket_override);
        } else if (a == "--shm") {
            ok = value(shm_override);
        } else if (a == "--sqlite") {
            ok = value(sqlite_override);
        } else if (a == "--version") {
            std::printf("sipedge-control %s\n", std::string(control_version).c_str());
            return 0;
        } else {
            ok = false;
        }
        if (!ok) {
            return usage(argv[0]);
        }
    }

    config::config_result cfg = config::load_control_config(config_path);
    for (const auto& w : cfg.warnings) {
        std::fprintf(stderr, "sipedge-control: warning: %s\n", w.text().c_str());
    }
    if (!cfg.ok()) {
        for (const auto& e : cfg.errors) {
            std::fprintf(stderr, "sipedge-control: %s\n", e.text().c_str());
        }
        return 1;
    }
    if (!socket_override.empty()) {
        cfg.config.socket_path = socket_override;
    }
    if (!shm_override.empty()) {
        cfg.config.shm_path = shm_override;
    }
    if (!sqlite_override.empty()) {
        cfg.config.sqlite_path = sqlite_override;
    }

    control_daemon daemon(cfg.config);
    daemon.pin_paths(socket_override, shm_override, sqlite_override);
    std::string error;
    if (!daemon.start(std::time(nullptr), error)) {
        std::fprintf(stderr, "sipedge-control: %s\n", error.c_str());
        return 1;
    }
    cli::server cli;
    if (!cli.listen(cfg.config.socket_path, error)) {
        std::fprintf(stderr, "sipedge-control: %s\n", error.c_str());
        return 1;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    std::fprintf(stderr,
                 "sipedge-control %s (%s): config %s, link %s, store %s, cli %s; %zu users, "
                 "%zu bindings loaded\n",
                 std::string(control_version).c_str(), allocator_name().c_str(),
                 config_path.c_str(), cfg.config.shm_path.c_str(), cfg.config.sqlite_path.c_str(),
                 cfg.config.socket_path.c_str(), daemon.users().size(),
                 daemon.bindings().binding_count());

    bool was_attached = false;
    std::uint64_t attaches_seen = 0;
    int idle_wait_ms = 1;
    while (!stop_requested.load()) {
        const std::int64_t now = std::time(nullptr);
        cli.poll(idle_wait_ms, [&](std::string_view line) {
            nlohmann::json reply;
            try {
                reply = daemon.command(nlohmann::json::parse(line), now);
            } catch (const std::exception& e) {
                reply = {{"ok", false}, {"error", std::string("not JSON: ") + e.what()}};
            }
            return reply.dump();
        });
        const std::size_t handled = daemon.poll(std::time(nullptr));
        // Busy rings: poll again at once; idle: sleep in poll() up to 1 ms (the
        // REGISTER latency bound) — control owns no dataplane core.
        idle_wait_ms = handled != 0 ? 0 : 1;
        // Attach count too: a restarted dataplane is detached and re-attached
        // within one poll, so attached() alone never shows the change.
        if (daemon.attached() != was_attached || daemon.stats().attaches != attaches_seen) {
            was_attached = daemon.attached();
            attaches_seen = daemon.stats().attaches;
            std::fprintf(stderr, "sipedge-control: %s the dataplane link %s\n",
                         was_attached ? "attached to" : "lost", cfg.config.shm_path.c_str());
        }
    }
    daemon.flush(); // what changed since the last save round
    std::fprintf(stderr, "sipedge-control: stopping\n");
    return 0;
}
