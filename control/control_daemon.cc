#include "control/control_daemon.hh"

#include "control/config/reload_diff.hh"
#include "dataplane/config_file.hh"

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <openssl/rand.h>
#include <unistd.h>

namespace sipedge::control {

namespace {

using nlohmann::json;

constexpr std::size_t burst = 64; // messages per lcore per pass
// AORs saved per pass. A round of saves is one SQLite transaction (so each page is
// written once per round), but it is written a slice per pass: saving a round of
// 10,000 AORs in one go held the loop ~100 ms, long enough for a 2048-slot ring to
// fill at 40,000 REGISTER/s. While the rings still hold a backlog, slices are
// smaller still, so that answering comes first but saving never stops.
constexpr std::size_t save_slice_aors = 128;
constexpr std::size_t save_slice_aors_backlogged = 16;

std::string random_secret() {
    std::array<std::uint8_t, 32> b{};
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
        return "sipedge-fallback-secret-" + std::to_string(::getpid());
    }
    return auth::to_hex(b);
}

std::string format_endpoint(const ipc::endpoint& e) {
    static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(mapped, mapped + 12, e.addr.begin())) {
        return std::to_string(e.addr[12]) + "." + std::to_string(e.addr[13]) + "." +
               std::to_string(e.addr[14]) + "." + std::to_string(e.addr[15]) + ":" +
               std::to_string(e.port);
    }
    std::string s = "[";
    for (int i = 0; i < 16; i += 2) {
        char part[8];
        std::snprintf(part, sizeof part, "%s%x", i ? ":" : "", e.addr[i] << 8 | e.addr[i + 1]);
        s += part;
    }
    return s + "]:" + std::to_string(e.port);
}

json error_reply(std::string message) {
    return json{{"ok", false}, {"error", std::move(message)}};
}

} // namespace

control_daemon::control_daemon(config::control_config cfg)
    : _cfg(std::move(cfg)), _registrar(_cfg.registrar),
      _view(std::make_unique<sip::message_view>()) {
    const std::string secret = _cfg.nonce_secret.empty() ? random_secret() : _cfg.nonce_secret;
    _nonces = std::make_unique<auth::nonce_manager>(secret, _cfg.nonce_lifetime);
    _service = std::make_unique<registrar::register_service>(_registrar, _users, *_nonces,
                                                             _cfg.service_settings());
}

control_daemon::~control_daemon() = default;

bool control_daemon::start(std::int64_t now, std::string& error) {
    _started = now;
    _store = location::sqlite_store::open(_cfg.sqlite_path, error);
    if (_store == nullptr) {
        return false;
    }
    for (const location::user_row& u : _store->users()) {
        _users.put(u.user, u.realm, u.credential);
    }
    _store->purge_expired(now);
    for (auto& [aor, list] : _store->load_bindings(now)) {
        _registrar.load(aor, std::move(list));
    }
    _location_dirty = _credentials_dirty = true;
    return true;
}

void control_daemon::try_attach(std::int64_t now) {
    // stat() of the link path once a second, not every pass.
    if (_link != nullptr && now >= _next_replaced_check) {
        _next_replaced_check = now + 1;
        if (_link->dataplane_replaced()) {
            _link.reset(); // a new dataplane: attach to its file and republish everything
            _next_attach_try = 0;
        }
    }
    if (_link != nullptr || now < _next_attach_try) {
        return;
    }
    _next_attach_try = now + 1;
    auto r = ipc::control_link::attach(_cfg.shm_path, now);
    if (!r.ok()) {
        _last_link_error = r.message();
        return;
    }
    _link = std::move(r.value());
    _last_link_error.clear();
    ++_stats.attaches;
    _location_dirty = _credentials_dirty = true;
}

