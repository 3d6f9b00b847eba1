// dialog_table: symmetric lookup, insert/erase with backward-shift deletion under
// collisions, full and too-large outcomes, samples.

#include "dataplane/proxy/dialog_table.hh"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace sipedge::proxy {
namespace {

dialog_init init_for(const std::string& call_id, const std::string& a, const std::string& b) {
    dialog_init i;
    i.text[static_cast<std::size_t>(dialog_text::call_id)] = call_id;
    i.text[static_cast<std::size_t>(dialog_text::caller_tag)] = a;
    i.text[static_cast<std::size_t>(dialog_text::callee_tag)] = b;
    return i;
}

TEST(dialog_table, find_is_symmetric_in_tags) {
    dialog_table t(8);
    dialog_table::insert_error why{};
    const std::string c = "abc@192.0.2.10", a = "a1", b = "b1";
    const std::uint32_t i = t.insert(init_for(c, a, b), why);
    ASSERT_NE(i, dialog_table::none);
    EXPECT_EQ(t.find(c, a, b), i);
    EXPECT_EQ(t.find(c, b, a), i);
    EXPECT_EQ(t.find(c, a, "b2"), dialog_table::none);
    EXPECT_EQ(t.find("other", a, b), dialog_table::none);
    EXPECT_EQ(t.at(i).get(dialog_text::call_id), c);
}

TEST(dialog_table, full_and_too_large_are_reported) {
    dialog_table t(2);
    dialog_table::insert_error why{};
    const std::vector<std::string> ids = {"1", "2", "3"};
    EXPECT_NE(t.insert(init_for(ids[0], "a", "b"), why), dialog_table::none);
    EXPECT_NE(t.insert(init_for(ids[1], "a", "b"), why), dialog_table::none);
    EXPECT_EQ(t.insert(init_for(ids[2], "a", "b"), why), dialog_table::none);
    EXPECT_EQ(why, dialog_table::insert_error::full);
    dialog_table u(2);
    const std::string huge(400, 'x');
    EXPECT_EQ(u.insert(init_for(huge, "a", "b"), why), dialog_table::none);
    EXPECT_EQ(why, dialog_table::insert_error::too_large);
    EXPECT_EQ(u.size(), 0u);
}

TEST(dialog_table, many_inserts_and_erases_keep_every_other_entry_findable) {
    constexpr std::uint32_t n = 5000;
    dialog_table t(n);
    std::vector<std::string> ids;
    for (std::uint32_t k = 0; k < n; ++k) {
        ids.push_back("call-" + std::to_string(k));
    }
    std::vector<std::uint32_t> idx(n);
    dialog_table::insert_error why{};
    for (std::uint32_t k = 0; k < n; ++k) {
        idx[k] = t.insert(init_for(ids[k], "a", "b"), why);
        ASSERT_NE(idx[k], dialog_table::none);
    }
    for (std::uint32_t k = 0; k < n; k += 3) {
        t.erase(idx[k]);
    }
    for (std::uint32_t k = 0; k < n; ++k) {
        EXPECT_EQ(t.find(ids[k], "a", "b"), k % 3 == 0 ? dialog_table::none : idx[k]) << k;
    }
    // Freed records are reused.
    for (std::uint32_t k = 0; k < n; k += 3) {
        ASSERT_NE(t.insert(init_for(ids[k], "a", "b"), why), dialog_table::none);
    }
    EXPECT_EQ(t.size(), n);
    for (std::uint32_t k = 0; k < n; ++k) {
        EXPECT_NE(t.find(ids[k], "b", "a"), dialog_table::none) << k;
    }
}

TEST(dialog_table, sample_fills_a_caller_array) {
    dialog_table t(4);
    dialog_table::insert_error why{};
    const std::string c = "sample@192.0.2.10";
    const std::uint32_t i = t.insert(init_for(c, "a", "b"), why);
    t.at(i).interval = 90;
    t.at(i).refresher = parser::refresher::uac;
    t.at(i).deadline = 61'000; // ticks of 1 ms
    std::array<dialog_sample, 2> out{};
    ASSERT_EQ(t.sample(out, 1'000, 1000), 1u);
    EXPECT_EQ(std::string_view(out[0].call_id, out[0].call_id_length), c);
    EXPECT_EQ(out[0].interval, 90u);
    EXPECT_EQ(out[0].refresher, parser::refresher::uac);
    EXPECT_EQ(out[0].seconds_left, 60u);
}

} // namespace
} // namespace sipedge::proxy
