#include "dataplane/io/interrupt_thread.hh"

#include <atomic>
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

// Never returns: the thread stays here until the process exits. Sleeping rather
// than blocking signals keeps it out of the way of the process's signal handling.
void park_here(void* arg) {
    static_cast<std::atomic<bool>*>(arg)->store(true, std::memory_order_release);
    for (;;) {
        std::this_thread::sleep_for(std::chrono::hours(1));
    }
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
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!reached.load(std::memory_order_acquire)) {
        if (std::chrono::steady_clock::now() >= until) {
            rte_eal_alarm_cancel(mark_reached, &reached);
            return reached.load(std::memory_order_acquire);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

bool park_interrupt_thread(std::chrono::milliseconds limit) {
    // Static, and the descriptor and handle never freed: the parked thread's source
    // refers to them until the process exits. Parking twice is a no-op.
    static std::atomic<bool> parked{false};
    if (parked.load(std::memory_order_acquire)) {
        return true;
    }
    const int fd = eventfd(0, EFD_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    // Private: the handle is in the C heap, not in the EAL memory cleanup unmaps.
    rte_intr_handle* handle = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
    if (handle == nullptr || rte_intr_fd_set(handle, fd) != 0 ||
        rte_intr_type_set(handle, RTE_INTR_HANDLE_EXT) != 0 ||
        rte_intr_callback_register(handle, park_here, &parked) != 0) {
        rte_intr_instance_free(handle);
        close(fd);
        return false;
    }
    // Registering made the thread rebuild its set (memory still mapped) before it
    // waits on our descriptor; an external source's callback runs without a read.
    const std::uint64_t one = 1;
    if (write(fd, &one, sizeof one) != static_cast<ssize_t>(sizeof one)) {
        return false;
    }
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!parked.load(std::memory_order_acquire)) {
        if (std::chrono::steady_clock::now() >= until) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

void shut_down_eal() {
    // A thread that stays busy past the limit is left running: cleanup still
    // happens, with the race back.
    (void)park_interrupt_thread(std::chrono::seconds(2));
    rte_eal_cleanup();
}

} // namespace sipedge::dataplane
