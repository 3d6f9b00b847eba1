// Our Via branch values (branch.hh): what format_branch writes, parse_branch reads
// back; anything else is not ours.

#include "dataplane/proxy/branch.hh"

#include <gtest/gtest.h>
#include <string>

namespace sipedge::proxy {
namespace {

std::string formatted(const branch_fields& f) {
    std::string b(branch_length, '\0');
    format_branch(f, b.data());
    return b;
}

TEST(branch, round_trips) {
    for (const branch_fields f :
         {branch_fields{0, 0, 0, 0}, branch_fields{7, 0x0123456789abcdefull, 42, 3},
          branch_fields{0xffff, ~0ull, 0xffffffffu, 0xffffffffu}}) {
        const std::string b = formatted(f);
        EXPECT_TRUE(b.starts_with(our_branch_prefix));
        EXPECT_TRUE(is_our_branch(b));
        branch_fields back;
        ASSERT_TRUE(parse_branch(b, back)) << b;
        EXPECT_EQ(back.lcore, f.lcore);
        EXPECT_EQ(back.loop_hash, f.loop_hash);
        EXPECT_EQ(back.id, f.id);
        EXPECT_EQ(back.generation, f.generation);
    }
}

TEST(branch, put_hex_writes_the_low_digits_most_significant_first) {
    char b[17] = {};
    put_hex(b, 0x0123456789abcdefull, 16);
    EXPECT_EQ(std::string(b, 16), "0123456789abcdef");
    put_hex(b, 0xabcdeull, 5); // odd width: the last (lowest) five digits
    EXPECT_EQ(std::string(b, 5), "abcde");
    put_hex(b, 0x1f, 1);
    EXPECT_EQ(std::string(b, 1), "f");
    put_hex(b, 0xfeed, 8); // zero-padded
    EXPECT_EQ(std::string(b, 8), "0000feed");
}

TEST(branch, rejects_what_it_did_not_write) {
    const std::string good = formatted({3, 0xfeedull, 9, 1});
    branch_fields f;
    EXPECT_FALSE(parse_branch(good.substr(0, branch_length - 1), f)); // short
    EXPECT_FALSE(parse_branch(good + "0", f));                        // long
    std::string foreign = good;
    foreign[7] = 'x'; // z9hG4bKxE...
    EXPECT_FALSE(parse_branch(foreign, f));
    for (const char bad : {'A', 'F', 'g', 'z', ' ', ';', '\0', '\xff'}) {
        std::string b = good;
        b[branch_length - 3] = bad;
        EXPECT_FALSE(parse_branch(b, f)) << static_cast<int>(bad);
    }
}

} // namespace
} // namespace sipedge::proxy