std::size_t control_daemon::drain(std::int64_t now) {
    std::size_t handled = 0;
    _rings_backlogged = false;
    ipc::received_message m;
    char out[8192];
    const std::size_t cap = std::min<std::size_t>(sizeof out, _link->slot_payload());
    for (std::uint16_t l = 0; l < _link->lcore_count(); ++l) {
        std::size_t n = 0;
        for (; n < burst && _link->pop_from_dataplane(l, m); ++n) {
            ++handled;
            ++_stats.received;
            const auto pr = _parser.parse_unpadded(m.bytes, *_view);
            if (!pr.ok()) {
                ++_stats.unparsable;
                continue;
            }
            const registrar::register_context ctx{m.meta.source, m.meta.transport, now};
            const registrar::register_result r = _service->handle(*_view, ctx, out, cap);
            if (r.changed) {
                if (!_dirty_aors.contains(r.aor)) {
                    _dirty_aors.emplace(r.aor);
                }
                if (r.routes_changed) {
                    _location_dirty = true;
                } else {
                    note_refresh(now);
                }
            }
            if (r.status == 0) {
                ++_stats.not_register;
                continue;
            }
            ++_stats.by_status[std::min(r.status / 100, 6)];
            ipc::message_meta reply;
            reply.source = m.meta.destination;
            reply.destination = m.meta.source;
            reply.transport = m.meta.transport;
            reply.token = m.meta.token;
            if (_link->push_to_dataplane(l, {out, r.length}, reply) == ipc::push_result::ok) {
                ++_stats.responses;
            } else {
                ++_stats.response_dropped;
            }
        }
        _link->release_from_dataplane(l);
        _rings_backlogged = _rings_backlogged || n == burst;
    }
    return handled;
}

// A refresh that moved only expiry and CSeq: the dataplane's copy still routes
// right, and only stops using a contact at the expiry it holds. Published within
// refresh_publish_delay_s, and before the earliest published expiry comes within
// refresh_publish_margin_s (refreshed or not, that contact is the first the
// dataplane would drop).
void control_daemon::note_refresh(std::int64_t now) {
    const std::int64_t due = std::min(now + refresh_publish_delay_s,
                                      _published_earliest_expiry - refresh_publish_margin_s);
    _refresh_due = _refresh_pending ? std::min(_refresh_due, due) : due;
    _refresh_pending = true;
}

// A round starts at most every publish_interval_ms, and no sooner after the last
// one ended than four times the time its slices took (a failed one included: a
// locked file is retried later, not every pass): so saving stays a bounded share
// of the core, and under load more changes to one AOR share one save.
void control_daemon::save_step(std::chrono::steady_clock::time_point t0, bool force) {
    if (_save_round_next == _save_round.size()) {
        if (_dirty_aors.empty() || (!force && t0 < _next_save_round)) {
            return;
        }
        _save_round.clear();
        _save_round_next = 0;
        _save_round.reserve(_dirty_aors.size());
        for (auto it = _dirty_aors.begin(); it != _dirty_aors.end();) {
            _save_round.push_back(std::move(_dirty_aors.extract(it++).value()));
        }
        _save_round_busy = {};
        _save_round_ok = _store->begin();
    }
    const std::size_t slice = force               ? _save_round.size()
                              : _rings_backlogged ? save_slice_aors_backlogged
                                                  : save_slice_aors;
    const std::size_t end = std::min(_save_round.size(), _save_round_next + slice);
    for (; _save_round_next < end && _save_round_ok; ++_save_round_next) {
        const std::string& aor = _save_round[_save_round_next];
        _save_round_ok = _store->save_aor(aor, _registrar.bindings(aor));
    }
    if (_save_round_ok && _save_round_next < _save_round.size()) {
        _save_round_busy += std::chrono::steady_clock::now() - t0;
        return;
    }
    ++_stats.save_rounds;
    if (!(_save_round_ok && _store->commit())) {
        // Nothing of the round is on disk: every AOR of it goes to the next round,
        // which retries them from memory.
        ++_stats.store_errors;
        _store->rollback();
        for (std::string& aor : _save_round) {
            _dirty_aors.insert(std::move(aor));
        }
        _save_round.clear();
        _save_round_next = 0;
    }
    const auto t1 = std::chrono::steady_clock::now();
    _save_round_busy += t1 - t0;
    if (_cfg.publish_interval_ms != 0) { // 0: every pass (tests)
        _next_save_round =
            t1 + std::max<std::chrono::steady_clock::duration>(
                     std::chrono::milliseconds(_cfg.publish_interval_ms), 4 * _save_round_busy);
    }
}

