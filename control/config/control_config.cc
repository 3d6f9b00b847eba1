#include "control/config/control_config.hh"

#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace sipedge::control::config {

std::string config_error::text() const {
    std::string s = file;
    if (line != 0) {
        s += ':';
        s += std::to_string(line);
    }
    s += ": ";
    if (!key.empty()) {
        s += key + ": ";
    }
    return s + message;
}

registrar::service_settings control_config::service_settings() const {
    registrar::service_settings s;
    s.domains = domains;
    s.require_auth = auth_register;
    s.algorithms = algorithms;
    return s;
}

namespace {

// Reads one table's keys, recording errors with file, line and key.
class table_reader {
public:
    table_reader(config_result& out, const std::string& file, const toml::table& table,
                 std::string prefix)
        : _out(out), _file(file), _table(table), _prefix(std::move(prefix)) {}

    std::size_t line_of(const toml::node& n) const { return n.source().begin.line; }

    void error(const toml::node* n, std::string_view key, std::string message) {
        _out.errors.push_back({_file, n != nullptr ? line_of(*n) : line_of(_table), full_key(key),
                               std::move(message)});
    }
    std::string full_key(std::string_view key) const {
        return _prefix.empty() ? std::string(key) : _prefix + "." + std::string(key);
    }

    void string(std::string_view key, std::string& out, bool allow_empty = false) {
        const toml::node* n = take(key);
        if (n == nullptr) {
            return;
        }
        if (const auto* v = n->as_string()) {
            if (!allow_empty && v->get().empty()) {
                error(n, key, "must not be empty");
                return;
            }
            out = v->get();
        } else {
            error(n, key, "must be a string");
        }
    }
    void boolean(std::string_view key, bool& out) {
        const toml::node* n = take(key);
        if (n == nullptr) {
            return;
        }
        if (const auto* v = n->as_boolean()) {
            out = v->get();
        } else {
            error(n, key, "must be true or false");
        }
    }
    void integer(std::string_view key, std::uint32_t& out, std::int64_t lo, std::int64_t hi) {
        const toml::node* n = take(key);
        if (n == nullptr) {
            return;
        }
        const auto* v = n->as_integer();
        if (v == nullptr) {
            error(n, key, "must be an integer");
            return;
        }
        if (v->get() < lo || v->get() > hi) {
            error(n, key,
                  "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " (is " +
                      std::to_string(v->get()) + ")");
            return;
        }
        out = static_cast<std::uint32_t>(v->get());
    }
    // The node for key, remembered as known; null when absent.
    const toml::node* take(std::string_view key) {
        _known.insert(std::string(key));
        return _table.get(key);
    }
    // Every key not taken is a mistake (a typo would otherwise be silently ignored).
    void reject_unknown() {
        for (const auto& [k, v] : _table) {
            if (!_known.contains(std::string(k.str()))) {
                _out.errors.push_back({_file, line_of(v), full_key(k.str()), "unknown key"});
            }
        }
    }
    const std::string& file() const { return _file; }

private:
    config_result& _out;
    const std::string& _file;
    const toml::table& _table;
    std::string _prefix;
    std::set<std::string> _known;
};

const toml::table* sub_table(config_result& out, const std::string& file, const toml::table& root,
                             std::string_view key) {
    const toml::node* n = root.get(key);
    if (n == nullptr) {
        return nullptr;
    }
    if (!n->is_table()) {
        out.errors.push_back({file, n->source().begin.line, std::string(key), "must be a table"});
        return nullptr;
    }
    return n->as_table();
}

void read_control(config_result& out, const std::string& file, const toml::table& t) {
    control_config& c = out.config;
    table_reader r(out, file, t, "control");
    r.string("socket", c.socket_path);
    r.string("shm", c.shm_path);
    r.string("sqlite", c.sqlite_path);
    const toml::node* secret = t.get("nonce_secret");
    r.string("nonce_secret", c.nonce_secret);
    if (secret != nullptr && secret->is_string() && !c.nonce_secret.empty() &&
        c.nonce_secret.size() < 16) {
        r.error(secret, "nonce_secret", "must be at least 16 characters");
    }
    r.integer("nonce_lifetime", c.nonce_lifetime, 10, 86400);
    r.integer("publish_interval_ms", c.publish_interval_ms, 0, 1000);
    r.reject_unknown();
}

void read_registrar(config_result& out, const std::string& file, const toml::table& t) {
    registrar::registrar_limits& l = out.config.registrar;
    table_reader r(out, file, t, "registrar");
    r.integer("min_expires", l.min_expires, 1, 86400);
    r.integer("max_expires", l.max_expires, 1, 0xffffffffLL);
    r.integer("default_expires", l.default_expires, 1, 0xffffffffLL);
    r.integer("max_contacts", l.max_contacts, 1, 1000);
    r.reject_unknown();
    if (l.min_expires > l.max_expires) {
        r.error(t.get("min_expires"), "min_expires", "is greater than max_expires");
    } else if (l.default_expires < l.min_expires || l.default_expires > l.max_expires) {
        r.error(t.get("default_expires"), "default_expires",
                "must lie between min_expires and max_expires");
    }
}

void read_auth(config_result& out, const std::string& file, const toml::table& t) {
    control_config& c = out.config;
    table_reader r(out, file, t, "auth");
    r.boolean("register", c.auth_register);
    r.boolean("invite", c.auth_invite);
    r.integer("invite_nonce_lifetime", c.invite_nonce_lifetime, 5, 3600);
    if (const toml::node* n = r.take("algorithms")) {
        const auto* arr = n->as_array();
        if (arr == nullptr || arr->empty()) {
            r.error(n, "algorithms", "must be a non-empty array of \"SHA-256\" and/or \"MD5\"");
        } else {
            c.algorithms.clear();
            for (std::size_t i = 0; i < arr->size(); ++i) {
                const toml::node& e = *arr->get(i);
                auth::digest_algorithm a;
                const auto* s = e.as_string();
                if (s == nullptr || s->get().empty() || !auth::parse_algorithm(s->get(), a)) {
                    r.error(&e, "algorithms[" + std::to_string(i) + "]",
                            "must be \"SHA-256\" or \"MD5\"");
                    continue;
                }
                c.algorithms.push_back(a);
            }
        }
    }
    r.reject_unknown();
}

void read_domains(config_result& out, const std::string& file, const toml::node& n) {
    const auto* arr = n.as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
        out.errors.push_back(
            {file, n.source().begin.line, "domains", "must be an array of tables ([[domains]])"});
        return;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::table& t = *arr->get(i)->as_table();
        const std::string prefix = "domains[" + std::to_string(i) + "]";
        table_reader r(out, file, t, prefix);
        registrar::served_domain d;
        if (t.get("name") == nullptr) {
            r.error(nullptr, "name", "is required");
        }
        r.string("name", d.name);
        r.string("realm", d.realm);
        r.reject_unknown();
        if (d.name.empty()) {
            continue;
        }
        std::string lower = d.name;
        for (char& ch : lower) {
            ch = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + 32) : ch;
        }
        if (!seen.insert(lower).second) {
            r.error(t.get("name"), "name", "domain \"" + d.name + "\" is listed twice");
            continue;
        }
        if (d.realm.empty()) {
            d.realm = d.name;
        }
        out.config.domains.push_back(std::move(d));
    }
}

} // namespace

