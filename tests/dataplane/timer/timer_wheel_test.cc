// Edge cases of the timer wheel: callbacks that start and cancel, many timers on one
// slot, handle reuse, tick wrap, capacity, range, the 32-bit handle's generation wrap,
// the error bound's arithmetic.

#include "dataplane/timer/timer_wheel.hh"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <gtest/gtest.h>
#include <utility>
#include <vector>

namespace sipedge::timer {
namespace {

// Records every event; an optional hook runs inside the callback.
struct recorder {
    struct fire {
        std::uint64_t data;
        tick_t now;
        tick_t expiry;
        timer_handle handle;
    };
    std::vector<fire> fires;
    std::function<void(timer_wheel&, const timer_event&)> hook;

    static void callback(void* ctx, timer_wheel& w, const timer_event& ev) {
        auto* self = static_cast<recorder*>(ctx);
        self->fires.push_back({ev.data, ev.now, ev.expiry, ev.handle});
        if (self->hook) {
            self->hook(w, ev);
        }
    }
};

timer_wheel make(std::uint32_t capacity, recorder& rec, tick_t start = 0) {
    auto r = timer_wheel::create({.capacity = capacity, .start_tick = start, .kinds = 2});
    EXPECT_TRUE(r.ok());
    timer_wheel w = std::move(r).value();
    EXPECT_TRUE(w.set_handler(0, &recorder::callback, &rec).ok());
    return w;
}

timer_handle must_start(timer_wheel& w, tick_t delay, std::uint64_t data) {
    auto r = w.start(delay, 0, data);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.message());
    return r.ok() ? r.value() : timer_handle{};
}

TEST(timer_wheel, create_rejects_bad_config) {
    EXPECT_EQ(timer_wheel::create({.capacity = 0}).error_code(), timer_errc::invalid_config);
    EXPECT_EQ(timer_wheel::create({.capacity = timer_wheel::max_capacity + 1}).error_code(),
              timer_errc::invalid_config);
    EXPECT_EQ(timer_wheel::create({.capacity = 4, .kinds = 0}).error_code(),
              timer_errc::invalid_config);
}

TEST(timer_wheel, kinds_need_a_handler) {
    recorder rec;
    timer_wheel w = make(4, rec);
    EXPECT_EQ(w.start(5, 1, 0).error_code(), timer_errc::unknown_kind) << "kind 1 has no handler";
    EXPECT_EQ(w.start(5, 2, 0).error_code(), timer_errc::unknown_kind) << "kind out of range";
    EXPECT_FALSE(w.set_handler(2, &recorder::callback, &rec).ok());
    EXPECT_FALSE(w.set_handler(1, nullptr, nullptr).ok());
    EXPECT_EQ(w.size(), 0u);
}

TEST(timer_wheel, fires_once_at_its_tick_with_its_data) {
    recorder rec;
    timer_wheel w = make(4, rec, 1000);
    const timer_handle h = must_start(w, 10, 77);
    EXPECT_TRUE(w.armed(h));
    EXPECT_EQ(w.expiry(h).value(), 1010u);
    EXPECT_EQ(w.advance(1009), 0u);
    EXPECT_TRUE(rec.fires.empty());
    EXPECT_EQ(w.advance(1010), 1u);
    ASSERT_EQ(rec.fires.size(), 1u);
    EXPECT_EQ(rec.fires[0].data, 77u);
    EXPECT_EQ(rec.fires[0].now, 1010u);
    EXPECT_EQ(rec.fires[0].expiry, 1010u);
    EXPECT_EQ(rec.fires[0].handle, h);
    EXPECT_FALSE(w.armed(h));
    EXPECT_EQ(w.advance(5000), 0u);
    EXPECT_EQ(rec.fires.size(), 1u);
}

TEST(timer_wheel, zero_delay_fires_on_the_next_tick) {
    recorder rec;
    timer_wheel w = make(4, rec, 50);
    must_start(w, 0, 1);
    EXPECT_EQ(w.advance(50), 0u) << "same tick: must not fire";
    EXPECT_EQ(w.advance(51), 1u);
}

TEST(timer_wheel, cancel_prevents_firing_and_second_cancel_is_stale) {
    recorder rec;
    timer_wheel w = make(4, rec);
    const timer_handle h = must_start(w, 100, 1);
    EXPECT_TRUE(w.cancel(h).ok());
    EXPECT_EQ(w.cancel(h).error_code(), timer_errc::stale_handle);
    EXPECT_EQ(w.restart(h, 5).error_code(), timer_errc::stale_handle);
    EXPECT_EQ(w.advance(1000), 0u);
    EXPECT_TRUE(rec.fires.empty());
    EXPECT_EQ(w.cancel(timer_handle{}).error_code(), timer_errc::stale_handle);
    // Capacity 4: 3 index bits; index 7 is in the mask but beyond the pool.
    EXPECT_EQ(w.index_of(timer_handle{9999}), 7u);
    EXPECT_EQ(w.cancel(timer_handle{9999}).error_code(), timer_errc::stale_handle);
    EXPECT_FALSE(w.armed(timer_handle{9999}));
    // In range, never handed out with that generation.
    EXPECT_EQ(w.cancel(timer_handle{(5u << 3) | 2u}).error_code(), timer_errc::stale_handle);
}

TEST(timer_wheel, restart_moves_the_expiry_and_keeps_the_handle) {
    recorder rec;
    timer_wheel w = make(4, rec);
    const timer_handle h = must_start(w, 100, 5);
    ASSERT_TRUE(w.restart(h, 10).ok());
    EXPECT_EQ(w.expiry(h).value(), 10u);
    w.advance(10);
    ASSERT_EQ(rec.fires.size(), 1u);
    EXPECT_EQ(rec.fires[0].now, 10u);
    EXPECT_EQ(rec.fires[0].handle, h);

    const timer_handle g = must_start(w, 5, 6);
    ASSERT_TRUE(w.restart(g, 40).ok());
    EXPECT_EQ(w.advance(49), 0u) << "restarted later: old expiry must not fire";
    EXPECT_EQ(w.advance(50), 1u);
    EXPECT_EQ(rec.fires.back().data, 6u);
}

TEST(timer_wheel, start_from_inside_a_callback) {
    recorder rec;
    timer_wheel w = make(8, rec);
    rec.hook = [](timer_wheel& wheel, const timer_event& ev) {
        if (ev.data < 3) {
            EXPECT_TRUE(wheel.start(5, 0, ev.data + 1).ok());
        }
    };
    must_start(w, 5, 0);
    // One jump: each new timer is relative to the tick its parent fired at.
    EXPECT_EQ(w.advance(100), 4u);
    ASSERT_EQ(rec.fires.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(rec.fires[i].data, i);
        EXPECT_EQ(rec.fires[i].now, 5 * (i + 1));
    }
    EXPECT_EQ(w.size(), 0u);
}

TEST(timer_wheel, restart_of_self_is_refused_but_a_new_timer_reuses_the_node) {
    recorder rec;
    timer_wheel w = make(1, rec);
    timer_handle again{};
    rec.hook = [&](timer_wheel& wheel, const timer_event& ev) {
        EXPECT_EQ(wheel.restart(ev.handle, 5).error_code(), timer_errc::stale_handle);
        EXPECT_EQ(wheel.cancel(ev.handle).error_code(), timer_errc::stale_handle)
            << "cancelling the firing timer must be harmless";
        if (ev.data == 1) {
            auto r = wheel.start(5, 0, 2); // capacity 1: needs the node just freed
            ASSERT_TRUE(r.ok());
            again = r.value();
            EXPECT_EQ(wheel.index_of(again), wheel.index_of(ev.handle));
            EXPECT_NE(again, ev.handle);
        }
    };
    must_start(w, 3, 1);
    EXPECT_EQ(w.advance(3), 1u);
    EXPECT_TRUE(w.armed(again));
    EXPECT_EQ(w.advance(8), 1u);
    EXPECT_EQ(rec.fires.back().data, 2u);
}

TEST(timer_wheel, callback_cancels_another_timer_due_at_the_same_tick) {
    recorder rec;
    timer_wheel w = make(16, rec);
    std::vector<timer_handle> hs;
    for (std::uint64_t i = 0; i < 10; ++i) {
        hs.push_back(must_start(w, 20, i));
    }
    // Whichever fires first cancels all the others on its slot.
    rec.hook = [&](timer_wheel& wheel, const timer_event& ev) {
        for (const timer_handle& h : hs) {
            if (h != ev.handle) {
                (void)wheel.cancel(h);
            }
        }
    };
    EXPECT_EQ(w.advance(20), 1u);
    EXPECT_EQ(rec.fires.size(), 1u);
    EXPECT_EQ(w.size(), 0u);
}

TEST(timer_wheel, many_timers_on_one_slot) {
    recorder rec;
    constexpr std::uint32_t n = 100000;
    timer_wheel w = make(n, rec);
    std::vector<timer_handle> hs;
    for (std::uint32_t i = 0; i < n; ++i) {
        hs.push_back(must_start(w, 1000, i)); // all in one level-1 slot
    }
    EXPECT_EQ(w.start(1000, 0, 0).error_code(), timer_errc::capacity_exhausted);
    for (std::uint32_t i = 0; i < n; i += 3) {
        ASSERT_TRUE(w.cancel(hs[i]).ok());
    }
    EXPECT_EQ(w.advance(999), 0u);
    const std::size_t expected = n - (n + 2) / 3;
    EXPECT_EQ(w.advance(1000 + timer_wheel::max_lateness(1000)), expected);
    std::vector<bool> seen(n, false);
    for (const auto& f : rec.fires) {
        ASSERT_NE(f.data % 3, 0u) << "a cancelled timer fired";
        ASSERT_FALSE(seen[f.data]) << "fired twice";
        seen[f.data] = true;
        EXPECT_EQ(f.now, rec.fires[0].now) << "one slot: one firing tick";
    }
    EXPECT_GE(rec.fires[0].now, 1000u);
    EXPECT_EQ(w.size(), 0u);
}

TEST(timer_wheel, handle_reuse_after_firing) {
    recorder rec;
    timer_wheel w = make(1, rec);
    const timer_handle a = must_start(w, 2, 1);
    w.advance(2);
    const timer_handle b = must_start(w, 2, 2);
    EXPECT_EQ(w.index_of(a), w.index_of(b));
    EXPECT_NE(a, b);
    EXPECT_EQ(w.cancel(a).error_code(), timer_errc::stale_handle)
        << "the old handle must not reach the new timer";
    EXPECT_TRUE(w.armed(b));
    EXPECT_EQ(w.advance(4), 1u);
    EXPECT_EQ(rec.fires.back().data, 2u);
}

TEST(timer_wheel, capacity_exhausted_is_an_error_and_recovers) {
    recorder rec;
    timer_wheel w = make(8, rec);
    std::vector<timer_handle> hs;
    for (int i = 0; i < 8; ++i) {
        hs.push_back(must_start(w, 100 + i, i));
    }
    auto r = w.start(5, 0, 99);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error_code(), timer_errc::capacity_exhausted);
    EXPECT_STRNE(r.message(), "");
    EXPECT_EQ(w.size(), 8u);
    ASSERT_TRUE(w.cancel(hs[3]).ok());
    EXPECT_TRUE(w.start(5, 0, 99).ok());
    EXPECT_FALSE(w.start(5, 0, 100).ok());
    EXPECT_EQ(w.advance(5), 1u) << "firing frees a node too";
    EXPECT_TRUE(w.start(5, 0, 101).ok());
}

