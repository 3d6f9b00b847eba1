#include "dataplane/io/interrupt_thread.hh"

#include <atomic>
#include <rte_alarm.h>
#include <thread>

namespace sipedge::dataplane {

namespace {

void mark_reached(void* arg) {
    static_cast<std::atomic<bool>*>(arg)->store(true, std::memory_order_release);
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

} // namespace sipedge::dataplane
