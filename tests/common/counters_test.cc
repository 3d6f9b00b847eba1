#include "common/counters.hh"

#include <gtest/gtest.h>
#include <set>
#include <vector>

namespace sipedge {
namespace {

TEST(counters, names_and_descriptions_follow_the_def_list) {
    EXPECT_EQ(counter_names[static_cast<std::size_t>(counter_id::rx_packets)], "rx_packets");
    EXPECT_EQ(counter_descriptions[static_cast<std::size_t>(counter_id::rx_packets)],
              "packets received");
    std::set<std::string_view> unique(counter_names.begin(), counter_names.end());
    EXPECT_EQ(unique.size(), counter_count) << "a counter name appears twice in counters.def";
    for (auto d : counter_descriptions) {
        EXPECT_FALSE(d.empty());
    }
}

TEST(counters, block_is_cache_aligned_and_counts) {
    EXPECT_EQ(alignof(counter_block) % cache_line_size, 0u);
    counter_block b;
    EXPECT_EQ(b.get(counter_id::tx_packets), 0u);
    b.add(counter_id::tx_packets);
    b.add(counter_id::tx_packets, 4);
    EXPECT_EQ(b.get(counter_id::tx_packets), 5u);
    EXPECT_EQ(b.get(counter_id::rx_packets), 0u);
    b.reset();
    EXPECT_EQ(b.get(counter_id::tx_packets), 0u);
}

TEST(counters, totals_sum_every_lcore) {
    std::vector<counter_block> per_core(3);
    per_core[0].add(counter_id::drop_ipv4_bad_checksum, 2);
    per_core[2].add(counter_id::drop_ipv4_bad_checksum, 5);
    per_core[1].add(counter_id::rx_packets, 9);
    counter_block total = sum_counters(per_core);
    EXPECT_EQ(total.get(counter_id::drop_ipv4_bad_checksum), 7u);
    EXPECT_EQ(total.get(counter_id::rx_packets), 9u);
}

} // namespace
} // namespace sipedge