void control_daemon::flush() {
    save_step(std::chrono::steady_clock::now(), true); // the open round, if any
    save_step(std::chrono::steady_clock::now(), true); // what changed since
}

void control_daemon::persist_and_publish(std::int64_t now) {
    save_step(std::chrono::steady_clock::now(), false);
    const auto t0 = std::chrono::steady_clock::now();
    if (t0 < _next_publish) {
        return;
    }
    if (_link == nullptr) {
        return;
    }
    if (_location_dirty || (_refresh_pending && now >= _refresh_due)) {
        ipc::location_table_builder b;
        const std::int64_t earliest = _registrar.fill(b, now);
        const auto r = _link->publish_location(b, now);
        if (r == ipc::publish_result::ok) {
            ++_stats.publishes;
            _location_dirty = false;
            _refresh_pending = false;
            _published_earliest_expiry = earliest;
        } else {
            ++_stats.publish_busy;
        }
    }
    if (_cfg.publish_interval_ms != 0) {
        // Rebuilding the snapshot is O(bindings): keep it a small share of the core
        // (a fifth), and a smaller one (a tenth) while the rings hold a backlog, as
        // when every phone registers at once: answering comes first.
        const auto spent = std::chrono::steady_clock::now() - t0;
        _next_publish = t0 + std::max<std::chrono::steady_clock::duration>(
                                 std::chrono::milliseconds(_cfg.publish_interval_ms),
                                 (_rings_backlogged ? 9 : 4) * spent);
    }
    if (_credentials_dirty) {
        ipc::credential_table_builder b;
        _users.fill(b);
        if (_link->publish_credentials(b, now) == ipc::publish_result::ok) {
            ++_stats.publishes;
            _credentials_dirty = false;
        } else {
            ++_stats.publish_busy;
        }
    }
    _link->heartbeat(now);
}

std::size_t control_daemon::poll(std::int64_t now) {
    try_attach(now);
    std::size_t handled = 0;
    if (_link != nullptr) {
        handled = drain(now);
    }
    if (now >= _registrar.next_expiry()) {
        for (std::string& aor : _registrar.expire(now)) {
            _dirty_aors.insert(std::move(aor));
            _location_dirty = true; // a contact went
        }
    }
    if (now >= _next_nonce_purge) {
        _nonces->purge(now);
        _next_nonce_purge = now + 10;
    }
    persist_and_publish(now);
    return handled;
}

json control_daemon::status_json(std::int64_t now) const {
    json s = {{"ok", true},
              {"version", control_version},
              {"pid", ::getpid()},
              {"uptime_s", now - _started},
              {"config", _cfg.source},
              {"sqlite", _cfg.sqlite_path},
              {"aors", _registrar.aor_count()},
              {"bindings", _registrar.binding_count()},
              {"users", _users.size()},
              {"domains", json::array()}};
    for (const auto& d : _cfg.domains) {
        s["domains"].push_back({{"name", d.name}, {"realm", d.realm}});
    }
    json link = {{"path", _cfg.shm_path}, {"attached", _link != nullptr}};
    if (_link != nullptr) {
        const ipc::link_status st = _link->status();
        link["lcores"] = st.lcore_count;
        link["dataplane_pid"] = st.dataplane_pid;
        link["location_generation"] = st.location_generation;
        link["credential_generation"] = st.credential_generation;
        std::uint64_t in = 0, full = 0, large = 0;
        for (const auto& r : st.to_control) {
            in += r.pushed;
            full += r.refused_full;
            large += r.refused_too_large;
        }
        link["to_control"] = {{"pushed", in}, {"refused_full", full}, {"refused_too_large", large}};
    } else {
        link["error"] = _last_link_error;
    }
    s["link"] = link;
    s["stats"] = {{"received", _stats.received},
                  {"responses", _stats.responses},
                  {"response_dropped", _stats.response_dropped},
                  {"unparsable", _stats.unparsable},
                  {"not_register", _stats.not_register},
                  {"2xx", _stats.by_status[2]},
                  {"4xx", _stats.by_status[4]},
                  {"5xx", _stats.by_status[5]},
                  {"publishes", _stats.publishes},
                  {"publish_busy", _stats.publish_busy},
                  {"save_rounds", _stats.save_rounds},
                  {"store_errors", _stats.store_errors}};
    return s;
}

