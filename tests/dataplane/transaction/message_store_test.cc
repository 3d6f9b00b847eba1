#include "dataplane/transaction/message_store.hh"

#include <gtest/gtest.h>
#include <string>

namespace sipedge::txn {
namespace {

TEST(message_store, round_trips_and_reuses_chunks) {
    message_store s(8);
    std::string big(600, 'x');
    for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<char>('a' + i % 26);
    }
    stored_message a = s.store(big);
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(s.chunks_free(), 8u - 3u); // 600 bytes = 3 chunks of 252
    stored_message b = s.store("short");
    std::string out(600, '\0');
    s.copy_out(a, out.data());
    EXPECT_EQ(out, big);
    std::string o2(5, '\0');
    s.copy_out(b, o2.data());
    EXPECT_EQ(o2, "short");
    EXPECT_TRUE(s.store(std::string(5 * 252, 'y')).empty()); // 4 chunks left
    s.release(a);
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(s.chunks_free(), 7u);
    stored_message c = s.store(std::string(7 * 252, 'z'));
    EXPECT_FALSE(c.empty());
    EXPECT_EQ(s.chunks_free(), 0u);
    s.release(c);
    s.release(b);
    EXPECT_EQ(s.chunks_free(), 8u);
}

} // namespace
} // namespace sipedge::txn
