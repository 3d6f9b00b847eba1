#pragma once
// Counters and the setup-latency histogram of the load generator. The worker
// lcore is the only writer; the main lcore reads them every second for the
// report. Relaxed atomic loads and stores keep that race-free at the price of
// plain moves on x86-64 (the same contract as common/counters.hh).

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::loadgen {

enum class stat_id : std::uint16_t {
#define SIPEDGE_LOADGEN_STAT(name, scope, desc) name,
#include "bench/loadgen/stats.def"
#undef SIPEDGE_LOADGEN_STAT
    count_
};

inline constexpr std::size_t stat_count = static_cast<std::size_t>(stat_id::count_);

inline constexpr std::array<std::string_view, stat_count> stat_names = {
#define SIPEDGE_LOADGEN_STAT(name, scope, desc) #name,
#include "bench/loadgen/stats.def"
#undef SIPEDGE_LOADGEN_STAT
};

inline constexpr std::array<std::string_view, stat_count> stat_descriptions = {
#define SIPEDGE_LOADGEN_STAT(name, scope, desc) desc,
#include "bench/loadgen/stats.def"
#undef SIPEDGE_LOADGEN_STAT
};

// Which scenarios a counter belongs to (bit 1 << scenario).
namespace stat_scope {
inline constexpr std::uint8_t call = 1, reg = 2, opt = 4, nict = reg | opt, all = 7;
} // namespace stat_scope

inline constexpr std::array<std::uint8_t, stat_count> stat_scopes = {
#define SIPEDGE_LOADGEN_STAT(name, scope, desc) stat_scope::scope,
#include "bench/loadgen/stats.def"
#undef SIPEDGE_LOADGEN_STAT
};

// Log-linear buckets over nanoseconds: values below 64 are exact; above, each
// power of two is cut into 32 buckets, so a bucket's upper bound overstates a
// value by less than 1/32 (3.1 %). Values from 2^40 ns (18 min) up share the
// last bucket.
class latency_histogram {
public:
    static constexpr unsigned sub_bits = 5;
    static constexpr unsigned max_bits = 40;
    static constexpr std::size_t buckets = 64 + (max_bits - 6) * (1u << sub_bits) + 1;

    static constexpr std::size_t bucket_of(std::uint64_t ns) {
        if (ns < 64) {
            return static_cast<std::size_t>(ns);
        }
        if (ns >= (std::uint64_t{1} << max_bits)) {
            return buckets - 1;
        }
        // ns has 6 + e significant bits; its top 6 bits are 32..63.
        const unsigned e = static_cast<unsigned>(std::bit_width(ns)) - (sub_bits + 1);
        return 64 + (e - 1) * (1u << sub_bits) + static_cast<std::size_t>((ns >> e) - 32);
    }
    // Largest value that lands in bucket b (what percentiles report: never low).
    static constexpr std::uint64_t upper_bound(std::size_t b) {
        if (b < 64) {
            return b;
        }
        if (b >= buckets - 1) {
            return ~std::uint64_t{0};
        }
        const unsigned e = static_cast<unsigned>((b - 64) / (1u << sub_bits)) + 1;
        const std::uint64_t top = 32 + (b - 64) % (1u << sub_bits);
        return ((top + 1) << e) - 1;
    }

    // Writer (the worker lcore) only.
    void record(std::uint64_t ns) {
        std::atomic_ref<std::uint64_t> c(_counts[bucket_of(ns)]);
        c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    // Any thread.
    std::uint64_t load(std::size_t b) const {
        return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(_counts[b]))
            .load(std::memory_order_relaxed);
    }

private:
    std::array<std::uint64_t, buckets> _counts{};
};

// Counts of one period (or the whole run), for percentiles.
struct histogram_snapshot {
    std::array<std::uint64_t, latency_histogram::buckets> counts{};
    std::uint64_t total = 0;

    // Upper bound of the bucket holding the value of rank ceil(q * total);
    // 0 when empty. q in (0, 1].
    std::uint64_t quantile_ns(double q) const;
    std::uint64_t max_ns() const;
};

struct alignas(64) stats_block {
    std::array<std::uint64_t, stat_count> values{};
    latency_histogram setup_latency; // first INVITE (REGISTER, OPTIONS) sent -> 2xx received

    void add(stat_id id, std::uint64_t n = 1) {
        std::atomic_ref<std::uint64_t> v(values[static_cast<std::size_t>(id)]);
        v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get(stat_id id) const { return load(static_cast<std::size_t>(id)); }
    std::uint64_t load(std::size_t i) const {
        return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(values[i]))
            .load(std::memory_order_relaxed);
    }
};

// A consistent-enough copy for one report (each value read once).
struct stats_snapshot {
    std::array<std::uint64_t, stat_count> values{};
    histogram_snapshot latency;

    std::uint64_t operator[](stat_id id) const { return values[static_cast<std::size_t>(id)]; }
};

stats_snapshot take_snapshot(const stats_block& s);
// later - earlier, value by value (counts only grow).
stats_snapshot difference(const stats_snapshot& later, const stats_snapshot& earlier);

} // namespace sipedge::loadgen
