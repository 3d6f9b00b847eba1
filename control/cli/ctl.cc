#include "control/cli/ctl.hh"

#include "control/auth/digest.hh"
#include "control/cli/dataplane_views.hh"
#include "control/cli/server.hh"
#include "control/cli/telemetry_client.hh"
#include "control/config/control_config.hh"
#include "control/control_daemon.hh"
#include "dataplane/config_file.hh"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <termios.h>
#include <thread>
#include <toml++/toml.h>
#include <unistd.h>

namespace sipedge::control::cli {

namespace {

using nlohmann::json;

constexpr const char* default_config = "/etc/sipedge/sipedge.toml";
constexpr const char* default_socket = "/run/sipedge/control.sock";

const char* usage_text =
    "usage: sipedgectl [--socket PATH | --config FILE] [--instance NAME] [--json] COMMAND\n"
    "  status | registrations [AOR] | users add|del USER@DOMAIN [--realm REALM]\n"
    "  users list | config check FILE | reload | version\n"
    "  stats [--interval SECONDS] [--all] | transactions | dialogs | routes\n"
    "    (these read the dataplane's telemetry socket of instance NAME)\n";

std::string text(const json& v) {
    if (v.is_string()) {
        return v.get<std::string>();
    }
    if (v.is_null()) {
        return "-";
    }
    return v.dump();
}

std::string read_password(std::istream& in, bool tty, std::ostream& err, const std::string& who,
                          std::string& error) {
    if (!tty) {
        std::string line;
        if (!std::getline(in, line)) {
            error = "no password on stdin";
            return {};
        }
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
            line.pop_back();
        }
        return line;
    }
    termios old{};
    const bool can_hide = ::tcgetattr(STDIN_FILENO, &old) == 0;
    auto ask = [&](const char* prompt) {
        err << prompt << who << ": " << std::flush;
        if (can_hide) {
            termios quiet = old;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        }
        std::string line;
        std::getline(in, line);
        if (can_hide) {
            ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
        }
        err << "\n";
        return line;
    };
    const std::string a = ask("Password for ");
    const std::string b = ask("Again, password for ");
    if (a != b) {
        error = "the passwords differ";
        return {};
    }
    return a;
}

struct ctl {
    std::istream& in;
    bool tty;
    std::ostream& out;
    std::ostream& err;
    std::string socket;
    std::string instance;
    bool as_json = false;

    // Telemetry of the dataplane; prints the failure and returns false when it fails.
    bool query(const std::vector<std::string>& commands, std::vector<json>& replies) {
        std::string error;
        if (!telemetry_query(telemetry_socket_path(instance), commands, replies, error)) {
            err << "sipedgectl: " << error << " (instance \"" << instance
                << "\"; --instance or [dataplane] instance names it)\n";
            return false;
        }
        return true;
    }

    bool lcores(std::vector<int>& ids) {
        std::vector<json> r;
        if (!query({"/sipedge/lcores"}, r)) {
            return false;
        }
        if (!r[0].is_array()) {
            err << "sipedgectl: this process does not serve /sipedge/lcores (not sipedge?)\n";
            return false;
        }
        for (const auto& v : r[0]) {
            ids.push_back(v.get<int>());
        }
        return true;
    }

    std::vector<std::string> per_lcore(const std::string& cmd, const std::vector<int>& ids) {
        std::vector<std::string> c;
        for (int id : ids) {
            c.push_back(cmd + "," + std::to_string(id));
        }
        return c;
    }

