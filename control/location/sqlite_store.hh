#pragma once
// The embedded location store: one SQLite file holding users (HA1 hashes only,
// never passwords) and bindings, so that both survive restarts of control and of
// the dataplane. WAL journal, synchronous=NORMAL: a power cut may lose the last
// few REGISTERs (clients refresh), never corrupt the file. The WAL is copied back
// into the file by a thread of its own (wal_checkpointer), not by the writer.
//
// Control changes bindings in memory (registrar) and saves the AORs changed since
// the last round in one transaction (save_aor between begin()/commit()).

#include "control/auth/digest.hh"
#include "control/location/wal_checkpointer.hh"
#include "control/registrar/registrar.hh"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace sipedge::control::location {

struct user_row {
    std::string user;
    std::string realm;
    auth::stored_credential credential;
};

class sqlite_store {
public:
    // Opens or creates the file and its schema; null with error set on failure.
    static std::unique_ptr<sqlite_store> open(const std::string& path, std::string& error);
    ~sqlite_store();
    sqlite_store(const sqlite_store&) = delete;
    sqlite_store& operator=(const sqlite_store&) = delete;

    // ---- users ----
    bool put_user(std::string_view user, std::string_view realm, const auth::stored_credential& c);
    // false when there was no such user (or on error: see last_error()).
    bool delete_user(std::string_view user, std::string_view realm);
    std::vector<user_row> users();

    // ---- bindings ----
    bool begin();
    bool commit();
    // Ends an open transaction without saving it (after a failed statement).
    void rollback();
    // Replaces the stored bindings of aor (none: the AOR is removed).
    bool save_aor(std::string_view aor, std::span<const registrar::binding> bindings);
    // Every AOR with its bindings not yet expired at now.
    std::vector<std::pair<std::string, std::vector<registrar::binding>>>
    load_bindings(std::int64_t now);
    // Deletes bindings expired at now; returns how many.
    std::size_t purge_expired(std::int64_t now);

    const std::string& last_error() const { return _error; }
    // WAL checkpoints made (and failed) off the writer's thread.
    std::uint64_t checkpoints() const { return _checkpointer ? _checkpointer->checkpoints() : 0; }
    std::uint64_t checkpoint_errors() const { return _checkpointer ? _checkpointer->errors() : 0; }

private:
    sqlite_store() = default;
    bool exec(const char* sql);
    sqlite3_stmt* prepare(const char* sql);
    bool fail(const char* what);

    sqlite3* _db = nullptr;
    sqlite3_stmt* _put_user = nullptr;
    sqlite3_stmt* _delete_user = nullptr;
    sqlite3_stmt* _delete_aor = nullptr;
    sqlite3_stmt* _insert_binding = nullptr;
    std::string _error;
    std::unique_ptr<wal_checkpointer> _checkpointer; // stopped before _db closes
};

} // namespace sipedge::control::location