TEST(timer_wheel, delay_range) {
    recorder rec;
    timer_wheel w = make(4, rec);
    EXPECT_EQ(w.start(timer_wheel::max_delay + 1, 0, 0).error_code(),
              timer_errc::delay_out_of_range);
    const timer_handle h = must_start(w, timer_wheel::max_delay, 1);
    EXPECT_EQ(w.restart(h, timer_wheel::max_delay + 1).error_code(),
              timer_errc::delay_out_of_range);
    EXPECT_EQ(w.expiry(h).value(), timer_wheel::max_delay) << "failed restart must not move it";
    // 24 h at a 1 ms tick is well inside the range.
    EXPECT_GT(timer_wheel::max_delay, 24ull * 3600 * 1000);
    EXPECT_EQ(w.advance(timer_wheel::max_delay - 1), 0u);
    EXPECT_EQ(w.advance(timer_wheel::max_delay + timer_wheel::max_lateness(timer_wheel::max_delay)),
              1u);
}

TEST(timer_wheel, tick_counter_wrap) {
    recorder rec;
    const tick_t start = ~tick_t{0} - 100; // wraps 101 ticks in
    timer_wheel w = make(16, rec, start);
    const std::vector<tick_t> delays = {50, 101, 102, 150, 1000, 100000, 5000000};
    for (std::size_t i = 0; i < delays.size(); ++i) {
        must_start(w, delays[i], i);
    }
    for (tick_t t = start + 1; t != start + 200; ++t) {
        w.advance(t);
    }
    w.advance(start + 6000000);
    ASSERT_EQ(rec.fires.size(), delays.size());
    for (const auto& f : rec.fires) {
        const tick_t d = delays[f.data];
        EXPECT_EQ(f.expiry, start + d);
        const tick_t late = f.now - f.expiry; // modular: correct across the wrap
        EXPECT_LE(late, timer_wheel::max_lateness(d)) << "delay " << d;
        if (d <= 63) {
            EXPECT_EQ(late, 0u);
        }
    }
    EXPECT_EQ(rec.fires[0].now, start + 50);
    EXPECT_EQ(rec.fires[1].now, tick_t{0}) << "the first tick after the wrap";
}

