#include "bench/loadgen/stats.hh"

#include <cmath>

namespace sipedge::loadgen {

std::uint64_t histogram_snapshot::quantile_ns(double q) const {
    if (total == 0) {
        return 0;
    }
    auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
    rank = rank == 0 ? 1 : (rank > total ? total : rank);
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < counts.size(); ++b) {
        seen += counts[b];
        if (seen >= rank) {
            return latency_histogram::upper_bound(b);
        }
    }
    return latency_histogram::upper_bound(counts.size() - 1);
}

std::uint64_t histogram_snapshot::max_ns() const {
    for (std::size_t b = counts.size(); b-- > 0;) {
        if (counts[b] != 0) {
            return latency_histogram::upper_bound(b);
        }
    }
    return 0;
}

stats_snapshot take_snapshot(const stats_block& s) {
    stats_snapshot out;
    for (std::size_t i = 0; i < stat_count; ++i) {
        out.values[i] = s.load(i);
    }
    for (std::size_t b = 0; b < latency_histogram::buckets; ++b) {
        out.latency.counts[b] = s.setup_latency.load(b);
        out.latency.total += out.latency.counts[b];
    }
    return out;
}

stats_snapshot difference(const stats_snapshot& later, const stats_snapshot& earlier) {
    stats_snapshot out;
    for (std::size_t i = 0; i < stat_count; ++i) {
        out.values[i] = later.values[i] - earlier.values[i];
    }
    for (std::size_t b = 0; b < latency_histogram::buckets; ++b) {
        out.latency.counts[b] = later.latency.counts[b] - earlier.latency.counts[b];
        out.latency.total += out.latency.counts[b];
    }
    return out;
}

} // namespace sipedge::loadgen
