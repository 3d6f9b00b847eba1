#pragma once
// Copies the location store's WAL back into the database file on a thread of its
// own, with a connection of its own, so that control's loop never does it: SQLite's
// automatic checkpoint runs inside the COMMIT that crosses its threshold, and there
// it copied ~1000 pages and fsynced the file (7-9 ms) while the rings waited — at
// 200,000 REGISTER/s, long enough for a 2048-slot ring to fill. The writer's
// connection turns the automatic checkpoint off (sqlite_store::open).
//
// PASSIVE checkpoints: they never block the writer, which goes on appending to the
// WAL meanwhile. The thread runs at a lower priority (nice +10) than control's loop,
// whose core it shares.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace sipedge::control::location {

class wal_checkpointer {
public:
    // Starts the thread: a checkpoint every interval_ms until destroyed.
    wal_checkpointer(std::string path, unsigned interval_ms);
    // Stops the thread after one last checkpoint.
    ~wal_checkpointer();
    wal_checkpointer(const wal_checkpointer&) = delete;
    wal_checkpointer& operator=(const wal_checkpointer&) = delete;

    std::uint64_t checkpoints() const { return _checkpoints.load(std::memory_order_relaxed); }
    std::uint64_t errors() const { return _errors.load(std::memory_order_relaxed); }

private:
    void run();

    const std::string _path;
    const unsigned _interval_ms;
    std::mutex _mutex;
    std::condition_variable _wake;
    bool _stop = false;
    std::atomic<std::uint64_t> _checkpoints{0};
    std::atomic<std::uint64_t> _errors{0};
    std::thread _thread;
};

} // namespace sipedge::control::location