TEST(timer_wheel, expiry_is_exact_across_the_32_bit_boundary) {
    recorder rec;
    const tick_t start = (tick_t{1} << 32) - 10;
    timer_wheel w = make(4, rec, start);
    const timer_handle h = must_start(w, 1000000, 1);
    EXPECT_EQ(w.expiry(h).value(), start + 1000000);
    w.advance(start + 500000);
    EXPECT_EQ(w.expiry(h).value(), start + 1000000);
}

TEST(timer_wheel, jump_longer_than_the_wheel_fires_all_in_order) {
    recorder rec;
    timer_wheel w = make(8, rec, 7);
    const std::vector<tick_t> delays = {1000000000, 3, 70000, 1000, 64, 63, 5000000};
    for (std::size_t i = 0; i < delays.size(); ++i) {
        must_start(w, delays[i], i);
    }
    EXPECT_EQ(w.advance(7 + (tick_t{1} << 40)), delays.size());
    ASSERT_EQ(rec.fires.size(), delays.size());
    for (std::size_t i = 1; i < rec.fires.size(); ++i) {
        EXPECT_LE(rec.fires[i - 1].now, rec.fires[i].now);
        EXPECT_LE(delays[rec.fires[i - 1].data], delays[rec.fires[i].data]);
    }
    EXPECT_EQ(w.now(), 7 + (tick_t{1} << 40));
    EXPECT_FALSE(w.next_expiry_hint().has_value());
}

