// The 16-byte class tests of parser/byte_vec.hh against their scalar twins (the
// char_class.hh classes), on every byte value at every position, and the scans
// built on them against a byte loop.

#include "parser/byte_vec.hh"

#include <algorithm>
#include <cstdint>
#include <gtest/gtest.h>
#include <memory>
#include <random>
#include <string>

namespace {

using namespace sipedge::parser::detail;

struct vec_class {
    const char* name;
    std::uint32_t (*bits)(byte_vec);
    bool (*byte)(char);
    std::size_t (*scan)(const char*, std::size_t, std::size_t);
};

const vec_class classes[] = {
    {"host", host_stop_bits, is_host_stop, skip_host},
    {"pvalue", pvalue_stop_bits, is_pvalue_stop, find_pvalue_end},
    {"pvalue_candidate", pvalue_candidate_bits, is_pvalue_candidate,
     find_stop<pvalue_candidate_bits, is_pvalue_candidate>},
    {"uri", uri_special_bits, is_uri_special, find_uri_special},
    {"rangle", rangle_or_ctl_bits, is_rangle_or_ctl, find_rangle_or_ctl},
    {"space", space_or_ctl_bits, is_space_or_ctl, find_space_or_ctl},
    {"at", at_bits, is_at, find_stop<at_bits, is_at>},
    {"call_id_candidate", call_id_candidate_bits, is_call_id_candidate,
     find_stop<call_id_candidate_bits, is_call_id_candidate>},
};

// The candidate classes hold every byte of the exact classes they stand in for.
TEST(byte_vec, candidates_hold_the_stops) {
    for (int c = 0; c < 256; ++c) {
        const char ch = static_cast<char>(c);
        EXPECT_TRUE(!is_pvalue_stop(ch) || is_pvalue_candidate(ch)) << c;
        EXPECT_TRUE(!is_call_id_stop(ch) || is_call_id_candidate(ch)) << c;
    }
}

TEST(byte_vec, every_byte_at_every_position) {
    for (const vec_class& c : classes) {
        for (int first = 0; first < 256; ++first) {
            char block[vec_bytes];
            std::uint32_t expected = 0;
            for (std::uint32_t k = 0; k < vec_bytes; ++k) {
                block[k] = static_cast<char>((first + static_cast<int>(k) * 17) & 0xff);
                expected |= c.byte(block[k]) ? (1u << k) : 0u;
            }
            ASSERT_EQ(c.bits(load_vec(block)), expected) << c.name << " from byte " << first;
        }
    }
}

TEST(byte_vec, movemask_equals_the_portable_gather) {
    std::mt19937 rng(3);
    for (int round = 0; round < 100000; ++round) {
        char block[vec_bytes];
        for (char& c : block) {
            c = rng() % 2 == 0 ? '\0' : '\xff';
        }
        const byte_vec m = load_vec(block);
        ASSERT_EQ(vec_bits(m), vec_bits_portable(m));
    }
}

// The signed-compare range test against the plain one, for every byte value in
// every lane, at the edges of the ranges the classes use and at the extremes.
TEST(byte_vec, in_range_equals_the_unsigned_test) {
    const std::pair<int, int> ranges[] = {{'a', 26},   {'A', 26}, {'0', 10}, {'-', 2},
                                          {0, 0x23},   {0x3b, 4}, {0, 1},    {0, 128},
                                          {0x80, 128}, {0xff, 1}, {0x7f, 2}, {0x21, 94}};
    for (const auto& [lo, count] : ranges) {
        for (int first = 0; first < 256; first += 16) {
            alignas(16) char block[vec_bytes];
            for (int k = 0; k < 16; ++k) {
                block[k] = static_cast<char>(first + k);
            }
            const byte_vec got = sipedge::vec::in_range(
                load_vec(block), static_cast<std::uint8_t>(lo), static_cast<std::uint8_t>(count));
            for (int k = 0; k < 16; ++k) {
                const auto in =
                    static_cast<unsigned>((first + k - lo) & 0xff) < static_cast<unsigned>(count);
                ASSERT_EQ(got[k], in ? 0xff : 0x00) << lo << "+" << count << " at " << first + k;
            }
        }
    }
    for (int first = 0; first < 256; first += 16) {
        alignas(16) char block[vec_bytes];
        for (int k = 0; k < 16; ++k) {
            block[k] = static_cast<char>(first + k);
        }
        const byte_vec got = sipedge::vec::ctl_space_or_high(load_vec(block));
        for (int k = 0; k < 16; ++k) {
            const bool in = first + k < 0x21 || first + k >= 0x7f;
            ASSERT_EQ(got[k], in ? 0xff : 0x00) << first + k;
        }
    }
}

TEST(byte_vec, scans_match_a_byte_loop) {
    std::mt19937 rng(7);
    const std::string alphabet = "aZ09-._;:@?%<>\", \t\r\n\x7f\x80\x01=/!";
    for (const vec_class& c : classes) {
        for (int round = 0; round < 20000; ++round) {
            std::string s(rng() % 48, 'x');
            for (char& ch : s) {
                ch = rng() % 4 == 0 ? alphabet[rng() % alphabet.size()] : 'k';
            }
            const std::size_t from = s.empty() ? 0 : rng() % (s.size() + 1);
            std::size_t expected = from;
            while (expected < s.size() && !c.byte(s[expected])) {
                ++expected;
            }
            // An exact-size heap copy: a load past the end is an ASan report.
            const auto copy = std::make_unique<char[]>(s.size());
            std::copy(s.begin(), s.end(), copy.get());
            ASSERT_EQ(c.scan(copy.get(), from, s.size()), expected) << c.name << " '" << s << "'";
        }
    }
}

} // namespace