config_result parse_control_config(std::string_view text, const std::string& source_name) {
    config_result out;
    out.config.source = source_name;
    toml::table root;
    try {
        root = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        out.errors.push_back({source_name, e.source().begin.line, "",
                              "TOML syntax: " + std::string(e.description())});
        return out;
    }
    if (const toml::table* t = sub_table(out, source_name, root, "control")) {
        read_control(out, source_name, *t);
    }
    if (const toml::table* t = sub_table(out, source_name, root, "registrar")) {
        read_registrar(out, source_name, *t);
    }
    if (const toml::table* t = sub_table(out, source_name, root, "auth")) {
        read_auth(out, source_name, *t);
    }
    if (const toml::node* d = root.get("domains")) {
        read_domains(out, source_name, *d);
    }
    if (out.config.domains.empty() && out.errors.empty()) {
        out.warnings.push_back(
            {source_name, 0, "domains", "no [[domains]]: every REGISTER will be refused (403)"});
    }
    if (out.config.nonce_secret.empty() && out.errors.empty()) {
        out.warnings.push_back(
            {source_name, 0, "control.nonce_secret",
             "not set: a random secret is used, so clients re-authenticate after a restart"});
    }
    return out;
}

config_result load_control_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        config_result out;
        out.errors.push_back({path, 0, "", "cannot read the file"});
        return out;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_control_config(ss.str(), path);
}

} // namespace sipedge::control::config