TEST(timer_wheel, advance_backwards_or_nested_does_nothing) {
    recorder rec;
    timer_wheel w = make(4, rec, 100);
    must_start(w, 5, 1);
    EXPECT_EQ(w.advance(50), 0u);
    EXPECT_EQ(w.now(), 100u);
    rec.hook = [](timer_wheel& wheel, const timer_event&) {
        EXPECT_EQ(wheel.advance(wheel.now() + 100), 0u);
    };
    EXPECT_EQ(w.advance(105), 1u);
}

TEST(timer_wheel, next_expiry_hint_is_a_lower_bound) {
    recorder rec;
    timer_wheel w = make(4, rec);
    EXPECT_FALSE(w.next_expiry_hint().has_value());
    const timer_handle a = must_start(w, 40, 1);
    must_start(w, 3000, 2);
    EXPECT_EQ(w.next_expiry_hint().value(), 40u);
    ASSERT_TRUE(w.cancel(a).ok());
    EXPECT_LE(w.next_expiry_hint().value(), 3000u);
    w.advance(100);
    const tick_t hint = w.next_expiry_hint().value();
    EXPECT_GE(hint, 3000u) << "exact after advance";
    EXPECT_LE(hint, 3000 + timer_wheel::max_lateness(3000));
}

TEST(timer_wheel, handle_layout_follows_the_capacity) {
    recorder rec;
    const std::pair<std::uint32_t, unsigned> cases[] = {
        {1, 1}, {4, 3}, {7, 3}, {8, 4}, {(1u << 16) - 1, 16}, {1u << 16, 17}};
    for (const auto& [capacity, index_bits] : cases) {
        timer_wheel w = make(capacity, rec);
        EXPECT_EQ(w.index_bits(), index_bits) << capacity;
        EXPECT_EQ(w.generation_bits(), 32 - index_bits) << capacity;
    }
    // 10M timers (not built here: 280 MB) would get 24 index and 8 generation bits;
    // the largest capacity keeps 4.
    EXPECT_EQ(std::bit_width(10000000u), 24);
    EXPECT_EQ(std::bit_width(timer_wheel::max_capacity), 28);
    EXPECT_FALSE(timer_handle{}.valid());
    EXPECT_EQ(sizeof(timer_handle), 4u);
}

// The stated limit of stale-handle detection, exactly: with k generation bits a
// stale handle is refused after 1 .. 2^k - 1 reuses of its node, and names the new
// timer after exactly 2^k. Unarmed, it is refused whatever the generation.
TEST(timer_wheel, stale_handle_detected_until_the_generation_wraps) {
    recorder rec;
    timer_wheel w = make((1u << 16) - 1, rec); // 16 index bits, 16 generation bits
    ASSERT_EQ(w.generation_bits(), 16u);
    const timer_handle old = must_start(w, 5, 0);
    ASSERT_TRUE(w.cancel(old).ok());
    const std::uint32_t reuses = 1u << w.generation_bits();
    for (std::uint32_t reuse = 1; reuse < reuses; ++reuse) {
        // LIFO free list: the node just freed is the next one handed out.
        const timer_handle h = must_start(w, 5, reuse);
        ASSERT_EQ(w.index_of(h), w.index_of(old));
        ASSERT_NE(h, old) << "reuse " << reuse;
        ASSERT_FALSE(w.armed(old)) << "reuse " << reuse;
        ASSERT_EQ(w.cancel(old).error_code(), timer_errc::stale_handle) << "reuse " << reuse;
        ASSERT_TRUE(w.armed(h));
        if (reuse % 2 == 0) {
            ASSERT_TRUE(w.cancel(h).ok());
        } else {
            ASSERT_EQ(w.advance(w.now() + 5), 1u); // firing moves the generation too
        }
    }
    // The node's word equals the old handle again, but nothing is armed there.
    EXPECT_FALSE(w.armed(old));
    EXPECT_EQ(w.cancel(old).error_code(), timer_errc::stale_handle);
    EXPECT_EQ(w.restart(old, 10).error_code(), timer_errc::stale_handle);
    EXPECT_EQ(w.size(), 0u);
    // The 2^k-th reuse: the documented case where a stale handle cannot be told apart.
    const timer_handle wrapped = must_start(w, 5, 99);
    EXPECT_EQ(wrapped, old);
    EXPECT_TRUE(w.armed(old));
    EXPECT_TRUE(w.cancel(old).ok());
    EXPECT_EQ(w.size(), 0u);
}

