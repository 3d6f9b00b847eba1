#include "dataplane/config_file.hh"

#include <arpa/inet.h>
#include <charconv>
#include <fstream>
#include <toml++/toml.h>

namespace sipedge::dataplane {

namespace {

// Thrown inside this file only, turned into the error line at the top.
struct config_problem {
    toml::source_region where;
    std::string key;
    std::string what;
};

[[noreturn]] void fail(const toml::node& n, std::string key, std::string what) {
    throw config_problem{n.source(), std::move(key), std::move(what)};
}

// Reads the keys of one table, remembering which were used so that a misspelt
// key is an error rather than silently ignored.
class table_reader {
public:
    table_reader(const toml::table& t, std::string prefix) : _t(t), _prefix(std::move(prefix)) {}

    const toml::node* get(std::string_view key) {
        _used.emplace_back(key);
        return _t.get(key);
    }
    // Where the key is written (errors point at the key, not at its value).
    toml::source_region where(std::string_view key) const {
        for (const auto& [k, v] : _t) {
            if (k.str() == key) {
                return k.source();
            }
        }
        return _t.source();
    }
    [[noreturn]] void fail_key(std::string_view key, std::string what) const {
        throw config_problem{where(key), name(key), std::move(what)};
    }
    std::string name(std::string_view key) const { return _prefix + std::string(key); }

