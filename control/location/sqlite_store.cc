#include "control/location/sqlite_store.hh"

#include <cstring>
#include <sqlite3.h>

namespace sipedge::control::location {

namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS users (
    username   TEXT NOT NULL,
    realm      TEXT NOT NULL,
    ha1_md5    TEXT,
    ha1_sha256 TEXT,
    PRIMARY KEY (username, realm)
);
CREATE TABLE IF NOT EXISTS bindings (
    aor        TEXT NOT NULL,
    uri        TEXT NOT NULL,
    params     TEXT NOT NULL,
    path       TEXT NOT NULL,
    call_id    TEXT NOT NULL,
    cseq       INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    q          INTEGER NOT NULL,
    instance   TEXT NOT NULL,
    reg_id     INTEGER NOT NULL,
    received   BLOB NOT NULL,
    transport  INTEGER NOT NULL,
    user_agent TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS bindings_aor ON bindings (aor);
-- No index on expires_at: only the start-up purge reads by expiry, and keeping
-- that index costs every save a random page write.
DROP INDEX IF EXISTS bindings_expires;
PRAGMA user_version = 1;
)sql";

// How often the WAL is copied back into the file: at 200,000 REGISTER/s a second's
// rounds add a few thousand pages to it.
constexpr unsigned checkpoint_interval_ms = 250;

// Bound without a copy (SQLITE_STATIC): every statement here has all of its
// parameters bound again before each step, and the bound values outlive that step.
void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

std::string column_text(sqlite3_stmt* s, int i) {
    const auto* p = sqlite3_column_text(s, i);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}

} // namespace

std::unique_ptr<sqlite_store> sqlite_store::open(const std::string& path, std::string& error) {
    std::unique_ptr<sqlite_store> s(new sqlite_store());
    if (sqlite3_open_v2(path.c_str(), &s->_db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        error = "cannot open " + path + ": " +
                (s->_db != nullptr ? sqlite3_errmsg(s->_db) : "out of memory");
        return nullptr;
    }
    sqlite3_busy_timeout(s->_db, 2000);
    // A save round is one transaction over up to every AOR: a 64 MiB page cache
    // holds it without spilling pages to the WAL before the commit. No automatic
    // checkpoint: wal_checkpointer does it off this thread.
    if (!s->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                 "PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=0;") ||
        !s->exec(schema)) {
        error = path + ": " + s->_error;
        return nullptr;
    }
    s->_put_user = s->prepare("INSERT INTO users (username, realm, ha1_md5, ha1_sha256) "
                              "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (username, realm) DO UPDATE "
                              "SET ha1_md5 = ?3, ha1_sha256 = ?4");
    s->_delete_user = s->prepare("DELETE FROM users WHERE username = ?1 AND realm = ?2");
    s->_delete_aor = s->prepare("DELETE FROM bindings WHERE aor = ?1");
    s->_insert_binding = s->prepare(
        "INSERT INTO bindings (aor, uri, params, path, call_id, cseq, expires_at, q, instance, "
        "reg_id, received, transport, user_agent, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    if (s->_put_user == nullptr || s->_delete_user == nullptr || s->_delete_aor == nullptr ||
        s->_insert_binding == nullptr) {
        error = path + ": " + s->_error;
        return nullptr;
    }
    s->_checkpointer = std::make_unique<wal_checkpointer>(path, checkpoint_interval_ms);
    return s;
}

sqlite_store::~sqlite_store() {
    _checkpointer.reset();
    for (sqlite3_stmt* st : {_put_user, _delete_user, _delete_aor, _insert_binding}) {
        sqlite3_finalize(st);
    }
    sqlite3_close(_db);
}

bool sqlite_store::fail(const char* what) {
    _error = std::string(what) + ": " + sqlite3_errmsg(_db);
    return false;
}

bool sqlite_store::exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(_db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        _error = msg != nullptr ? msg : "sqlite error";
        sqlite3_free(msg);
        return false;
    }
    return true;
}

sqlite3_stmt* sqlite_store::prepare(const char* sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(_db, sql, -1, &st, nullptr) != SQLITE_OK) {
        fail("prepare");
        return nullptr;
    }
    return st;
}

bool sqlite_store::put_user(std::string_view user, std::string_view realm,
                            const auth::stored_credential& c) {
    sqlite3_reset(_put_user);
    bind_text(_put_user, 1, user);
    bind_text(_put_user, 2, realm);
    const std::string md5 = c.has_md5 ? auth::to_hex(c.ha1_md5) : std::string();
    const std::string sha = c.has_sha256 ? auth::to_hex(c.ha1_sha256) : std::string();
    if (c.has_md5) {
        bind_text(_put_user, 3, md5);
    } else {
        sqlite3_bind_null(_put_user, 3);
    }
    if (c.has_sha256) {
        bind_text(_put_user, 4, sha);
    } else {
        sqlite3_bind_null(_put_user, 4);
    }
    return sqlite3_step(_put_user) == SQLITE_DONE || fail("put user");
}

