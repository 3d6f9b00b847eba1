#include "control/cli/ctl.hh"

#include "control/auth/digest.hh"
#include "control/cli/server.hh"
#include "control/config/control_config.hh"
#include "control/control_daemon.hh"

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <termios.h>
#include <unistd.h>

namespace sipedge::control::cli {

namespace {

using nlohmann::json;

constexpr const char* default_config = "/etc/sipedge/sipedge.toml";
constexpr const char* default_socket = "/run/sipedge/control.sock";

const char* usage_text =
    "usage: sipedgectl [--socket PATH | --config FILE] [--json] COMMAND\n"
    "  status | registrations [AOR] | users add|del USER@DOMAIN [--realm REALM]\n"
    "  users list | config check FILE | version\n"
    "  (not yet: stats, transactions, dialogs, routes, reload)\n";

// Left-aligned columns, two spaces apart.
void print_table(std::ostream& out, const std::vector<std::string>& head,
                 const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> w(head.size());
    for (std::size_t c = 0; c < head.size(); ++c) {
        w[c] = head[c].size();
        for (const auto& r : rows) {
            w[c] = std::max(w[c], r[c].size());
        }
    }
    auto line = [&](const std::vector<std::string>& r) {
        std::string s;
        for (std::size_t c = 0; c < r.size(); ++c) {
            s += r[c];
            if (c + 1 < r.size()) {
                s.append(w[c] - r[c].size() + 2, ' ');
            }
        }
        out << s << "\n";
    };
    line(head);
    for (const auto& r : rows) {
        line(r);
    }
}

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
    bool as_json = false;

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
        if (as_json) {
            json j = {{"ok", r.ok()},
                      {"file", file},
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
            if (r.ok()) {
                out << file << ": control settings ok (" << r.config.domains.size()
                    << " domains; dataplane tables are checked by sipedge itself)\n";
            }
        }
        return r.ok() ? exit_ok : exit_failed;
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

} // namespace

int run_ctl(const std::vector<std::string>& args, std::istream& in, bool stdin_is_tty,
            std::ostream& out, std::ostream& err) {
    ctl c{in, stdin_is_tty, out, err, {}};
    std::string config_file;
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--json") {
            c.as_json = true;
        } else if ((args[i] == "--socket" || args[i] == "--config") && i + 1 < args.size()) {
            (args[i] == "--socket" ? c.socket : config_file) = args[i + 1];
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
    if (cmd == "stats" || cmd == "transactions" || cmd == "dialogs" || cmd == "routes" ||
        cmd == "reload") {
        err << "sipedgectl: '" << cmd
            << "' is not available yet: it needs the dataplane's counters and tables over the "
               "link (planned)\n";
        return exit_not_implemented;
    }
    err << usage_text;
    return exit_usage;
}

} // namespace sipedge::control::cli
