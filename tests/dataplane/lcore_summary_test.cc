// The per-lcore summary: a reader never sees a half-written publication while
// the owning lcore (here a thread) publishes as fast as it can; and the bounded
// transaction scan samples live transactions of a real transaction layer.

#include "dataplane/lcore_summary.hh"
#include "dataplane/transaction/transaction_layer.hh"

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <thread>

namespace sipedge::dataplane {
namespace {

TEST(lcore_summary, readers_see_whole_publications_only) {
    lcore_summary s;
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        lcore_summary_data d;
        for (std::uint32_t i = 1; !stop.load(std::memory_order_relaxed); ++i) {
            // Every field carries i: a torn copy mixes two values.
            d.published_tsc = i;
            d.transactions = d.transaction_capacity = d.dialogs = i;
            for (auto& t : d.transaction_list) {
                t.peer_ipv4 = i;
            }
            for (auto& g : d.dialog_list) {
                g.seconds_left = i;
            }
            s.publish(d);
        }
    });
    std::uint64_t distinct = 0, last = 0;
    // 200,000 reads, and on until the writer has been seen to publish (on a busy
    // machine it may not get a CPU during the first ones), within 20 s.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (int n = 0; n < 200000 || (distinct < 2 && std::chrono::steady_clock::now() < give_up);
         ++n) {
        const lcore_summary_data d = s.read();
        const std::uint32_t i = static_cast<std::uint32_t>(d.published_tsc);
        ASSERT_EQ(d.transactions, i);
        ASSERT_EQ(d.transaction_capacity, i);
        ASSERT_EQ(d.dialogs, i);
        ASSERT_EQ(d.transaction_list[summary_samples - 1].peer_ipv4, i);
        ASSERT_EQ(d.dialog_list[summary_samples - 1].seconds_left, i);
        distinct += i != last;
        last = i;
    }
    stop.store(true);
    writer.join();
    EXPECT_GT(distinct, 1u); // the writer really ran during the reads
}

TEST(fill_transactions, counts_and_samples_live_transactions_within_the_scan_bound) {
    txn::transaction_layer_config cfg;
    cfg.capacity = 2 * summary_scan_limit;
    auto wheel =
        timer::timer_wheel::create({.capacity = 3 * cfg.capacity, .start_tick = 0, .kinds = 1})
            .value();
    counter_block counters;
    txn::transaction_layer layer(cfg, wheel, counters, {});
    lcore_summary_data d;
    std::uint32_t cursor = 0;
    fill_transactions(layer, cursor, d);
    EXPECT_EQ(d.transactions, 0u);
    EXPECT_EQ(d.transaction_capacity, cfg.capacity);
    EXPECT_EQ(d.transaction_samples, 0u);
    for (std::uint64_t k = 1; k <= 12; ++k) {
        ASSERT_NE(layer.create_server({k, k}, k % 2 == 0, txn::transport::udp,
                                      txn::endpoint::ipv4(198, 51, 100, 2, 5061)),
                  txn::no_txn);
    }
    fill_transactions(layer, cursor, d);
    EXPECT_EQ(d.transactions, 12u);
    EXPECT_EQ(d.transaction_samples, summary_samples);
    for (std::uint32_t i = 0; i < d.transaction_samples; ++i) {
        EXPECT_EQ(d.transaction_list[i].peer_ipv4, 0xc6336402u);
        EXPECT_EQ(d.transaction_list[i].peer_port, 5061);
        EXPECT_TRUE(d.transaction_list[i].kind ==
                        static_cast<std::uint8_t>(txn::txn_kind::invite_server) ||
                    d.transaction_list[i].kind ==
                        static_cast<std::uint8_t>(txn::txn_kind::non_invite_server));
    }
    // The scan resumes after the last sampled slot and wraps: the next publication
    // samples the remaining 4 before scanning on.
    fill_transactions(layer, cursor, d);
    EXPECT_GE(d.transaction_samples, 4u);
}

} // namespace
} // namespace sipedge::dataplane

namespace sipedge::dataplane {
namespace {

TEST(fill_dialogs, counts_timed_dialogs_and_samples_them_with_time_left) {
    proxy::dialog_table table(64);
    proxy::dialog_table::insert_error why{};
    std::vector<std::string> ids;
    for (int k = 0; k < 12; ++k) {
        ids.push_back("call-" + std::to_string(k) + "@198.51.100.2");
    }
    std::vector<std::uint32_t> idx;
    for (const std::string& id : ids) {
        proxy::dialog_init init;
        init.text[static_cast<std::size_t>(proxy::dialog_text::call_id)] = id;
        init.text[static_cast<std::size_t>(proxy::dialog_text::caller_tag)] = "a";
        init.text[static_cast<std::size_t>(proxy::dialog_text::callee_tag)] = "b";
        const std::uint32_t i = table.insert(init, why);
        ASSERT_NE(i, proxy::dialog_table::none);
        table.at(i).interval = 1800;
        table.at(i).refresher = parser::refresher::uas;
        table.at(i).deadline = 1000 * 1768; // ticks of 1 ms: 1768 s after tick 0
        idx.push_back(i);
    }
    table.erase(idx[0]); // a hole the scan steps over
    lcore_summary_data d;
    std::uint32_t cursor = 0;
    fill_dialogs(table, 1000 * 100, 1000, cursor, d);
    EXPECT_EQ(d.dialogs, 11u);
    ASSERT_EQ(d.dialog_samples, summary_samples);
    EXPECT_STREQ(d.dialog_list[0].call_id, "call-1@198.51.100.2");
    EXPECT_EQ(d.dialog_list[0].interval_s, 1800u);
    EXPECT_TRUE(d.dialog_list[0].refresher_uas);
    EXPECT_EQ(d.dialog_list[0].seconds_left, 1668u);
    // The next publication resumes after the last record sampled.
    fill_dialogs(table, 1000 * 100, 1000, cursor, d);
    EXPECT_EQ(d.dialog_samples, 11u - summary_samples);
    EXPECT_STREQ(d.dialog_list[0].call_id, ("call-" + std::to_string(summary_samples + 1) + "@198.51.100.2").c_str());
}

} // namespace
} // namespace sipedge::dataplane