    template <typename Int>
    void integer(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
        const toml::node* n = get(key);
        if (n == nullptr) {
            return;
        }
        const auto v = n->value<std::int64_t>();
        if (!v || !n->is_integer()) {
            fail_key(key, "must be an integer");
        }
        if (*v < min || *v > max) {
            fail_key(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        }
        out = static_cast<Int>(*v);
    }
    void text(std::string_view key, std::string& out) {
        const toml::node* n = get(key);
        if (n == nullptr) {
            return;
        }
        if (!n->is_string()) {
            fail_key(key, "must be a string");
        }
        out = *n->value<std::string>();
    }
    void boolean(std::string_view key, bool& out) {
        const toml::node* n = get(key);
        if (n == nullptr) {
            return;
        }
        if (!n->is_boolean()) {
            fail_key(key, "must be true or false");
        }
        out = *n->value<bool>();
    }
    void strings(std::string_view key, std::vector<std::string>& out) {
        const toml::node* n = get(key);
        if (n == nullptr) {
            return;
        }
        const toml::array* a = n->as_array();
        if (a == nullptr) {
            fail_key(key, "must be an array of strings");
        }
        out.clear();
        for (const toml::node& e : *a) {
            if (!e.is_string()) {
                fail_key(key, "must be an array of strings");
            }
            out.push_back(*e.value<std::string>());
        }
    }
    // Every key present must have been asked for.
    void reject_unknown() const {
        for (const auto& [key, node] : _t) {
            bool known = false;
            for (const std::string& u : _used) {
                known = known || u == key.str();
            }
            if (!known) {
                fail_key(key.str(), "unknown key");
            }
        }
    }

private:
    const toml::table& _t;
    std::string _prefix;
    std::vector<std::string> _used;
};

std::uint32_t ipv4_of(const table_reader& r, std::string_view key, const std::string& text) {
    in_addr a{};
    if (inet_pton(AF_INET, text.c_str(), &a) != 1) {
        r.fail_key(key, "'" + text + "' is not an IPv4 address");
    }
    return a.s_addr;
}

// "a.b.c.d:port" (port optional: 5060).
txn::endpoint endpoint_of(const table_reader& r, std::string_view key, const std::string& text) {
    std::string_view host = text;
    unsigned port = 5060;
    if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
        const std::string_view p = host.substr(colon + 1);
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
        if (ec != std::errc() || end != p.data() + p.size() || port == 0 || port > 65535) {
            r.fail_key(key, "'" + text + "' has a bad port");
        }
        host = host.substr(0, colon);
    }
    txn::endpoint e;
    if (!txn::parse_ipv4(host, e)) {
        r.fail_key(key, "'" + text + "' is not IPV4:PORT (the dataplane does no DNS)");
    }
    e.port = static_cast<std::uint16_t>(port);
    return e;
}

const toml::table& table_at(const toml::node& n, const std::string& key) {
    const toml::table* t = n.as_table();
    if (t == nullptr) {
        fail(n, key, "must be a table");
    }
    return *t;
}

// The keys of one port: device (or "port" in the one-port shorthand), address
// "A.B.C.D[/N]" and gateway.
void read_port_keys(table_reader& r, std::string_view device_key, port_spec& p) {
    r.text(device_key, p.device);
    if (const toml::node* n = r.get("address")) {
        if (!n->is_string() || !parse_address_prefix(*n->value<std::string>(), p)) {
            r.fail_key("address", "must be an IPv4 address, \"A.B.C.D\" or \"A.B.C.D/N\"");
        }
    }
    if (const toml::node* n = r.get("gateway")) {
        if (!n->is_string()) {
            r.fail_key("gateway", "must be a string");
        }
        p.gateway = ipv4_of(r, "gateway", *n->value<std::string>());
    }
}

// Either one port (port, address, gateway in [dataplane]) or [[dataplane.ports]].
void read_port(table_reader& r, options& o) {
    port_spec single;
    read_port_keys(r, "port", single);
    const toml::node* list = r.get("ports");
    if (list == nullptr) {
        if (!single.device.empty() || single.ipv4 != 0) {
            o.ports = {single};
        }
        return;
    }
    const toml::array* a = list->as_array();
    if (a == nullptr || a->empty() || !a->is_array_of_tables()) {
        r.fail_key("ports", "must be a non-empty array of tables ([[dataplane.ports]])");
    }
    if (!single.device.empty() || single.ipv4 != 0 || single.gateway != 0) {
        r.fail_key("ports", "give either port/address/gateway or [[dataplane.ports]], not both");
    }
    o.ports.clear();
    for (std::size_t i = 0; i < a->size(); ++i) {
        table_reader pr(*(*a)[i].as_table(), r.name("ports[" + std::to_string(i) + "]."));
        port_spec p;
        read_port_keys(pr, "device", p);
        if (p.device.empty()) {
            pr.fail_key("device", "is required");
        }
        if (p.ipv4 == 0) {
            pr.fail_key("address", "is required");
        }
        pr.reject_unknown();
        o.ports.push_back(std::move(p));
    }
}

void read_dataplane(const toml::table& t, options& o) {
    table_reader r(t, "dataplane.");
    r.text("instance", o.instance);
    r.text("control_link", o.control_link);
    r.integer("control_ring_slots", o.control_ring_slots, 16, 1 << 16);
    r.integer("idle_sleep_us", o.idle_sleep_us, 0, 100000);
    read_port(r, o);
    r.integer("sip_port", o.sip_port, 1, 65535);
    r.integer("mtu", o.mtu, 576, 9000);
    r.integer("main_lcore", o.main_lcore, 0, 1023);
    if (const toml::node* n = r.get("worker_lcores")) {
        const toml::array* a = n->as_array();
        if (a == nullptr || a->empty()) {
            r.fail_key("worker_lcores", "must be a non-empty array of lcore numbers");
        }
        o.worker_lcores.clear();
        for (const toml::node& e : *a) {
            const auto v = e.value<std::int64_t>();
            if (!e.is_integer() || *v < 0 || *v > 1023) {
                r.fail_key("worker_lcores", "lcore numbers are integers 0-1023");
            }
            o.worker_lcores.push_back(static_cast<unsigned>(*v));
        }
    }
    r.integer("rx_descriptors", o.rx_descriptors, 64, 32768);
    r.integer("tx_descriptors", o.tx_descriptors, 64, 32768);
    r.integer("mbufs", o.mbufs, 0, 1 << 24);
    if (const toml::node* n = r.get("hugepages")) {
        if (!parse_hugepage_mode(n->value<std::string>().value_or(""), o.hugepages)) {
            r.fail_key("hugepages", "must be \"auto\", \"yes\" or \"no\"");
        }
    }
    r.integer("memory_mb", o.memory_mb, 64, 1 << 20);
    r.integer("stats_interval", o.stats_interval_s, 0, 86400);
    r.text("log_level", o.log_level);
    r.strings("eal", o.extra_eal_args);
    r.reject_unknown();
}

void read_timers(const toml::table& t, proxy::proxy_config& p) {
    table_reader r(t, "proxy.timers.");
    auto millis = [&](std::string_view key, std::chrono::milliseconds& out, std::int64_t min,
                      std::int64_t max) {
        std::int64_t v = out.count();
        r.integer(key, v, min, max);
        out = std::chrono::milliseconds(v);
    };
    millis("t1_ms", p.timers.t1, 1, 60'000);
    millis("t2_ms", p.timers.t2, 1, 600'000);
    millis("t4_ms", p.timers.t4, 1, 600'000);
    millis("timer_c_ms", p.timers.timer_c, 180'001, 86'400'000);
    millis("timer_d_ms", p.timers.timer_d, 32'000, 600'000);
    r.reject_unknown();
    if (p.timers.t2 < p.timers.t1) {
        r.fail_key("t2_ms", "must be at least t1_ms");
    }
}

void read_proxy(const toml::table& t, proxy::proxy_config& p) {
    table_reader r(t, "proxy.");
    r.text("host", p.host);
    r.strings("aliases", p.aliases);
    r.strings("domains", p.domains);
    r.boolean("record_route", p.record_route);
    r.integer("transactions_per_lcore", p.transaction_capacity, 64, 1 << 24);
    r.integer("max_branches", p.max_branches, 1, 8);
    r.integer("retry_after", p.retry_after_seconds, 1, 3600);
    if (const toml::node* n = r.get("timers")) {
        read_timers(table_at(*n, "proxy.timers"), p);
    }
    r.reject_unknown();
}

// [session_timers] (RFC 4028, issue 8).
void read_session_timers(const toml::table& t, proxy::session_timer_config& st) {
    table_reader r(t, "session_timers.");
    r.boolean("enabled", st.enabled);
    // Test-only: lets lab tests use intervals of seconds. Never set in production;
    // RFC 4028 §4 forbids a Min-SE below 90 s.
    std::uint32_t floor = proxy::session_timer_config::rfc_min_se;
    r.integer("test_min_se_floor", floor, 1, proxy::session_timer_config::rfc_min_se);
    const std::int64_t max_interval = 86'400 * 12; // the timer wheel's range at 1 ms ticks
    if (const toml::node* n = r.get("min_se")) {
        const auto v = n->value<std::int64_t>();
        if (!v || !n->is_integer()) {
            r.fail_key("min_se", "must be an integer (seconds)");
        }
        if (*v < floor) {
            r.fail_key("min_se", "must be at least " + std::to_string(floor) +
                                     " seconds (RFC 4028 §4: Min-SE is never below 90)");
        }
        if (*v > max_interval) {
            r.fail_key("min_se", "must be at most " + std::to_string(max_interval) + " seconds");
        }
        st.min_se = static_cast<std::uint32_t>(*v);
    }
    const bool se_given = t.contains("session_expires");
    r.integer("session_expires", st.session_expires, 1, max_interval);
    r.boolean("insert_when_absent", st.insert_when_absent);
    r.integer("dialogs_per_lcore", st.dialog_capacity, 1, 1 << 24);
    if (const toml::node* n = r.get("on_expiry")) {
        const auto v = n->value<std::string>();
        if (v && *v == "forget") {
            st.on_expiry = proxy::expiry_action::forget;
        } else if (v && *v == "bye") {
            st.on_expiry = proxy::expiry_action::bye;
        } else {
            r.fail_key("on_expiry", "must be \"forget\" or \"bye\"");
        }
    }
    r.reject_unknown();
    if (!se_given && st.session_expires < st.min_se) {
        st.session_expires = st.min_se; // the default follows a larger Min-SE
    } else if (st.session_expires < st.min_se) {
        r.fail_key("session_expires", "must be at least min_se (" + std::to_string(st.min_se) + ")");
    }
}

// [[NAME]] arrays of tables. strict: unknown keys are errors (not for control's
// arrays, whose other keys control checks).
template <typename Fn>
void each_entry(const toml::node& n, const std::string& key, Fn&& fn, bool strict = true) {
    const toml::array* a = n.as_array();
    if (a == nullptr) {
        fail(n, key, "must be an array of tables ([[" + key + "]])");
    }
    for (const toml::node& e : *a) {
        table_reader r(table_at(e, key), key + ".");
        fn(e, r);
        if (strict) {
            r.reject_unknown();
        }
    }
}

std::string required_text(const toml::node& entry, table_reader& r, std::string_view key) {
    std::string v;
    r.text(key, v);
    if (v.empty()) {
        fail(entry, r.name(key), "is required");
    }
    return v;
}

// The keys of control's tables that the dataplane uses too. Control checks these
// tables in full (unknown keys included); here only the keys read are checked.
void read_control_tables(const toml::table& root, proxy::auth_config& a) {
    if (const toml::node* n = root.get("auth")) {
        table_reader r(table_at(*n, "auth"), "auth.");
        r.boolean("invite", a.invite);
        r.integer("invite_nonce_lifetime", a.nonce_lifetime, 5, 3600);
        std::vector<std::string> algorithms;
        r.strings("algorithms", algorithms);
        if (!algorithms.empty()) {
            a.offer_sha256 = a.offer_md5 = false;
            for (const std::string& name : algorithms) {
                a.offer_sha256 = a.offer_sha256 || name == "SHA-256";
                a.offer_md5 = a.offer_md5 || name == "MD5";
            }
        }
    }
    if (const toml::node* n = root.get("control")) {
        table_reader r(table_at(*n, "control"), "control.");
        r.text("nonce_secret", a.nonce_secret);
    }
    if (const toml::node* n = root.get("domains")) {
        each_entry(*n, "domains", [&](const toml::node& e, table_reader& r) {
            proxy::auth_realm d;
            d.domain = required_text(e, r, "name");
            r.text("realm", d.realm);
            if (d.realm.empty()) {
                d.realm = d.domain;
            }
            if (d.realm.size() > 160) {
                r.fail_key("realm", "must be at most 160 characters");
            }
            a.realms.push_back(std::move(d));
        }, false);
    }
}

void read_file(const toml::table& root, options& o) {
    for (const auto& [key, node] : root) {
        const std::string k(key.str());
        if (k == "dataplane") {
            read_dataplane(table_at(node, k), o);
        } else if (k == "proxy") {
            read_proxy(table_at(node, k), o.proxy);
        } else if (k == "session_timers") {
            read_session_timers(table_at(node, k), o.proxy.session_timers);
        } else if (k == "route") {
            each_entry(node, k, [&](const toml::node& e, table_reader& r) {
                proxy::static_route route;
                route.domain = required_text(e, r, "domain");
                route.next_hop = endpoint_of(r, "next_hop", required_text(e, r, "next_hop"));
                o.proxy.routes.push_back(std::move(route));
            });
        } else if (k == "host") {
            each_entry(node, k, [&](const toml::node& e, table_reader& r) {
                proxy::static_host host;
                host.name = required_text(e, r, "name");
                host.address = endpoint_of(r, "address", required_text(e, r, "address"));
                o.proxy.hosts.push_back(std::move(host));
            });
        } else if (k == "contact") {
            each_entry(node, k, [&](const toml::node& e, table_reader& r) {
                static_contact c;
                c.aor = required_text(e, r, "aor");
                if (c.aor.find('@') == std::string::npos) {
                    r.fail_key("aor", "must be user@host");
                }
                c.uri = required_text(e, r, "uri");
                r.integer("q", c.q, 0, 1000);
                o.contacts.push_back(std::move(c));
            });
        }
        // Any other top-level table is sipedge-control's; read_control_tables()
        // takes what the dataplane needs from some of them.
    }
    read_control_tables(root, o.auth);
}

} // namespace

std::string load_config_file(const std::string& path, options& o) {
    if (!std::ifstream(path).good()) {
        return path + ": cannot open the configuration file for reading";
    }
    try {
        const toml::table root = toml::parse_file(path);
        read_file(root, o);
    } catch (const toml::parse_error& e) {
        return path + ":" + std::to_string(e.source().begin.line) + ":" +
               std::to_string(e.source().begin.column) + ": " + std::string(e.description());
    } catch (const config_problem& p) {
        return path + ":" + std::to_string(p.where.begin.line) + ":" +
               std::to_string(p.where.begin.column) + ": " + p.key + ": " + p.what;
    }
    o.config_path = path;
    return {};
}

} // namespace sipedge::dataplane
