// wait_for_interrupt_thread against a real EAL interrupt thread: a callback
// already due there (standing in for net_memif's disconnect handler) must have
// returned before the wait does.

#include "dataplane/io/interrupt_thread.hh"

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <rte_alarm.h>
#include <thread>

#include "tests/dataplane/eal_environment.hh"

namespace sipedge::dataplane {
namespace {

using namespace std::chrono_literals;

struct slow_handler {
    std::chrono::milliseconds takes;
    std::atomic<bool> returned{false};
};

void run_slow_handler(void* arg) {
    auto* h = static_cast<slow_handler*>(arg);
    std::this_thread::sleep_for(h->takes);
    h->returned.store(true);
}

TEST(InterruptThread, WaitReturnsOnlyAfterAHandlerAlreadyDue) {
    slow_handler h{200ms};
    ASSERT_EQ(rte_eal_alarm_set(1, run_slow_handler, &h), 0);
    EXPECT_TRUE(wait_for_interrupt_thread(5000ms));
    EXPECT_TRUE(h.returned.load());
}

TEST(InterruptThread, GivesUpAtItsLimitWhenTheThreadStaysBusy) {
    slow_handler h{500ms};
    ASSERT_EQ(rte_eal_alarm_set(1, run_slow_handler, &h), 0);
    EXPECT_FALSE(wait_for_interrupt_thread(50ms));
    EXPECT_FALSE(h.returned.load());
    // The handler still finishes, and a later wait still works.
    EXPECT_TRUE(wait_for_interrupt_thread(5000ms));
    EXPECT_TRUE(h.returned.load());
}

TEST(InterruptThread, AnIdleThreadAnswersAtOnce) {
    EXPECT_TRUE(wait_for_interrupt_thread(5000ms));
}

} // namespace
} // namespace sipedge::dataplane

SIPEDGE_EAL_TEST_MAIN()