// A free node's word is the next handle it will be handed out under, with its index
// bits inverted: that next handle, presented before it is handed out, is refused.
TEST(timer_wheel, the_next_handle_of_a_free_node_is_refused_until_handed_out) {
    recorder rec;
    timer_wheel w = make(4, rec);
    const timer_handle other = must_start(w, 7, 1);
    const timer_handle h = must_start(w, 5, 2);
    ASSERT_TRUE(w.cancel(h).ok());
    const timer_handle next{h.value + (1u << w.index_bits())};
    EXPECT_FALSE(w.armed(next));
    EXPECT_EQ(w.cancel(next).error_code(), timer_errc::stale_handle);
    EXPECT_EQ(w.restart(next, 3).error_code(), timer_errc::stale_handle);
    EXPECT_EQ(w.expiry(next).error_code(), timer_errc::stale_handle);
    // Nodes never handed out are refused too, whatever the generation.
    for (std::uint32_t gen = 0; gen < 4; ++gen) {
        EXPECT_FALSE(w.armed(timer_handle{(gen << w.index_bits()) | 3u}));
    }
    EXPECT_EQ(w.size(), 1u);
    // LIFO: the node just freed comes back, under exactly that handle.
    const timer_handle again = must_start(w, 5, 3);
    EXPECT_EQ(again, next);
    EXPECT_TRUE(w.armed(next));
    EXPECT_TRUE(w.armed(other));
    EXPECT_EQ(w.advance(7), 2u);
    ASSERT_EQ(rec.fires.size(), 2u);
    EXPECT_EQ(rec.fires[0].data, 3u);
    EXPECT_EQ(rec.fires[1].data, 1u);
}

// Cancels that empty slots leave their occupancy bits set (cleared lazily). After
// each advance the hint must still be exact -- the next slot that holds timers --
// and exactly the timers not cancelled fire, once each, within the bound.
TEST(timer_wheel, stale_occupancy_bits_from_cancels_are_cleared_on_the_way) {
    recorder rec;
    constexpr std::uint32_t n = 3000;
    timer_wheel w = make(n, rec, 12345);
    std::vector<timer_handle> hs;
    std::vector<tick_t> delays;
    for (std::uint32_t i = 0; i < n; ++i) {
        delays.push_back(1 + (i * 7919ull) % 300000);
        hs.push_back(must_start(w, delays.back(), i));
    }
    std::size_t survivors = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        if (i % 7 != 0) {
            ASSERT_TRUE(w.cancel(hs[i]).ok());
        } else {
            ++survivors;
        }
    }
    // The hint may still name a cancelled timer's slot until an advance reaches it.
    w.advance(w.now() + 1);
    std::size_t steps = 0;
    while (w.size() != 0) {
        const tick_t hint = w.next_expiry_hint().value();
        const std::size_t before = rec.fires.size();
        ASSERT_GT(hint, w.now());
        ASSERT_EQ(w.advance(hint - 1), 0u) << "nothing fires before the hint";
        ASSERT_GT(w.advance(hint), 0u) << "an exact hint names a slot that holds timers";
        ASSERT_GT(rec.fires.size(), before);
        ++steps;
    }
    EXPECT_FALSE(w.next_expiry_hint().has_value());
    ASSERT_EQ(rec.fires.size(), survivors);
    std::vector<bool> seen(n, false);
    for (const auto& f : rec.fires) {
        ASSERT_EQ(f.data % 7, 0u) << "a cancelled timer fired";
        ASSERT_FALSE(seen[f.data]);
        seen[f.data] = true;
        EXPECT_EQ(f.expiry, 12345 + delays[f.data]);
        EXPECT_LE(f.now - f.expiry, timer_wheel::max_lateness(delays[f.data]));
    }
    EXPECT_GT(steps, 10u);
}

// A slot's state is the position after its newest entry; chunks of 16 are taken from
// and given back to the pool at the 16-entry boundaries. Start and cancel the newest
// timer at every count around the boundaries, cancel from the middle and the oldest
// end, with a capacity that leaves the pool no slack: every timer still there fires,
// once.
TEST(timer_wheel, one_slot_across_chunk_boundaries) {
    recorder rec;
    constexpr std::uint32_t n = 50;
    timer_wheel w = make(n, rec);
    std::vector<timer_handle> hs;
    std::vector<bool> live;
    for (std::uint32_t i = 0; i < n - 1; ++i) {
        hs.push_back(must_start(w, 1000, i)); // all in one slot
        live.push_back(true);
        // A start+cancel of the newest at every count, then a start that stays.
        const timer_handle probe = must_start(w, 1000, 1000 + i);
        ASSERT_TRUE(w.cancel(probe).ok());
    }
    // Cancel from the middle and from the oldest end: entries move into the holes.
    for (std::uint32_t i : {20u, 0u, 31u, 1u, 16u, 17u, 15u, 32u, 33u, 48u}) {
        ASSERT_TRUE(w.cancel(hs[i]).ok());
        live[i] = false;
    }
    // Refill to capacity: the pool must have a chunk wherever one is needed.
    std::uint32_t extra = 0;
    while (w.size() < n) {
        must_start(w, 1000, 2000 + extra++);
    }
    EXPECT_EQ(w.start(1000, 0, 0).error_code(), timer_errc::capacity_exhausted);
    EXPECT_EQ(w.advance(1000 + timer_wheel::max_lateness(1000)), n);
    std::vector<std::uint64_t> fired;
    for (const auto& f : rec.fires) {
        fired.push_back(f.data);
    }
    std::sort(fired.begin(), fired.end());
    EXPECT_TRUE(std::adjacent_find(fired.begin(), fired.end()) == fired.end()) << "fired twice";
    for (std::uint32_t i = 0; i < n - 1; ++i) {
        EXPECT_EQ(std::binary_search(fired.begin(), fired.end(), i), bool(live[i])) << i;
    }
    for (std::uint32_t i = 0; i < n - 1; ++i) {
        EXPECT_FALSE(std::binary_search(fired.begin(), fired.end(), 1000 + i));
    }
    EXPECT_EQ(w.size(), 0u);
}

