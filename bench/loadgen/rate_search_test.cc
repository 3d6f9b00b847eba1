// search_rates against steps whose outcome is known: clean up to a limit.
#include "bench/loadgen/rate_search.hh"

#include <gtest/gtest.h>

namespace {

using namespace sipedge::loadgen;

std::vector<std::uint64_t> rates_of(const search_result& r) {
    std::vector<std::uint64_t> v;
    for (const search_step& s : r.steps) {
        v.push_back(s.rate);
    }
    return v;
}

TEST(RateSearch, DoublesThenBisectsToTheLastCleanRate) {
    const search_result r = search_rates({1000, 400000, 3}, [](std::uint64_t rate) {
        return rate <= 150000 ? step_outcome::clean : step_outcome::unclean;
    });
    // 1k..128k clean, 256k not; then 190k (no), 150k (yes), 170k (no).
    EXPECT_EQ(rates_of(r), (std::vector<std::uint64_t>{1000, 2000, 4000, 8000, 16000, 32000, 64000,
                                                       128000, 256000, 190000, 150000, 170000}));
    EXPECT_EQ(r.best_rate, 150000u);
    EXPECT_FALSE(r.capped);
    EXPECT_FALSE(r.stopped);
}

TEST(RateSearch, AllCleanUpToTheMaximumIsCapped) {
    const search_result r =
        search_rates({1000, 5000, 3}, [](std::uint64_t) { return step_outcome::clean; });
    EXPECT_EQ(rates_of(r), (std::vector<std::uint64_t>{1000, 2000, 4000}));
    EXPECT_EQ(r.best_rate, 4000u);
    EXPECT_TRUE(r.capped);
}

TEST(RateSearch, FirstStepUncleanFindsNothing) {
    const search_result r =
        search_rates({1000, 5000, 3}, [](std::uint64_t) { return step_outcome::unclean; });
    EXPECT_EQ(rates_of(r), (std::vector<std::uint64_t>{1000}));
    EXPECT_EQ(r.best_rate, 0u);
    EXPECT_FALSE(r.capped);
}

TEST(RateSearch, AStopEndsTheSearchWhereItIs) {
    const search_result r = search_rates({1000, 400000, 3}, [](std::uint64_t rate) {
        return rate < 8000 ? step_outcome::clean : step_outcome::stop;
    });
    EXPECT_EQ(rates_of(r), (std::vector<std::uint64_t>{1000, 2000, 4000, 8000}));
    EXPECT_EQ(r.best_rate, 4000u);
    EXPECT_TRUE(r.stopped);
    EXPECT_FALSE(r.capped);
}

TEST(RateSearch, BisectionStopsWhenNothingIsLeftBetween) {
    // Clean at 10, unclean at 20: 15, then 17 (unclean), then 16 (clean).
    const search_result r = search_rates({10, 1000, 5}, [](std::uint64_t rate) {
        return rate <= 16 ? step_outcome::clean : step_outcome::unclean;
    });
    EXPECT_EQ(rates_of(r), (std::vector<std::uint64_t>{10, 20, 15, 17, 16}));
    EXPECT_EQ(r.best_rate, 16u);
}

TEST(RateSearch, TwoSignificantDigits) {
    EXPECT_EQ(two_significant_digits(192000), 190000u);
    EXPECT_EQ(two_significant_digits(1234), 1200u);
    EXPECT_EQ(two_significant_digits(99), 99u);
    EXPECT_EQ(two_significant_digits(7), 7u);
}

} // namespace
