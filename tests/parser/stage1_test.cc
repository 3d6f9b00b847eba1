// Every SIMD scanner agrees with the scalar one, bit for bit.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "parser/stage1.hh"
#include "tests/parser/corpus_loader.hh"
#include "tests/parser/test_support.hh"

namespace sipedge::parser {
namespace {

std::vector<block_masks> scan_with(simd_isa isa, const std::string& s) {
    const std::size_t blocks = (s.size() + 63) / 64;
    std::string buf = s;
    buf.resize(blocks * 64, '\0');
    std::vector<block_masks> out(blocks);
    scanner(isa)(buf.data(), blocks, out.data());
    return out;
}

TEST(stage1, scalar_masks_are_right) {
    const std::string s = "a\nb\r:,\"<>";
    const auto m = scan_with(simd_isa::scalar, s);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].lf, 1u << 1);
    EXPECT_EQ(m[0].cr, 1u << 3);
    EXPECT_EQ(m[0].colon, 1u << 4);
    EXPECT_EQ(m[0].comma, 1u << 5);
    EXPECT_EQ(m[0].quote, 1u << 6);
    EXPECT_EQ(m[0].langle, 1u << 7);
    EXPECT_EQ(m[0].rangle, 1u << 8);
}

TEST(stage1, best_isa_is_available_and_scalar_always_is) {
    EXPECT_TRUE(isa_available(simd_isa::scalar));
    EXPECT_TRUE(isa_available(best_isa()));
    EXPECT_NE(scanner(best_isa()), nullptr);
}

TEST(stage1, simd_scanners_match_scalar_on_random_bytes) {
    std::mt19937 rng(42);
    const char alphabet[] = "\n\r:,\"<> aZ\x80\xff\x00";
    for (int round = 0; round < 2000; ++round) {
        std::string s(1 + rng() % 300, '\0');
        for (char& c : s) {
            c = (rng() % 2) ? static_cast<char>(rng()) : alphabet[rng() % (sizeof alphabet - 1)];
        }
        const auto ref = scan_with(simd_isa::scalar, s);
        for (auto isa : testing::available_isas()) {
            EXPECT_EQ(scan_with(isa, s), ref) << isa_name(isa);
        }
    }
}

// The indexer's line scanners: the lf and colon masks of the full scan, for every
// ISA.
std::vector<line_masks> scan_lines_with(simd_isa isa, const std::string& s) {
    const std::size_t blocks = (s.size() + 63) / 64;
    std::string buf = s;
    buf.resize(blocks * 64, '\0');
    std::vector<line_masks> out(blocks);
    line_scanner(isa)(buf.data(), blocks, out.data());
    return out;
}

TEST(stage1, line_scanners_match_the_full_scan) {
    std::mt19937 rng(7);
    const char alphabet[] = "\n\r:,\"<> aZ\x80\xff\x00";
    std::vector<std::string> inputs = {"a\nb\r:,\"<>\n:"};
    for (int round = 0; round < 500; ++round) {
        std::string s(1 + rng() % 300, '\0');
        for (char& c : s) {
            c = (rng() % 2) ? static_cast<char>(rng()) : alphabet[rng() % (sizeof alphabet - 1)];
        }
        inputs.push_back(s);
    }
    for (auto& m : testing::load_rfc3665(testing::corpus_dir())) {
        inputs.push_back(m.bytes);
    }
    for (const auto& s : inputs) {
        const auto full = scan_with(simd_isa::scalar, s);
        std::vector<line_masks> expected;
        for (const auto& b : full) {
            expected.push_back({b.lf, b.colon});
        }
        EXPECT_EQ(scan_lines_with(simd_isa::scalar, s), expected);
        for (auto isa : testing::available_isas()) {
            EXPECT_EQ(scan_lines_with(isa, s), expected) << isa_name(isa);
        }
    }
    EXPECT_EQ(scan_lines_with(simd_isa::scalar, "a\nb:")[0], (line_masks{1u << 1, 1u << 3}));
}

TEST(stage1, simd_scanners_match_scalar_on_the_corpora) {
    auto msgs = testing::load_rfc4475(testing::corpus_dir());
    for (auto& m : testing::load_rfc3665(testing::corpus_dir())) {
        msgs.push_back(m);
    }
    for (const auto& m : msgs) {
        const auto ref = scan_with(simd_isa::scalar, m.bytes);
        for (auto isa : testing::available_isas()) {
            EXPECT_EQ(scan_with(isa, m.bytes), ref) << m.name << " " << isa_name(isa);
        }
    }
}

} // namespace
} // namespace sipedge::parser
