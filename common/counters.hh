#pragma once
// Per-lcore counters from the single X-macro list in counters.def. Each lcore
// owns one cache-aligned block and writes it without atomics; readers (stats
// printout, telemetry) read plain 64-bit words, which x86-64 and arm64 load
// untorn, so a reader sees a value at most one pass old.

#include <array>
#include <cstdint>
#include <string_view>

#include "common/compiler.hh"

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

    void add(counter_id id, std::uint64_t n = 1) { values[static_cast<std::size_t>(id)] += n; }
    std::uint64_t get(counter_id id) const { return values[static_cast<std::size_t>(id)]; }
    void reset() { values.fill(0); }
};

// Sum of several lcores' blocks, for totals.
template <typename Range>
counter_block sum_counters(const Range& blocks) {
    counter_block total;
    for (const counter_block& b : blocks) {
        for (std::size_t i = 0; i < counter_count; ++i) {
            total.values[i] += b.values[i];
        }
    }
    return total;
}

} // namespace sipedge
