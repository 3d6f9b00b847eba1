#pragma once
// Per-lcore counters from the single X-macro list in counters.def. Each lcore
// owns one cache-aligned block and is its only writer; readers (stats printout,
// telemetry) run on other threads. Relaxed atomic loads and stores keep that
// race-free without a locked instruction: on x86-64 they compile to plain moves.

#include "common/compiler.hh"

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace sipedge {

enum class counter_id : std::uint16_t {
#define SIPEDGE_COUNTER(name, desc) name,
#include "common/counters.def"
#undef SIPEDGE_COUNTER
    count_
};

inline constexpr std::size_t counter_count = static_cast<std::size_t>(counter_id::count_);

inline constexpr std::array<std::string_view, counter_count> counter_names = {
#define SIPEDGE_COUNTER(name, desc) #name,
#include "common/counters.def"
#undef SIPEDGE_COUNTER
};

inline constexpr std::array<std::string_view, counter_count> counter_descriptions = {
#define SIPEDGE_COUNTER(name, desc) desc,
#include "common/counters.def"
#undef SIPEDGE_COUNTER
};

struct alignas(cache_line_size) counter_block {
    std::array<std::uint64_t, counter_count> values{};

    // Single writer only: the owning lcore.
    void add(counter_id id, std::uint64_t n = 1) {
        std::atomic_ref<std::uint64_t> v(values[static_cast<std::size_t>(id)]);
        v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    // Any thread.
    std::uint64_t get(counter_id id) const { return load(static_cast<std::size_t>(id)); }
    std::uint64_t load(std::size_t index) const {
        return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(values[index]))
            .load(std::memory_order_relaxed);
    }
    // Owner only, or when the owner is stopped.
    void reset() { values.fill(0); }
};

// Sum of several lcores' blocks, for totals.
template <typename Range>
counter_block sum_counters(const Range& blocks) {
    counter_block total;
    for (const counter_block& b : blocks) {
        for (std::size_t i = 0; i < counter_count; ++i) {
            total.values[i] += b.load(i);
        }
    }
    return total;
}

} // namespace sipedge
