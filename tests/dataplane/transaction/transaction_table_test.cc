// The transaction table's open-addressing index: after any mix of allocations and
// releases, find() returns a live transaction with the key whenever there is one,
// and no_txn otherwise -- including runs that wrap around the end of the index,
// keys whose low bits (home and filter) collide, and removals from the middle of
// a run (the backward shift must keep every later entry reachable). Transactions
// allocated by_handle share the slots but never the index: find() does not see
// them, and their releases leave every indexed one reachable.

#include "dataplane/transaction/transaction_table.hh"

#include <gtest/gtest.h>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace sipedge::txn {
namespace {

struct model {
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::set<txn_id>> live;
    void check(const transaction_table& t, const txn_key& k) const {
        const auto it = live.find({k.hi, k.lo});
        const txn_id got = t.find(k);
        if (it == live.end() || it->second.empty()) {
            EXPECT_EQ(got, no_txn) << k.hi << " " << k.lo;
        } else {
            EXPECT_TRUE(it->second.count(got)) << k.hi << " " << k.lo << " -> " << got;
        }
    }
};

TEST(transaction_table, find_agrees_with_a_model_through_collisions_wraps_and_removals) {
    constexpr std::uint32_t capacity = 64; // index of 128 entries
    transaction_table t(capacity);
    model m;
    std::mt19937_64 rng(12345);
    // Homes crowded around the end of the index (120..135 wraps to 0..7), and the
    // same low 32 bits under different high bits.
    auto random_key = [&] {
        const std::uint64_t lo = (std::uint64_t{rng() % 4} << 32) | (120 + rng() % 16);
        return txn_key{rng() % 3, lo};
    };
    std::vector<txn_id> ids;
    std::size_t by_handle = 0;
    for (int step = 0; step < 200000; ++step) {
        const bool add = ids.empty() || (ids.size() < capacity && rng() % 2 == 0);
        if (add) {
            const txn_key k = random_key();
            const txn_lookup lookup = rng() % 4 == 0 ? txn_lookup::by_handle : txn_lookup::by_key;
            const txn_id id = t.allocate(k, lookup);
            ASSERT_NE(id, no_txn);
            EXPECT_EQ(t[id].lookup, lookup);
            t[id].state = txn_state::trying;
            if (lookup == txn_lookup::by_key) {
                m.live[{k.hi, k.lo}].insert(id);
            } else {
                ++by_handle;
            }
            ids.push_back(id);
        } else {
            const std::size_t i = rng() % ids.size();
            const txn_id id = ids[i];
            ids[i] = ids.back();
            ids.pop_back();
            const txn_key k = t[id].key;
            m.live[{k.hi, k.lo}].erase(id);
            t.release(id);
            EXPECT_FALSE(t.live(id));
        }
        ASSERT_EQ(t.size(), ids.size());
        m.check(t, random_key());
        if (!ids.empty()) {
            const txn_id id = ids[rng() % ids.size()];
            const txn_key k = t[id].key;
            m.check(t, k);
            if (t[id].lookup == txn_lookup::by_key) {
                ASSERT_NE(t.find(k), no_txn);
            }
        }
    }
    EXPECT_GT(by_handle, 10000u);
    // Every remaining indexed one is still found, then the index empties completely.
    for (const txn_id id : ids) {
        if (t[id].lookup == txn_lookup::by_key) {
            EXPECT_NE(t.find(t[id].key), no_txn);
        }
    }
    for (const txn_id id : ids) {
        const txn_key k = t[id].key;
        m.live[{k.hi, k.lo}].erase(id);
        t.release(id);
        m.check(t, k);
    }
    EXPECT_EQ(t.size(), 0u);
}

TEST(transaction_table, a_full_table_refuses_and_terminated_ones_are_not_found) {
    transaction_table t(3);
    const txn_key k{1, 7};
    const txn_id a = t.allocate(k);
    const txn_id b = t.allocate({2, 7}); // same low bits, another key
    const txn_id c = t.allocate({3, 8});
    EXPECT_EQ(t.allocate({4, 9}), no_txn);
    EXPECT_EQ(t.next_free(), no_txn);
    t[b].state = txn_state::trying;
    t[c].state = txn_state::trying;
    EXPECT_EQ(t.find(k), no_txn); // a is still `terminated` (being set up)
    t[a].state = txn_state::trying;
    EXPECT_EQ(t.find(k), a);
    EXPECT_EQ(t.find({2, 7}), b);
    EXPECT_EQ(t.find({5, 7}), no_txn);
    t.release(a);
    EXPECT_EQ(t.find(k), no_txn);
    EXPECT_EQ(t.find({2, 7}), b);
    EXPECT_EQ(t.next_free(), a);
}

TEST(huge_array, elements_are_value_initialised_and_the_array_is_2mib_aligned) {
    for (const std::size_t n : {std::size_t{1}, std::size_t{1000}, std::size_t{300000}}) {
        auto a = make_huge_array<transaction>(n);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.get()) % (std::uintptr_t{2} << 20), 0u);
        EXPECT_EQ(a[0].state, txn_state::idle);
        EXPECT_EQ(a[n - 1].owner, 0u);
        EXPECT_EQ(a[n - 1].generation, 0u);
        a[n - 1].owner = 7; // writable to the end
    }
}

} // namespace
} // namespace sipedge::txn