json control_daemon::registrations_json(std::string_view aor, std::int64_t now) const {
    json list = json::array();
    auto add = [&](const std::string& key, const std::vector<registrar::binding>& v) {
        json contacts = json::array();
        for (const registrar::binding& b : v) {
            if (b.expires_at <= now) {
                continue;
            }
            contacts.push_back({{"uri", b.uri},
                                {"expires_in", b.expires_at - now},
                                {"q", b.q / 1000.0},
                                {"received", format_endpoint(b.received)},
                                {"path", b.path},
                                {"params", b.params},
                                {"call_id", b.call_id},
                                {"cseq", b.cseq},
                                {"user_agent", b.user_agent}});
        }
        if (!contacts.empty()) {
            list.push_back({{"aor", key}, {"contacts", contacts}});
        }
    };
    if (!aor.empty()) {
        const std::string key = ipc::normalize_aor(aor);
        const auto it = _registrar.all().find(key);
        if (it != _registrar.all().end()) {
            add(it->first, it->second);
        }
    } else {
        // Listed in AOR order (the registrar keeps them unordered).
        std::vector<const registrar::registrar::aor_map::value_type*> sorted;
        sorted.reserve(_registrar.all().size());
        for (const auto& e : _registrar.all()) {
            sorted.push_back(&e);
        }
        std::sort(sorted.begin(), sorted.end(),
                  [](const auto* a, const auto* b) { return a->first < b->first; });
        for (const auto* e : sorted) {
            add(e->first, e->second);
        }
    }
    return json{{"ok", true}, {"registrations", list}};
}

json control_daemon::reload(std::int64_t now) {
    if (_cfg.source.empty()) {
        return error_reply("control was started without a configuration file: nothing to reload");
    }
    config::config_result next = config::load_control_config(_cfg.source);
    if (!next.ok()) {
        std::string text;
        for (const auto& e : next.errors) {
            text += (text.empty() ? "" : "; ") + e.text();
        }
        return error_reply("reload refused, nothing changed: " + text);
    }
    // The dataplane's tables too: a file that sipedge would refuse is refused here,
    // before anything is applied or signalled.
    dataplane::options dp;
    if (const std::string e = dataplane::load_config_file(_cfg.source, dp); !e.empty()) {
        return error_reply("reload refused, nothing changed: " + e);
    }
    config::control_config& n = next.config;
    if (!_pinned_socket.empty()) {
        n.socket_path = _pinned_socket;
    }
    if (!_pinned_shm.empty()) {
        n.shm_path = _pinned_shm;
    }
    if (!_pinned_sqlite.empty()) {
        n.sqlite_path = _pinned_sqlite;
    }
    const config::config_diff diff = config::diff_control_config(_cfg, n);
    // Apply the live part; keys that need a restart keep their running values.
    _cfg.registrar = n.registrar;
    _cfg.domains = n.domains;
    _cfg.auth_register = n.auth_register;
    _cfg.auth_invite = n.auth_invite;
    _cfg.algorithms = n.algorithms;
    _cfg.publish_interval_ms = n.publish_interval_ms;
    _registrar.set_limits(_cfg.registrar);
    _service = std::make_unique<registrar::register_service>(_registrar, _users, *_nonces,
                                                             _cfg.service_settings());
    json warnings = json::array();
    for (const auto& w : next.warnings) {
        warnings.push_back(w.text());
    }
    json reply = {{"ok", true},
                  {"file", _cfg.source},
                  {"applied", diff.applied},
                  {"restart", diff.restart},
                  {"warnings", warnings},
                  {"dataplane_signalled", false}};
    if (_link != nullptr) {
        const ipc::link_status st = _link->status();
        // The pid in the link header may be stale (dataplane gone, pid reused):
        // signal it only if it still is a process named sipedge.
        std::string comm;
        if (std::FILE* f =
                std::fopen(("/proc/" + std::to_string(st.dataplane_pid) + "/comm").c_str(), "r")) {
            char buf[32] = {};
            if (std::fgets(buf, sizeof buf, f) != nullptr) {
                comm = buf;
            }
            std::fclose(f);
        }
        if (comm == "sipedge\n" && ::kill(static_cast<pid_t>(st.dataplane_pid), SIGHUP) == 0) {
            reply["dataplane_signalled"] = true;
            reply["dataplane_pid"] = st.dataplane_pid;
        }
    }
    (void)now;
    return reply;
}