// Prefetch hints, and the callbacks, in the order they happen.
struct hint_log {
    // stage 0 / 1: a hint for data; 2: the callback for data.
    std::vector<std::pair<unsigned, std::uint64_t>> events;
    std::function<void(timer_wheel&, const timer_event&)> hook;
    static void callback(void* ctx, timer_wheel& w, const timer_event& ev) {
        auto* self = static_cast<hint_log*>(ctx);
        self->events.emplace_back(2u, ev.data);
        if (self->hook) {
            self->hook(w, ev);
        }
    }
    static void prefetch(void* ctx, std::uint64_t data, unsigned stage) {
        static_cast<hint_log*>(ctx)->events.emplace_back(stage, data);
    }
};

TEST(timer_wheel, prefetch_needs_a_handler) {
    recorder rec;
    timer_wheel w = make(4, rec);
    EXPECT_TRUE(w.set_prefetch(0, &hint_log::prefetch).ok());
    EXPECT_FALSE(w.set_prefetch(1, &hint_log::prefetch).ok()) << "kind 1 has no handler";
    EXPECT_FALSE(w.set_prefetch(2, &hint_log::prefetch).ok()) << "kind out of range";
}

// Every timer of a slot is hinted prefetch_far pops before it fires (stage 0), then
// prefetch_near pops before (stage 1), across the slot's chunks of 16; the firing is
// as without hints. A kind without a prefetch gets no hints.
TEST(timer_wheel, prefetch_hints_come_a_fixed_number_of_pops_ahead) {
    hint_log log;
    recorder rec;
    constexpr std::uint32_t n = 41; // three chunks of the slot, the last one partly
    auto r = timer_wheel::create({.capacity = 2 * n, .start_tick = 0, .kinds = 2});
    ASSERT_TRUE(r.ok());
    timer_wheel w = std::move(r).value();
    ASSERT_TRUE(w.set_handler(0, &hint_log::callback, &log).ok());
    ASSERT_TRUE(w.set_prefetch(0, &hint_log::prefetch).ok());
    ASSERT_TRUE(w.set_handler(1, &recorder::callback, &rec).ok());
    for (std::uint32_t i = 0; i < n; ++i) {
        ASSERT_TRUE(w.start(1000, 0, i).ok());
    }
    ASSERT_EQ(w.advance(1000 + timer_wheel::max_lateness(1000)), n);
    std::vector<std::uint64_t> fired;
    for (const auto& [stage, data] : log.events) {
        if (stage == 2) {
            fired.push_back(data);
        }
    }
    ASSERT_EQ(fired.size(), n);
    std::vector<std::pair<unsigned, std::uint64_t>> expected;
    for (std::size_t i = 0; i < n; ++i) {
        if (i + timer_wheel::prefetch_far < n) {
            expected.emplace_back(0u, fired[i + timer_wheel::prefetch_far]);
        }
        if (i + timer_wheel::prefetch_near < n) {
            expected.emplace_back(1u, fired[i + timer_wheel::prefetch_near]);
        }
        expected.emplace_back(2u, fired[i]);
    }
    EXPECT_EQ(log.events, expected);

    // Kind 1 has no prefetch: only its callbacks run.
    log.events.clear();
    for (std::uint32_t i = 0; i < n; ++i) {
        ASSERT_TRUE(w.start(1000, 1, 100 + i).ok());
    }
    EXPECT_EQ(w.advance(w.now() + 1000 + timer_wheel::max_lateness(1000)), n);
    EXPECT_TRUE(log.events.empty());
    EXPECT_EQ(rec.fires.size(), n);
}

