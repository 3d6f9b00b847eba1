#include "dataplane/io/interrupt_thread.hh"

#include <atomic>
#include <cstdint>
#include <rte_alarm.h>
#include <rte_eal.h>
#include <rte_interrupts.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

namespace sipedge::dataplane {

namespace {

void mark_reached(void* arg) {
    static_cast<std::atomic<bool>*>(arg)->store(true, std::memory_order_release);
}

// Never returns: the thread sleeps here until the process exits.
void park_here(void* arg) {
    static_cast<std::atomic<bool>*>(arg)->store(true, std::memory_order_release);
    for (;;) {
        std::this_thread::sleep_for(std::chrono::hours(1));
    }
}

// Polls the flag every millisecond until it is set or the limit has passed.
bool wait_for_flag(const std::atomic<bool>& flag, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!flag.load(std::memory_order_acquire)) {
        if (std::chrono::steady_clock::now() >= until) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

} // namespace

bool wait_for_interrupt_thread(std::chrono::milliseconds limit) {
    // Static: if the wait gives up, the alarm may still fire later and must
    // find its flag alive.
    static std::atomic<bool> reached{false};
    reached.store(false, std::memory_order_relaxed);
    if (rte_eal_alarm_set(1, mark_reached, &reached) != 0) {
        return false;
    }
    if (!wait_for_flag(reached, limit)) {
        rte_eal_alarm_cancel(mark_reached, &reached);
        return reached.load(std::memory_order_acquire);
    }
    return true;
}

bool keep_interrupt_thread_calling(void (*fn)(void*), void* arg) {
    // The descriptor is never closed: the source waits on it for the rest of the
    // process.
    const int fd = eventfd(0, EFD_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    // Private: the handle is in the C heap, not in the EAL memory cleanup unmaps.
    // EAL registers a copy of it (rte_intr_instance_dup), so ours goes either way.
    rte_intr_handle* handle = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
    const bool registered = handle != nullptr && rte_intr_fd_set(handle, fd) == 0 &&
                            rte_intr_type_set(handle, RTE_INTR_HANDLE_EXT) == 0 &&
                            rte_intr_callback_register(handle, fn, arg) == 0;
    rte_intr_instance_free(handle);
    if (!registered) {
        close(fd);
        return false;
    }
    // The thread reads nothing from an external source, so once written the
    // descriptor stays readable and the callback comes on every pass.
    const std::uint64_t one = 1;
    return write(fd, &one, sizeof one) == static_cast<ssize_t>(sizeof one);
}

bool park_interrupt_thread(std::chrono::milliseconds limit) {
    static std::atomic<bool> parked{false};
    if (parked.load(std::memory_order_acquire)) {
        return true;
    }
    // Registering makes the thread rebuild its set once more (memory still mapped)
    // before it reaches the callback.
    return keep_interrupt_thread_calling(park_here, &parked) && wait_for_flag(parked, limit);
}

void shut_down_eal() {
    // A thread that stays busy past the limit is left running: cleanup still
    // happens, with the race back.
    (void)park_interrupt_thread(std::chrono::seconds(2));
    rte_eal_cleanup();
}

} // namespace sipedge::dataplane
