// Our Via branch values (branch.hh): what format_branch writes, parse_branch reads
// back; anything else is not ours.

#include "dataplane/proxy/branch.hh"

#include <cstdio>
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

// parse_branch reads eight digits per word: every byte value at every digit
// position must be judged as a byte-wise reader would (lower-case hex only), and
// every digit value must come back where it was written.
TEST(branch, every_byte_at_every_digit_position_is_judged_like_a_bytewise_reader) {
    const branch_fields f{0x1234, 0x0123456789abcdefull, 0x89abcdefu, 0x76543210u};
    const std::string good = formatted(f);
    EXPECT_EQ(good.substr(our_branch_prefix.size()), "1234"
                                                     "0123456789abcdef"
                                                     "89abcdef"
                                                     "76543210");
    for (std::size_t pos = our_branch_prefix.size(); pos < branch_length; ++pos) {
        for (int c = 0; c < 256; ++c) {
            std::string b = good;
            b[pos] = static_cast<char>(c);
            const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            branch_fields back;
            ASSERT_EQ(parse_branch(b, back), hex) << pos << " " << c;
            if (!hex) {
                continue;
            }
            const std::string digits = b.substr(our_branch_prefix.size());
            EXPECT_EQ(back.lcore, std::stoul(digits.substr(0, 4), nullptr, 16));
            EXPECT_EQ(back.loop_hash, std::stoull(digits.substr(4, 16), nullptr, 16));
            EXPECT_EQ(back.id, std::stoul(digits.substr(20, 8), nullptr, 16));
            EXPECT_EQ(back.generation, std::stoul(digits.substr(28, 8), nullptr, 16));
        }
    }
}

TEST(branch, put_hex_matches_printf_for_every_digit_value) {
    std::uint64_t v = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 2000; ++round) {
        v = v * 6364136223846793005ull + 1442695040888963407ull;
        for (const int digits : {1, 4, 5, 8, 9, 16}) {
            char got[17] = {};
            put_hex(got, v, digits);
            char want[32];
            std::snprintf(want, sizeof(want), "%016llx", static_cast<unsigned long long>(v));
            EXPECT_EQ(std::string(got, static_cast<std::size_t>(digits)),
                      std::string(want + 16 - digits, static_cast<std::size_t>(digits)));
        }
    }
}

} // namespace
} // namespace sipedge::proxy
