// stall_meter: gaps between pass starts over 1 ms and over 10 ms, counted once
// each; time given away on purpose (restart) is not a stall.
#include "dataplane/stall_meter.hh"

#include <gtest/gtest.h>

namespace {

using sipedge::counter_block;
using sipedge::counter_id;
using sipedge::dataplane::stall_meter;

TEST(StallMeter, CountsGapsOverOneAndTenMilliseconds) {
    constexpr std::uint64_t hz = 1'000'000; // one tick per microsecond
    counter_block c;
    stall_meter m(hz, 0);
    m.pass(1000, c); // exactly 1 ms: not over it
    m.pass(1500, c);
    EXPECT_EQ(c.get(counter_id::loop_stalls_1ms), 0u);
    m.pass(2501, c); // 1.001 ms
    EXPECT_EQ(c.get(counter_id::loop_stalls_1ms), 1u);
    EXPECT_EQ(c.get(counter_id::loop_stalls_10ms), 0u);
    m.pass(12502, c); // 10.001 ms: counted in both
    EXPECT_EQ(c.get(counter_id::loop_stalls_1ms), 2u);
    EXPECT_EQ(c.get(counter_id::loop_stalls_10ms), 1u);
}

TEST(StallMeter, TimeGivenAwayOnPurposeIsNotAStall) {
    counter_block c;
    stall_meter m(1'000'000, 0);
    m.pass(100, c);
    m.restart(50'000); // slept 49.9 ms
    m.pass(50'100, c);
    EXPECT_EQ(c.get(counter_id::loop_stalls_1ms), 0u);
    EXPECT_EQ(c.get(counter_id::loop_stalls_10ms), 0u);
}

} // namespace