// A callback that cancels timers of its own slot: the hints may then name timers
// that will not fire (they are only hints), but every live timer fires once.
TEST(timer_wheel, prefetch_hints_survive_cancels_from_callbacks) {
    hint_log log;
    constexpr std::uint32_t n = 40;
    auto r = timer_wheel::create({.capacity = n, .start_tick = 0, .kinds = 1});
    ASSERT_TRUE(r.ok());
    timer_wheel w = std::move(r).value();
    ASSERT_TRUE(w.set_handler(0, &hint_log::callback, &log).ok());
    ASSERT_TRUE(w.set_prefetch(0, &hint_log::prefetch).ok());
    std::vector<timer_handle> hs;
    for (std::uint32_t i = 0; i < n; ++i) {
        hs.push_back(w.start(1000, 0, i).value());
    }
    // Each callback cancels the timer with data (its own + 7) mod n, if still armed.
    log.hook = [&](timer_wheel& wheel, const timer_event& ev) {
        (void)wheel.cancel(hs[(ev.data + 7) % n]);
    };
    const std::size_t fired = w.advance(1000 + timer_wheel::max_lateness(1000));
    std::vector<std::uint64_t> seen;
    for (const auto& [stage, data] : log.events) {
        if (stage == 2) {
            seen.push_back(data);
        }
    }
    EXPECT_EQ(seen.size(), fired);
    std::sort(seen.begin(), seen.end());
    EXPECT_TRUE(std::adjacent_find(seen.begin(), seen.end()) == seen.end()) << "fired twice";
    EXPECT_LT(fired, n);
    EXPECT_EQ(w.size(), 0u);
}

// A budget spreads a full coarse slot over calls: 3,000 timers of 32,000 ticks (a
// level-5 slot, 1,024 ticks wide) started over 750 ticks all fall due at one slot
// tick. Without a budget they fire in one call; with 256 per call, 256 at a time, in
// the same order, while now() keeps up with the clock.
TEST(timer_wheel, budget_spreads_a_slot_over_calls) {
    recorder all_rec, some_rec;
    timer_wheel all = make(4096, all_rec);
    timer_wheel some = make(4096, some_rec);
    for (std::uint64_t i = 0; i < 3000; ++i) {
        const tick_t t = i / 4;
        (void)all.advance(t);
        (void)some.advance(t, 256);
        must_start(all, 32000, i);
        must_start(some, 32000, i);
    }
    const tick_t due = 32768; // 32,000 + 749 rounded up to the 1,024-tick granule
    EXPECT_EQ(all.advance(due - 1), 0u);
    EXPECT_EQ(some.advance(due - 1, 256), 0u);
    EXPECT_EQ(all.advance(due), 3000u);
    std::size_t calls = 0;
    for (tick_t t = due; some.size() != 0; ++t) {
        const std::size_t fired = some.advance(t, 256);
        EXPECT_LE(fired, 256u);
        EXPECT_EQ(some.now(), t) << "now() follows the clock, not the backlog";
        ++calls;
        ASSERT_LT(calls, 100u);
    }
    EXPECT_EQ(calls, 12u) << "3,000 timers at 256 a call";
    ASSERT_EQ(some_rec.fires.size(), all_rec.fires.size());
    for (std::size_t i = 0; i < all_rec.fires.size(); ++i) {
        EXPECT_EQ(some_rec.fires[i].data, all_rec.fires[i].data) << i;
        EXPECT_EQ(some_rec.fires[i].now, due) << "fires at its slot tick, only later";
        EXPECT_LE(some_rec.fires[i].expiry, some_rec.fires[i].now);
    }
    EXPECT_EQ(some.backlog(), 0u);
}

// While a backlog is left, a new timer expires relative to the clock (never early)
// and does not fire before the backlog; a cancel of a left-over timer holds; and the
// finer levels' slots at the same tick fire after the coarse one.
TEST(timer_wheel, budget_backlog_keeps_new_timers_and_cancels_right) {
    recorder rec;
    timer_wheel w = make(1024, rec);
    std::vector<timer_handle> coarse;
    for (std::uint64_t i = 0; i < 100; ++i) {
        coarse.push_back(must_start(w, 4096, i)); // level 4 (256-tick granules): due 4096
    }
    (void)w.advance(4096 - 10, 8);
    const timer_handle fine = must_start(w, 10, 1000); // level 0: due at 4096 too
    EXPECT_EQ(w.advance(4096, 8), 8u);
    EXPECT_EQ(w.size(), 93u) << "92 coarse and the fine one left";
    EXPECT_TRUE(w.armed(fine));
    // Clock on by 5 ticks; a timer started now with delay 3 is due at 4104, never
    // earlier, whatever the backlog.
    EXPECT_EQ(w.advance(4101, 8), 8u);
    EXPECT_EQ(w.now(), 4101u);
    EXPECT_EQ(w.backlog(), 5u);
    const timer_handle late = must_start(w, 3, 2000);
    EXPECT_EQ(w.expiry(late).value(), 4104u);
    // A left-over timer cancelled before its turn never fires.
    const timer_handle victim = coarse[50];
    ASSERT_TRUE(w.armed(victim));
    EXPECT_TRUE(w.cancel(victim).ok());
    while (w.armed(fine)) {
        (void)w.advance(4101, 8);
    }
    std::vector<std::uint64_t> order;
    for (const auto& f : rec.fires) {
        order.push_back(f.data);
    }
    ASSERT_EQ(order.size(), 100u) << "99 coarse and the fine one";
    EXPECT_EQ(order.back(), 1000u) << "the finer level's slot fires after the coarser one's";
    EXPECT_EQ(std::count(order.begin(), order.end(), 50u), 0) << "the cancelled one";
    EXPECT_EQ(std::count(order.begin(), order.end(), 2000u), 0) << "not due yet";
    EXPECT_EQ(w.advance(4103, 8), 0u);
    EXPECT_EQ(w.advance(4104, 8), 1u);
    EXPECT_EQ(rec.fires.back().data, 2000u);
}