bool sqlite_store::delete_user(std::string_view user, std::string_view realm) {
    sqlite3_reset(_delete_user);
    bind_text(_delete_user, 1, user);
    bind_text(_delete_user, 2, realm);
    if (sqlite3_step(_delete_user) != SQLITE_DONE) {
        return fail("delete user");
    }
    return sqlite3_changes(_db) > 0;
}

std::vector<user_row> sqlite_store::users() {
    std::vector<user_row> out;
    sqlite3_stmt* st = prepare("SELECT username, realm, ha1_md5, ha1_sha256 FROM users "
                               "ORDER BY realm, username");
    if (st == nullptr) {
        return out;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        user_row r;
        r.user = column_text(st, 0);
        r.realm = column_text(st, 1);
        r.credential.has_md5 = sqlite3_column_type(st, 2) != SQLITE_NULL &&
                               auth::from_hex(column_text(st, 2), r.credential.ha1_md5);
        r.credential.has_sha256 = sqlite3_column_type(st, 3) != SQLITE_NULL &&
                                  auth::from_hex(column_text(st, 3), r.credential.ha1_sha256);
        out.push_back(std::move(r));
    }
    sqlite3_finalize(st);
    return out;
}

bool sqlite_store::begin() {
    return exec("BEGIN IMMEDIATE");
}
bool sqlite_store::commit() {
    return exec("COMMIT");
}
void sqlite_store::rollback() {
    if (sqlite3_get_autocommit(_db) == 0) {
        sqlite3_exec(_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

bool sqlite_store::save_aor(std::string_view aor, std::span<const registrar::binding> bindings) {
    sqlite3_reset(_delete_aor);
    bind_text(_delete_aor, 1, aor);
    if (sqlite3_step(_delete_aor) != SQLITE_DONE) {
        return fail("delete bindings");
    }
    for (const registrar::binding& b : bindings) {
        sqlite3_stmt* s = _insert_binding;
        sqlite3_reset(s);
        bind_text(s, 1, aor);
        bind_text(s, 2, b.uri);
        bind_text(s, 3, b.params);
        bind_text(s, 4, b.path);
        bind_text(s, 5, b.call_id);
        sqlite3_bind_int64(s, 6, b.cseq);
        sqlite3_bind_int64(s, 7, b.expires_at);
        sqlite3_bind_int(s, 8, b.q);
        bind_text(s, 9, b.instance);
        sqlite3_bind_int64(s, 10, b.reg_id);
        sqlite3_bind_blob(s, 11, &b.received, sizeof b.received, SQLITE_STATIC);
        sqlite3_bind_int(s, 12, b.transport);
        bind_text(s, 13, b.user_agent);
        sqlite3_bind_int64(s, 14, b.updated_at);
        if (sqlite3_step(s) != SQLITE_DONE) {
            return fail("insert binding");
        }
    }
    return true;
}

std::vector<std::pair<std::string, std::vector<registrar::binding>>>
sqlite_store::load_bindings(std::int64_t now) {
    std::vector<std::pair<std::string, std::vector<registrar::binding>>> out;
    sqlite3_stmt* st =
        prepare("SELECT aor, uri, params, path, call_id, cseq, expires_at, q, instance, reg_id, "
                "received, transport, user_agent, updated_at FROM bindings WHERE expires_at > ?1 "
                "ORDER BY aor, rowid");
    if (st == nullptr) {
        return out;
    }
    sqlite3_bind_int64(st, 1, now);
    while (sqlite3_step(st) == SQLITE_ROW) {
        std::string aor = column_text(st, 0);
        if (out.empty() || out.back().first != aor) {
            out.emplace_back(std::move(aor), std::vector<registrar::binding>());
        }
        registrar::binding b;
        b.uri = column_text(st, 1);
        b.params = column_text(st, 2);
        b.path = column_text(st, 3);
        b.call_id = column_text(st, 4);
        b.cseq = static_cast<std::uint32_t>(sqlite3_column_int64(st, 5));
        b.expires_at = sqlite3_column_int64(st, 6);
        b.q = static_cast<std::int16_t>(sqlite3_column_int(st, 7));
        b.instance = column_text(st, 8);
        b.reg_id = sqlite3_column_int64(st, 9);
        if (sqlite3_column_bytes(st, 10) == static_cast<int>(sizeof b.received)) {
            std::memcpy(&b.received, sqlite3_column_blob(st, 10), sizeof b.received);
        }
        b.transport = static_cast<std::uint8_t>(sqlite3_column_int(st, 11));
        b.user_agent = column_text(st, 12);
        b.updated_at = sqlite3_column_int64(st, 13);
        out.back().second.push_back(std::move(b));
    }
    sqlite3_finalize(st);
    return out;
}

std::size_t sqlite_store::purge_expired(std::int64_t now) {
    sqlite3_stmt* st = prepare("DELETE FROM bindings WHERE expires_at <= ?1");
    if (st == nullptr) {
        return 0;
    }
    sqlite3_bind_int64(st, 1, now);
    std::size_t n = 0;
    if (sqlite3_step(st) == SQLITE_DONE) {
        n = static_cast<std::size_t>(sqlite3_changes(_db));
    } else {
        fail("purge");
    }
    sqlite3_finalize(st);
    return n;
}

} // namespace sipedge::control::location
