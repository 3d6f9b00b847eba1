// The pacer's cheap "nothing due" answer against the schedule's definition:
// item k is due once (now - t0) * rate >= k * hz.
#include "bench/loadgen/pacer.hh"

#include <cstdint>
#include <gtest/gtest.h>

namespace {

using sipedge::loadgen::pacer;

std::uint64_t due_by_definition(std::uint64_t elapsed, std::uint64_t rate, std::uint64_t hz,
                                std::uint64_t placed, std::uint64_t count) {
    const auto product = static_cast<unsigned __int128>(elapsed) * rate;
    std::uint64_t by_now = static_cast<std::uint64_t>(product / hz) + 1;
    if (count != 0 && by_now > count) {
        by_now = count;
    }
    return by_now > placed ? by_now - placed : 0;
}

TEST(Pacer, DueMatchesTheScheduleAtEveryClockIncludingTheBoundaries) {
    struct shape {
        std::uint64_t rate, hz, count;
    };
    // Periods with and without a remainder; one that divides exactly; a count bound.
    for (const shape& sh : {shape{7, 1000, 0}, shape{3, 10, 0}, shape{250, 1000, 0},
                            shape{999, 1000, 0}, shape{13, 1000, 40}}) {
        pacer p(sh.rate, sh.count, 0, sh.hz);
        const std::uint64_t t0 = 123456;
        p.start(t0);
        std::uint64_t placed = 0;
        for (std::uint64_t now = t0; now < t0 + 20 * sh.hz; ++now) {
            const std::uint64_t expected =
                due_by_definition(now - t0, sh.rate, sh.hz, placed, sh.count);
            ASSERT_EQ(p.due(now), expected)
                << "rate " << sh.rate << " hz " << sh.hz << " at clock " << now - t0;
            // Place one at a time, as a pass limited by max_burst would.
            if (expected != 0) {
                p.placed_one();
                ++placed;
            }
        }
        if (sh.count != 0) {
            EXPECT_EQ(placed, sh.count);
            EXPECT_TRUE(p.done());
        }
    }
}

// A duration bound is the items due within it, k / rate < duration, all
// placed whatever the stride of the passes, the last ones possibly after it.
TEST(Pacer, DurationPlacesTheItemsDueWithinItAtAnyPassStride) {
    struct shape {
        std::uint64_t rate, duration_ms, stride, max_burst, expected;
    };
    // hz 1,000,000: strides in microseconds. 7/s for 1 s: items at 0, 1/7 ... 6/7 s.
    for (const shape& sh : {shape{7, 1000, 1, 32, 7}, shape{7, 1000, 300'000, 32, 7},
                            shape{1000, 1500, 7'000, 32, 1500}, shape{2000, 1500, 20'000, 32, 3000},
                            shape{3, 1001, 999'999, 1, 4}, shape{1000, 1, 5'000, 32, 1}}) {
        const std::uint64_t hz = 1'000'000;
        pacer p(sh.rate, 0, sh.duration_ms, hz);
        const std::uint64_t t0 = 5'000'000;
        p.start(t0);
        std::uint64_t now = t0;
        while (!p.done() && !p.overdue(now)) {
            const std::uint64_t n = p.take(now, sh.max_burst);
            for (std::uint64_t i = 0; i < n; ++i) {
                p.placed_one();
            }
            now += sh.stride;
        }
        EXPECT_EQ(p.placed(), sh.expected) << "rate " << sh.rate << " stride " << sh.stride;
        EXPECT_TRUE(p.done());
        EXPECT_EQ(p.due(now + 10 * hz), 0u); // nothing after the last item
    }
}

} // namespace