    int stats(const std::vector<std::string>& a) {
        double interval = 1.0;
        bool all = false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a[i] == "--all") {
                all = true;
            } else if (a[i] == "--interval" && i + 1 < a.size()) {
                char* end = nullptr;
                interval = std::strtod(a[++i].c_str(), &end);
                if (end == a[i].c_str() || *end != '\0' || interval < 0 || interval > 3600) {
                    err << "sipedgectl: --interval takes seconds (0-3600)\n";
                    return exit_usage;
                }
            } else {
                err << usage_text;
                return exit_usage;
            }
        }
        std::vector<int> ids;
        if (!lcores(ids)) {
            return exit_not_running;
        }
        const std::vector<std::string> cmds = per_lcore("/sipedge/counters", ids);
        std::vector<json> first, second;
        const auto t0 = std::chrono::steady_clock::now();
        if (!query(cmds, first)) {
            return exit_not_running;
        }
        if (interval > 0) {
            std::this_thread::sleep_for(std::chrono::duration<double>(interval));
        }
        const auto t1 = std::chrono::steady_clock::now();
        if (!query(cmds, second)) {
            return exit_not_running;
        }
        // The measured gap, not the requested one: rates stay right on a busy machine.
        const double measured = std::chrono::duration<double>(t1 - t0).count();
        json doc = stats_document(ids, first, second, interval > 0 ? measured : 0.0);
        if (as_json) {
            doc["ok"] = true;
            doc["instance"] = instance;
            out << doc.dump(2) << "\n";
        } else {
            print_stats(out, doc, all);
        }
        return exit_ok;
    }

    int summary(const std::string& what) {
        std::vector<int> ids;
        std::vector<json> r;
        if (!lcores(ids) || !query(per_lcore("/sipedge/" + what, ids), r)) {
            return exit_not_running;
        }
        json doc = summary_document(ids, r);
        if (as_json) {
            doc["ok"] = true;
            out << doc.dump(2) << "\n";
        } else if (what == "transactions") {
            print_transactions(out, doc);
        } else {
            print_dialogs(out, doc);
        }
        return exit_ok;
    }

    int routes() {
        std::vector<json> r;
        if (!query({"/sipedge/routes"}, r)) {
            return exit_not_running;
        }
        if (as_json) {
            json doc = r[0];
            doc["ok"] = true;
            out << doc.dump(2) << "\n";
        } else {
            print_routes(out, r[0]);
        }
        return exit_ok;
    }

    // Control re-reads the file and signals the dataplane; the dataplane's own
    // outcome is read back from its telemetry (it reports on itself).
    int reload() {
        std::vector<json> before;
        std::string ignored;
        const bool dp_up =
            telemetry_query(telemetry_socket_path(instance), {"/sipedge/reload"}, before, ignored);
        const std::uint64_t generation =
            dp_up && before[0].is_object() ? before[0].value("generation", 0ull) : 0;
        json r;
        const bool quiet = as_json;
        as_json = false;
        const int rc = request({{"cmd", "reload"}}, r);
        as_json = quiet;
        if (rc != exit_ok) {
            return rc;
        }
        json dp = {{"reached", false}};
        if (r.value("dataplane_signalled", false)) {
            for (int i = 0; i < 200; ++i) { // up to 10 s: a busy machine
                std::vector<json> now;
                if (telemetry_query(telemetry_socket_path(instance), {"/sipedge/reload"}, now,
                                    ignored) &&
                    now[0].is_object() && now[0].value("generation", 0ull) > generation) {
                    dp = now[0];
                    dp["reached"] = true;
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        r["dataplane"] = dp;
        const bool dp_failed = dp.value("reached", false) && dp.value("ok", 1) == 0;
        if (as_json) {
            out << r.dump(2) << "\n";
            return dp_failed ? exit_failed : exit_ok;
        }
        auto list = [](const json& v) {
            std::string s;
            for (const auto& k : v) {
                s += (s.empty() ? "" : ", ") + text(k);
            }
            return s.empty() ? std::string("nothing") : s;
        };
        out << "reloaded " << text(r["file"]) << "\n";
        out << "control    applied: " << list(r["applied"])
            << "; needs a restart: " << list(r["restart"]) << "\n";
        if (!r.value("dataplane_signalled", false)) {
            out << "dataplane  not signalled (control is not attached to it)\n";
        } else if (!dp.value("reached", false)) {
            out << "dataplane  signalled, but its outcome was not readable through telemetry "
                   "(instance \""
                << instance << "\")\n";
        } else if (dp_failed) {
            err << "sipedgectl: the dataplane refused the file: " << text(dp["error"]) << "\n";
        } else {
            out << "dataplane  applied: " << list(dp["applied"])
                << "; needs a restart: " << list(dp["restart"]) << "\n";
        }
        return dp_failed ? exit_failed : exit_ok;
    }

    // Sends a request; prints the failure and returns the exit status when it fails.
    int request(const json& req, json& reply) {
        std::string line;
        std::string error;
        if (!call(socket, req.dump(), line, error)) {
            err << "sipedgectl: " << error << "\n";
            return exit_not_running;
        }
        try {
            reply = json::parse(line);
        } catch (const std::exception& e) {
            err << "sipedgectl: control sent something that is not JSON: " << e.what() << "\n";
            return exit_failed;
        }
        if (!reply.value("ok", false)) {
            if (as_json) {
                out << reply.dump() << "\n";
            }
            err << "sipedgectl: " << reply.value("error", std::string("failed")) << "\n";
            return exit_failed;
        }
        if (as_json) {
            out << reply.dump(2) << "\n";
        }
        return exit_ok;
    }

    int status() {
        json r;
        if (const int rc = request({{"cmd", "status"}}, r); rc != exit_ok || as_json) {
            return rc;
        }
        const json& l = r["link"];
        out << "sipedge-control " << text(r["version"]) << ", pid " << text(r["pid"]) << ", up "
            << text(r["uptime_s"]) << " s\n";
        out << "config        " << text(r["config"]) << "\n";
        out << "store         " << text(r["sqlite"]) << "\n";
        out << "dataplane     " << text(l["path"]) << ": ";
        if (l.value("attached", false)) {
            out << "attached, " << text(l["lcores"]) << " lcores, pid " << text(l["dataplane_pid"])
                << ", location generation " << text(l["location_generation"]) << "\n";
        } else {
            out << "not attached (" << text(l["error"]) << ")\n";
        }
        out << "registrar     " << text(r["aors"]) << " AORs, " << text(r["bindings"])
            << " bindings, " << text(r["users"]) << " users\n";
        std::string domains;
        for (const auto& d : r["domains"]) {
            domains += (domains.empty() ? "" : ", ") + text(d["name"]) + " (realm " +
                       text(d["realm"]) + ")";
        }
        out << "domains       " << (domains.empty() ? "none" : domains) << "\n";
        const json& s = r["stats"];
        out << "messages      " << text(s["received"]) << " received, " << text(s["responses"])
            << " answered (2xx " << text(s["2xx"]) << ", 4xx " << text(s["4xx"]) << ", 5xx "
            << text(s["5xx"]) << "), " << text(s["unparsable"]) << " unparsable\n";
        return exit_ok;
    }

    int registrations(const std::string& aor) {
        json r;
        if (const int rc = request({{"cmd", "registrations"}, {"aor", aor}}, r);
            rc != exit_ok || as_json) {
            return rc;
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& reg : r["registrations"]) {
            for (const auto& c : reg["contacts"]) {
                char q[16];
                std::snprintf(q, sizeof q, "%.3f", c.value("q", 1.0));
                rows.push_back({text(reg["aor"]), text(c["uri"]), q, text(c["expires_in"]),
                                text(c["received"]), text(c["user_agent"])});
            }
        }
        if (rows.empty()) {
            out << (aor.empty() ? "no registrations\n" : "no registrations for " + aor + "\n");
            return aor.empty() ? exit_ok : exit_failed;
        }
        print_table(out, {"AOR", "CONTACT", "Q", "EXPIRES", "RECEIVED", "USER-AGENT"}, rows);
        return exit_ok;
    }

    // user@domain → user, realm (from --realm or control's domain table).
    int identity(const std::string& who, const std::string& realm_flag, std::string& user,
                 std::string& realm) {
        const std::size_t at = who.find('@');
        if (at == std::string::npos || at == 0 || at + 1 == who.size()) {
            err << "sipedgectl: expected USER@DOMAIN, got \"" << who << "\"\n";
            return exit_usage;
        }
        user = who.substr(0, at);
        realm = realm_flag;
        if (realm.empty()) {
            json r;
            const bool quiet = as_json;
            as_json = false;
            const int rc = request({{"cmd", "realm"}, {"domain", who.substr(at + 1)}}, r);
            as_json = quiet;
            if (rc != exit_ok) {
                return rc;
            }
            realm = r["realm"];
        }
        return exit_ok;
    }

    int users(const std::vector<std::string>& a) {
        if (a.empty()) {
            err << usage_text;
            return exit_usage;
        }
        if (a[0] == "list" && a.size() == 1) {
            json r;
            if (const int rc = request({{"cmd", "users.list"}}, r); rc != exit_ok || as_json) {
                return rc;
            }
            std::vector<std::vector<std::string>> rows;
            for (const auto& u : r["users"]) {
                std::string algs;
                if (u.value("sha256", false)) {
                    algs = "SHA-256";
                }
                if (u.value("md5", false)) {
                    algs += algs.empty() ? "MD5" : " MD5";
                }
                rows.push_back({text(u["user"]), text(u["realm"]), algs});
            }
            if (rows.empty()) {
                out << "no users\n";
                return exit_ok;
            }
            print_table(out, {"USER", "REALM", "HA1"}, rows);
            return exit_ok;
        }
        if ((a[0] != "add" && a[0] != "del") || (a.size() != 2 && a.size() != 4) ||
            (a.size() == 4 && a[2] != "--realm")) {
            err << usage_text;
            return exit_usage;
        }
        std::string user, realm;
        if (const int rc = identity(a[1], a.size() == 4 ? a[3] : "", user, realm); rc != exit_ok) {
            return rc;
        }
        json r;
        if (a[0] == "del") {
            const int rc = request({{"cmd", "users.del"}, {"user", user}, {"realm", realm}}, r);
            if (rc == exit_ok && !as_json) {
                out << "removed " << user << " from realm " << realm << "\n";
            }
            return rc;
        }
        std::string error;
        const std::string password = read_password(in, tty, err, user + "@" + realm, error);
        if (!error.empty() || password.empty()) {
            err << "sipedgectl: " << (error.empty() ? "empty password" : error) << "\n";
            return exit_failed;
        }
        auth::hasher h;
        const auth::stored_credential c = auth::compute_credential(h, user, realm, password);
        const int rc = request({{"cmd", "users.add"},
                                {"user", user},
                                {"realm", realm},
                                {"ha1_md5", auth::to_hex(c.ha1_md5)},
                                {"ha1_sha256", auth::to_hex(c.ha1_sha256)}},
                               r);
        if (rc == exit_ok && !as_json) {
            out << "stored HA1 (MD5, SHA-256) for " << user << " in realm " << realm << "\n";
        }
        return rc;
    }

    int config_check(const std::string& file) {
        const config::config_result r = config::load_control_config(file);
        dataplane::options dp;
        const std::string dp_error = dataplane::load_config_file(file, dp);
        const bool ok = r.ok() && dp_error.empty();
        if (as_json) {
            json j = {{"ok", ok},
                      {"file", file},
                      {"dataplane_error", dp_error},
                      {"errors", json::array()},
                      {"warnings", json::array()}};
            for (const auto& e : r.errors) {
                j["errors"].push_back(
                    {{"line", e.line}, {"key", e.key}, {"message", e.message}, {"text", e.text()}});
            }
            for (const auto& w : r.warnings) {
                j["warnings"].push_back({{"key", w.key}, {"text", w.text()}});
            }
            out << j.dump(2) << "\n";
        } else {
            for (const auto& e : r.errors) {
                err << e.text() << "\n";
            }
            for (const auto& w : r.warnings) {
                err << "warning: " << w.text() << "\n";
            }
            if (!dp_error.empty()) {
                err << dp_error << "\n";
            }
            if (ok) {
                out << file << ": ok (control: " << r.config.domains.size()
                    << " domains; dataplane: " << dp.proxy.routes.size() << " routes, "
                    << dp.proxy.hosts.size() << " hosts, " << dp.worker_lcores.size()
                    << " worker lcores)\n";
            }
        }
        return ok ? exit_ok : exit_failed;
    }

    int version() {
        json r;
        std::string line, error;
        const bool up = call(socket, json{{"cmd", "version"}}.dump(), line, error);
        std::string control = "not running";
        if (up) {
            try {
                control = json::parse(line).value("version", std::string("?"));
            } catch (const std::exception&) {
                control = "?";
            }
        }
        if (as_json) {
            out << json{{"ok", true}, {"sipedgectl", control_version}, {"control", control}}.dump(2)
                << "\n";
        } else {
            out << "sipedgectl " << control_version << "\nsipedge-control " << control << "\n";
        }
        return exit_ok;
    }
};

std::string socket_from_config(const std::string& file) {
    const config::config_result r = config::load_control_config(file);
    return r.ok() ? r.config.socket_path : std::string();
}

// [dataplane] instance of the file, or "" (absent or unreadable).
std::string instance_from_config(const std::string& file) {
    try {
        const toml::table t = toml::parse_file(file);
        return t["dataplane"]["instance"].value_or(std::string());
    } catch (const std::exception&) {
        return {};
    }
}

} // namespace

int run_ctl(const std::vector<std::string>& args, std::istream& in, bool stdin_is_tty,
            std::ostream& out, std::ostream& err) {
    ctl c{in, stdin_is_tty, out, err, {}};
    std::string config_file;
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--json") {
            c.as_json = true;
        } else if ((args[i] == "--socket" || args[i] == "--config" || args[i] == "--instance") &&
                   i + 1 < args.size()) {
            (args[i] == "--socket"   ? c.socket
             : args[i] == "--config" ? config_file
                                     : c.instance) = args[i + 1];
            ++i;
        } else if (args[i] == "-h" || args[i] == "--help") {
            out << usage_text;
            return exit_ok;
        } else {
            rest.push_back(args[i]);
        }
    }
    if (rest.empty()) {
        err << usage_text;
        return exit_usage;
    }
    if (c.socket.empty()) {
        if (const char* env = std::getenv("SIPEDGE_SOCKET"); env != nullptr && *env != '\0') {
            c.socket = env;
        } else if (!config_file.empty()) {
            c.socket = socket_from_config(config_file);
            if (c.socket.empty()) {
                err << "sipedgectl: " << config_file << " has errors (see: sipedgectl config check "
                    << config_file << ")\n";
                return exit_failed;
            }
        } else if (::access(default_config, R_OK) == 0) {
            c.socket = socket_from_config(default_config);
        }
        if (c.socket.empty()) {
            c.socket = default_socket;
        }
    }
    // Instance: --instance, $SIPEDGE_INSTANCE, [dataplane] instance, "sipedge"
    // (the dataplane's own default).
    if (c.instance.empty()) {
        if (const char* env = std::getenv("SIPEDGE_INSTANCE"); env != nullptr && *env != '\0') {
            c.instance = env;
        } else if (!config_file.empty()) {
            c.instance = instance_from_config(config_file);
        } else if (::access(default_config, R_OK) == 0) {
            c.instance = instance_from_config(default_config);
        }
        if (c.instance.empty()) {
            c.instance = "sipedge";
        }
    }
    const std::string& cmd = rest[0];
    const std::vector<std::string> tail(rest.begin() + 1, rest.end());
    if (cmd == "status" && tail.empty()) {
        return c.status();
    }
    if (cmd == "registrations" && tail.size() <= 1) {
        return c.registrations(tail.empty() ? "" : tail[0]);
    }
    if (cmd == "users") {
        return c.users(tail);
    }
    if (cmd == "config" && tail.size() == 2 && tail[0] == "check") {
        return c.config_check(tail[1]);
    }
    if (cmd == "version" && tail.empty()) {
        return c.version();
    }
    if (cmd == "stats") {
        return c.stats(tail);
    }
    if ((cmd == "transactions" || cmd == "dialogs") && tail.empty()) {
        return c.summary(cmd);
    }
    if (cmd == "routes" && tail.empty()) {
        return c.routes();
    }
    if (cmd == "reload" && tail.empty()) {
        return c.reload();
    }
    err << usage_text;
    return exit_usage;
}

} // namespace sipedge::control::cli
