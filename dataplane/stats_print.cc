#include "dataplane/stats_print.hh"

#include <cinttypes>
#include <vector>

namespace sipedge::dataplane {

void print_counters(std::FILE* out, std::span<const lcore_counters> lcores, bool all) {
    std::vector<counter_block> snapshot;
    snapshot.reserve(lcores.size());
    for (const lcore_counters& l : lcores) {
        counter_block copy;
        for (std::size_t i = 0; i < counter_count; ++i) {
            copy.values[i] = l.counters->load(i);
        }
        snapshot.push_back(copy);
    }
    const counter_block total = sum_counters(snapshot);
    std::fprintf(out, "%-32s", "counter");
    for (const lcore_counters& l : lcores) {
        std::fprintf(out, " %14s%-3u", "lcore", l.lcore_id);
    }
    std::fprintf(out, " %17s\n", "total");
    for (std::size_t i = 0; i < counter_count; ++i) {
        if (!all && total.values[i] == 0) {
            continue;
        }
        std::fprintf(out, "%-32.*s", static_cast<int>(counter_names[i].size()),
                     counter_names[i].data());
        for (const counter_block& b : snapshot) {
            std::fprintf(out, " %17" PRIu64, b.values[i]);
        }
        std::fprintf(out, " %17" PRIu64 "\n", total.values[i]);
    }
    std::fflush(out);
}

} // namespace sipedge::dataplane
