#pragma once
// sipedge-control's state and one pass of its loop, without sockets or signals
// (control/main.cc adds those), so that tests can drive it step by step.
//
// reload (sipedgectl reload): see reload(); nothing changes when the file has
// an error in any table.
//
// Each poll(now):
//  1. attaches to the dataplane's link file if not attached (retrying at most once a
//     second), or re-attaches when the dataplane was restarted (new file), then
//     republishes everything from memory;
//  2. drains every lcore's to_control ring (a bounded burst each): REGISTERs go
//     through register_service, the response goes back on the lcore it came from;
//  3. runs the expiry timer (registrar::next_expiry) and purges old nonces;
//  4. saves the AORs that changed (see save_step: a round of saves is one SQLite
//     transaction, written in slices with the rings drained in between) and
//     republishes the location snapshot (and the credential table after user
//     changes), at most every publish_interval_ms; a publish the lcores are not
//     ready for (busy) is retried on the next pass. A refresh that moves only
//     expiry and CSeq is saved the same way but published later (within
//     refresh_publish_delay_s, and before the earliest expiry the dataplane holds
//     comes within refresh_publish_margin_s);
//  5. refreshes the heartbeat the dataplane reads.
// State survives restarts through SQLite: start() loads users and live bindings.

#include "common/ipc/link.hh"
#include "control/auth/credential_store.hh"
#include "control/auth/digest.hh"
#include "control/config/control_config.hh"
#include "control/location/sqlite_store.hh"
#include "control/registrar/register_service.hh"
#include "control/registrar/registrar.hh"
#include "parser/message_parser.hh"

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace sipedge::control {

inline constexpr std::string_view control_version = "0.1.0";

// Publication of refresh-only changes (see note_refresh): at most this long after
// the first one, and this long before the earliest expiry the dataplane holds.
inline constexpr std::int64_t refresh_publish_delay_s = 5;
inline constexpr std::int64_t refresh_publish_margin_s = 2;

struct daemon_stats {
    std::uint64_t received = 0;         // messages popped from the rings
    std::uint64_t unparsable = 0;       // dropped: not SIP
    std::uint64_t not_register = 0;     // dropped: nothing else is handled here yet
    std::uint64_t responses = 0;        // pushed back
    std::uint64_t response_dropped = 0; // from_control ring full
    std::uint64_t by_status[7] = {};    // 1xx..6xx answered
    std::uint64_t publishes = 0;
    std::uint64_t publish_busy = 0;
    std::uint64_t attaches = 0;
    std::uint64_t store_errors = 0;
    std::uint64_t save_rounds = 0; // SQLite transactions of binding saves
};

class control_daemon {
public:
    explicit control_daemon(config::control_config cfg);
    ~control_daemon();

    // Opens the store and loads users and bindings; false with error set.
    bool start(std::int64_t now, std::string& error);
    // One pass; returns the number of ring messages handled (0: idle).
    std::size_t poll(std::int64_t now);

    // Saves every AOR not saved yet (at shutdown, so that a stop loses nothing).
    void flush();

    // A CLI request (one JSON object) to its reply; never throws.
    nlohmann::json command(const nlohmann::json& request, std::int64_t now);

    // Paths set on the command line (they override the file, also on reload).
    void pin_paths(std::string socket, std::string shm, std::string sqlite) {
        _pinned_socket = std::move(socket);
        _pinned_shm = std::move(shm);
        _pinned_sqlite = std::move(sqlite);
    }

    bool attached() const { return _link != nullptr; }
    const registrar::registrar& bindings() const { return _registrar; }
    const auth::credential_store& users() const { return _users; }
    const daemon_stats& stats() const { return _stats; }
    const config::control_config& config() const { return _cfg; }

private:
    void try_attach(std::int64_t now);
    std::size_t drain(std::int64_t now);
    void note_refresh(std::int64_t now);
    // Step 4 of poll(): a save slice, then the paced publications.
    void persist_and_publish(std::int64_t now);
    // One slice of the current save round (all of it when force); starts a round
    // from _dirty_aors when none is open and the pacing allows.
    void save_step(std::chrono::steady_clock::time_point t0, bool force);
    nlohmann::json status_json(std::int64_t now) const;
    nlohmann::json registrations_json(std::string_view aor, std::int64_t now) const;
    // Re-reads the file: checks control's and the dataplane's tables, applies what
    // control can apply live, signals the dataplane (SIGHUP) for its part.
    nlohmann::json reload(std::int64_t now);

    config::control_config _cfg;
    std::unique_ptr<location::sqlite_store> _store;
    registrar::registrar _registrar;
    auth::credential_store _users;
    std::unique_ptr<auth::nonce_manager> _nonces;
    std::unique_ptr<registrar::register_service> _service;
    std::unique_ptr<ipc::control_link> _link;
    parser::message_parser _parser;
    std::unique_ptr<sip::message_view> _view;
    // AORs changed since the current save round began (in no order: each is
    // saved on its own). A round takes them all into _save_round, which is saved
    // a slice per pass in one transaction; an AOR changed again meanwhile is saved
    // again next round. A round that fails is rolled back and its AORs go back here.
    std::unordered_set<std::string, registrar::string_key_hash, std::equal_to<>> _dirty_aors;
    std::vector<std::string> _save_round;
    std::size_t _save_round_next = 0;
    std::chrono::steady_clock::duration _save_round_busy{};
    std::chrono::steady_clock::time_point _next_save_round{};
    bool _save_round_ok = true;     // no statement of the open round failed
    bool _rings_backlogged = false; // the last drain stopped at a burst limit
    bool _location_dirty = true;    // routes changed: publish at the next tick
    // Refreshes that moved only expiry and CSeq since the last publication: they
    // are published by _refresh_due (unix seconds), not at every tick, since a
    // rebuild is O(bindings) and a refresh changes nothing the dataplane routes
    // on until the expiry it holds comes near.
    bool _refresh_pending = false;
    std::int64_t _refresh_due = 0;
    std::int64_t _published_earliest_expiry = std::numeric_limits<std::int64_t>::max();
    bool _credentials_dirty = true;
    std::chrono::steady_clock::time_point _next_publish{};
    std::int64_t _next_attach_try = 0;
    std::int64_t _next_replaced_check = 0;
    std::int64_t _next_nonce_purge = 0;
    std::int64_t _started = 0;
    std::string _last_link_error;
    std::string _pinned_socket, _pinned_shm, _pinned_sqlite;
    daemon_stats _stats;
};

} // namespace sipedge::control
