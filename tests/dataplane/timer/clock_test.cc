#include "dataplane/timer/clock.hh"

#include <chrono>
#include <gtest/gtest.h>

#include <cpuid.h>

namespace sipedge::timer {
namespace {

using namespace std::chrono_literals;

TEST(clock, manual_clock_moves_only_when_told) {
    manual_clock c(100);
    EXPECT_EQ(c.now_ns(), 100u);
    c.advance_ns(50);
    EXPECT_EQ(c.now_ns(), 150u);
    c.set_ns(7);
    EXPECT_EQ(c.now_ns(), 7u);
    static_assert(ns_clock<manual_clock>);
    static_assert(ns_clock<tsc_clock>);
}

TEST(clock, tick_scale) {
    const tick_scale s(1ms);
    EXPECT_EQ(s.to_tick(0), 0u);
    EXPECT_EQ(s.to_tick(999999), 0u);
    EXPECT_EQ(s.to_tick(1000000), 1u);
    EXPECT_EQ(s.ticks_ceil(500ms), 500u);
    EXPECT_EQ(s.ticks_ceil(1ns), 1u);
    EXPECT_EQ(s.ticks_ceil(1000001ns), 2u);
    EXPECT_EQ(s.ticks_ceil(0ms), 0u);
    EXPECT_EQ(s.ticks_ceil(-5ms), 0u);
    EXPECT_EQ(s.ticks_ceil(std::chrono::hours(24)), 86400000u);
    const tick_scale four(4ms);
    EXPECT_EQ(four.ticks_ceil(500ms), 125u);
    EXPECT_EQ(four.ticks_ceil(501ms), 126u);
    EXPECT_EQ(four.tick(), 4ms);
}

TEST(clock, tsc_conversion_is_exact_to_a_nanosecond_per_second) {
    for (std::uint64_t hz : {1000000000ull, 2595000000ull, 3000000000ull, 3700000000ull}) {
        const tsc_clock c(hz);
        EXPECT_EQ(c.hz(), hz);
        const std::uint64_t one_second = c.cycles_to_ns(hz);
        EXPECT_LE(one_second, 1000000000u);
        EXPECT_GE(one_second, 999999999u) << hz;
        // One day of cycles: relative error below 1e-9.
        const std::uint64_t day = c.cycles_to_ns(hz * 86400);
        EXPECT_NEAR(static_cast<double>(day), 86400e9, 86400e9 * 1e-9) << hz;
    }
}

// What the CPU itself says, read here independently of clock.cc.
bool cpuid_reports_invariant_tsc() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid_max(0x80000000u, nullptr) < 0x80000007u) {
        return false;
    }
    __cpuid(0x80000007u, eax, ebx, ecx, edx);
    return (edx & (1u << 8)) != 0;
}

// Calibration succeeds exactly when the CPU promises a constant-rate TSC, and
// refuses with no_invariant_tsc otherwise; reads are monotonic either way.
TEST(clock, tsc_calibration_follows_cpuid_and_reads_are_monotonic) {
    auto r = tsc_clock::calibrate(20ms);
    tsc_clock c(1'000'000'000); // used when calibration refuses
    if (cpuid_reports_invariant_tsc()) {
        ASSERT_TRUE(r.ok()) << r.message();
        c = r.value();
        EXPECT_GE(c.hz(), 100000000u);
    } else {
        ASSERT_FALSE(r.ok()) << "calibrate() accepted a TSC the CPU does not call invariant";
        EXPECT_EQ(r.error_code(), clock_errc::no_invariant_tsc);
    }
    std::uint64_t prev = c.now_ns();
    for (int i = 0; i < 100000; ++i) {
        const std::uint64_t now = c.now_ns();
        ASSERT_GE(now, prev);
        prev = now;
    }
}

} // namespace
} // namespace sipedge::timer
