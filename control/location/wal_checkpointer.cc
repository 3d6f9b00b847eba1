#include "control/location/wal_checkpointer.hh"

#include <chrono>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sipedge::control::location {

wal_checkpointer::wal_checkpointer(std::string path, unsigned interval_ms)
    : _path(std::move(path)), _interval_ms(interval_ms), _thread([this] { run(); }) {}

wal_checkpointer::~wal_checkpointer() {
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _stop = true;
    }
    _wake.notify_one();
    _thread.join();
}

void wal_checkpointer::run() {
    pthread_setname_np(pthread_self(), "wal-checkpoint");
    // Below control's loop: it yields to the loop whenever the loop has work.
    setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
    sqlite3* db = nullptr;
    // A connection learns that the file is in WAL mode by reading it: until then a
    // checkpoint on it does nothing.
    if (sqlite3_open_v2(_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK ||
        sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) !=
            SQLITE_OK) {
        _errors.fetch_add(1, std::memory_order_relaxed);
        sqlite3_close(db);
        return; // the writer's connection still checkpoints when it closes
    }
    bool stopping = false;
    while (!stopping) {
        {
            std::unique_lock<std::mutex> lock(_mutex);
            _wake.wait_for(lock, std::chrono::milliseconds(_interval_ms), [&] { return _stop; });
            stopping = _stop;
        }
        const int rc =
            sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        (rc == SQLITE_OK ? _checkpoints : _errors).fetch_add(1, std::memory_order_relaxed);
    }
    sqlite3_close(db);
}

} // namespace sipedge::control::location