// A backlog of more than max_backlog ticks is fired whole: the budget cannot let
// the wheel fall further and further behind.
TEST(timer_wheel, budget_gives_way_to_a_long_backlog) {
    recorder rec;
    timer_wheel w = make(1024, rec);
    for (std::uint64_t i = 0; i < 500; ++i) {
        must_start(w, 4096, i);
    }
    EXPECT_EQ(w.advance(4090, 10), 0u); // a jump of more than max_backlog is one too
    EXPECT_EQ(w.advance(4096, 10), 10u);
    EXPECT_EQ(w.advance(4096 + timer_wheel::max_backlog + 1, 10), 490u);
    EXPECT_EQ(w.size(), 0u);
    EXPECT_EQ(w.backlog(), 0u);
}

TEST(timer_wheel, move_keeps_the_timers) {
    recorder rec;
    timer_wheel w = make(4, rec);
    must_start(w, 10, 1);
    timer_wheel v = std::move(w);
    EXPECT_EQ(v.size(), 1u);
    EXPECT_EQ(v.advance(10), 1u);
    EXPECT_EQ(rec.fires.size(), 1u);
}

TEST(timer_wheel, memory_per_timer_within_budget) {
    recorder rec;
    timer_wheel w = make(1u << 20, rec);
    const double per_timer = static_cast<double>(w.memory_bytes()) / w.capacity();
    EXPECT_LE(per_timer, 32.0);
}

// The header's bound: exact up to 63 ticks, then below 2/31 of the delay (so below
// 1/8, the example); and tight: each level's first delays reach it.
TEST(timer_wheel_bound, max_lateness_is_below_two_thirty_firsts_of_the_delay) {
    EXPECT_EQ(timer_wheel::max_lateness(1), 0u);
    EXPECT_EQ(timer_wheel::max_lateness(63), 0u);
    EXPECT_EQ(timer_wheel::max_lateness(64), 3u);
    EXPECT_EQ(timer_wheel::max_lateness(62 * 4 + 1), 3u);
    EXPECT_EQ(timer_wheel::max_lateness(62 * 4 + 2), 15u);
    for (tick_t d = 1; d <= timer_wheel::max_delay; d = d < 5000 ? d + 1 : d + d / 997) {
        const tick_t late = timer_wheel::max_lateness(d);
        ASSERT_LT(31 * late, 2 * d) << "d " << d;
        ASSERT_LE(8 * late, d) << "d " << d;
    }
}

TEST(timer_wheel_bound, latest_delay_within_never_overruns) {
    for (tick_t deadline = 1; deadline < 50000000; deadline = deadline * 3 / 2 + 1) {
        const tick_t d = timer_wheel::latest_delay_within(deadline);
        ASSERT_LE(d + timer_wheel::max_lateness(d), deadline);
        ASSERT_GT(d + 1 + timer_wheel::max_lateness(d + 1), deadline) << "not the largest";
    }
}

// Every level boundary: fire exactly in [e, e + max_lateness(d)], from several
// alignments of now.
TEST(timer_wheel_bound, level_boundaries_fire_within_bound) {
    recorder rec;
    timer_wheel w = make(6 * timer_wheel::level_count, rec);
    std::vector<tick_t> delays;
    for (unsigned level = 0; level < timer_wheel::level_count; ++level) {
        const tick_t g = tick_t{1} << (timer_wheel::level_shift * level);
        for (tick_t d : {62 * g, 62 * g + 1, 62 * g + 2, 63 * g, 64 * g - 1, 64 * g}) {
            if (d >= 1 && d <= timer_wheel::max_delay) {
                delays.push_back(d);
            }
        }
    }
    for (tick_t offset : {0ull, 1ull, 7ull, 4095ull, 123456789ull}) {
        rec.fires.clear();
        w.advance(w.now() + offset);
        const tick_t t0 = w.now();
        for (std::size_t i = 0; i < delays.size(); ++i) {
            must_start(w, delays[i], i);
        }
        w.advance(t0 + timer_wheel::max_delay * 2);
        ASSERT_EQ(rec.fires.size(), delays.size());
        for (const auto& f : rec.fires) {
            const tick_t d = delays[f.data];
            EXPECT_EQ(f.expiry, t0 + d);
            EXPECT_GE(f.now, f.expiry);
            EXPECT_LE(f.now - f.expiry, timer_wheel::max_lateness(d)) << "d " << d;
        }
    }
}

} // namespace
} // namespace sipedge::timer