json control_daemon::command(const json& request, std::int64_t now) {
    try {
        if (!request.is_object() || !request.contains("cmd") || !request["cmd"].is_string()) {
            return error_reply("request must be a JSON object with a \"cmd\" string");
        }
        const std::string cmd = request["cmd"];
        auto str = [&](const char* key) -> std::string {
            return request.contains(key) && request[key].is_string()
                       ? request[key].get<std::string>()
                       : std::string();
        };
        if (cmd == "version") {
            return json{{"ok", true}, {"version", control_version}};
        }
        if (cmd == "status") {
            return status_json(now);
        }
        if (cmd == "reload") {
            return reload(now);
        }
        if (cmd == "registrations") {
            return registrations_json(str("aor"), now);
        }
        if (cmd == "realm") {
            const auto* d = _service->find_domain(str("domain"));
            if (d == nullptr) {
                return error_reply("domain \"" + str("domain") + "\" is not served here");
            }
            return json{{"ok", true}, {"realm", d->realm.empty() ? d->name : d->realm}};
        }
        if (cmd == "users.list") {
            json users = json::array();
            for (const auto& [key, c] : _users.all()) {
                users.push_back({{"user", key.first},
                                 {"realm", key.second},
                                 {"md5", c.has_md5},
                                 {"sha256", c.has_sha256}});
            }
            return json{{"ok", true}, {"users", users}};
        }
        if (cmd == "users.add") {
            const std::string user = str("user");
            const std::string realm = str("realm");
            auth::stored_credential c;
            c.has_md5 = auth::from_hex(str("ha1_md5"), c.ha1_md5);
            c.has_sha256 = auth::from_hex(str("ha1_sha256"), c.ha1_sha256);
            if (user.empty() || realm.empty() || (!c.has_md5 && !c.has_sha256)) {
                return error_reply("users.add needs user, realm and ha1_md5 and/or ha1_sha256 "
                                   "(hex)");
            }
            flush(); // no save round open: the user's row is a transaction of its own
            if (!_store->put_user(user, realm, c)) {
                return error_reply("store: " + _store->last_error());
            }
            _users.put(user, realm, c);
            // Published by the next pass (paced as the location snapshot): a burst of
            // adds shares one O(users) rebuild instead of one each.
            _credentials_dirty = true;
            return json{{"ok", true}};
        }
        if (cmd == "users.del") {
            const std::string user = str("user");
            const std::string realm = str("realm");
            flush(); // no save round open: the deletion is a transaction of its own
            if (!_store->delete_user(user, realm) && !_store->last_error().empty() &&
                _users.find(user, realm) != nullptr) {
                return error_reply("store: " + _store->last_error());
            }
            if (!_users.erase(user, realm)) {
                return error_reply("no user " + user + " in realm " + realm);
            }
            _credentials_dirty = true; // published by the next pass
            return json{{"ok", true}};
        }
        return error_reply("unknown command \"" + cmd + "\"");
    } catch (const std::exception& e) {
        return error_reply(std::string("bad request: ") + e.what());
    }
}

} // namespace sipedge::control
