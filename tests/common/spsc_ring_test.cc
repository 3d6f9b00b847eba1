#include "common/spsc_ring.hh"

#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

namespace sipedge {
namespace {

TEST(spsc_ring, capacity_rounds_up_to_power_of_two) {
    spsc_ring<int> r(5);
    EXPECT_EQ(r.capacity(), 8u);
    spsc_ring<int> tiny(0);
    EXPECT_EQ(tiny.capacity(), 2u);
}

TEST(spsc_ring, fifo_order_and_full_and_empty) {
    spsc_ring<int> r(4);
    int out = 0;
    EXPECT_FALSE(r.pop(out));
    for (int i = 0; i < 4; ++i) {
        EXPECT_TRUE(r.push(i));
    }
    EXPECT_FALSE(r.push(99)) << "a full ring must refuse, not overwrite";
    EXPECT_EQ(r.size(), 4u);
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(r.pop(out));
        EXPECT_EQ(out, i);
    }
    EXPECT_TRUE(r.empty());
}

TEST(spsc_ring, bursts_are_partial_when_space_runs_out) {
    spsc_ring<int> r(8);
    std::array<int, 6> in{1, 2, 3, 4, 5, 6};
    EXPECT_EQ(r.push_burst(in), 6u);
    EXPECT_EQ(r.push_burst(in), 2u);
    std::array<int, 16> out{};
    EXPECT_EQ(r.pop_burst(out), 8u);
    EXPECT_EQ(out[5], 6);
    EXPECT_EQ(out[6], 1);
    EXPECT_EQ(out[7], 2);
    EXPECT_EQ(r.pop_burst(out), 0u);
}

TEST(spsc_ring, wraps_around_many_times) {
    spsc_ring<std::uint32_t> r(4);
    std::uint32_t next_in = 0, next_out = 0;
    for (int round = 0; round < 1000; ++round) {
        while (r.push(next_in)) {
            ++next_in;
        }
        std::uint32_t v;
        for (int k = 0; k < 3 && r.pop(v); ++k) {
            ASSERT_EQ(v, next_out++);
        }
    }
    std::uint32_t v;
    while (r.pop(v)) {
        ASSERT_EQ(v, next_out++);
    }
    EXPECT_EQ(next_in, next_out);
}

// Two threads, one per side: every item arrives once, in order. Under TSan or
// on a weakly ordered CPU a missing acquire/release shows up here.
TEST(spsc_ring, two_threads_deliver_everything_in_order) {
    constexpr std::uint64_t total = 2'000'000;
    spsc_ring<std::uint64_t> r(1024);
    std::thread producer([&] {
        std::array<std::uint64_t, 16> batch;
        std::uint64_t next = 0;
        while (next < total) {
            std::size_t n = 0;
            for (; n < batch.size() && next + n < total; ++n) {
                batch[n] = next + n;
            }
            std::size_t pushed = r.push_burst(std::span<const std::uint64_t>(batch.data(), n));
            next += pushed;
            if (pushed == 0) {
                std::this_thread::yield();
            }
        }
    });
    std::uint64_t expected = 0;
    std::uint64_t mismatches = 0;
    std::array<std::uint64_t, 16> out;
    while (expected < total) {
        std::size_t n = r.pop_burst(out);
        for (std::size_t i = 0; i < n; ++i) {
            mismatches += (out[i] != expected++);
        }
        if (n == 0) {
            std::this_thread::yield();
        }
    }
    producer.join();
    EXPECT_EQ(mismatches, 0u);
    EXPECT_TRUE(r.empty());
}

} // namespace
} // namespace sipedge
