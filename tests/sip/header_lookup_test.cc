// The parser's wide header-name lookup (one lowered, cleared vector and a
// collision-free slot, for padded input) against the plain one: every name in
// every case with one byte changed, every name followed by NUL bytes, and random
// names, each followed by random bytes inside the 16 it reads.

#include "sip/header_lookup.hh"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sipedge::sip::detail {
namespace {

// Both lookups on name[0, n), with `after` filling the buffer past the name.
void expect_same(const std::string& name, char after) {
    std::string buf = name;
    buf.resize(name.size() + wide_name, after);
    EXPECT_EQ(lookup_header_name_wide(buf.data(), name.size()), lookup_header_name(name))
        << name << " then " << static_cast<int>(static_cast<unsigned char>(after));
}

TEST(header_lookup, wide_equals_plain_near_every_name) {
    for (std::size_t i = 1; i < header_id_count; ++i) {
        const std::string name(header_infos[i].name);
        for (const char after : {'\0', ':', ' ', 'a', 'A', '\xff'}) {
            expect_same(name, after);
            for (std::size_t k = 0; k < name.size(); ++k) {
                for (const int bit : {0x01, 0x20, 0x40, 0x80}) {
                    std::string other = name;
                    other[k] = static_cast<char>(other[k] ^ bit);
                    expect_same(other, after);
                }
            }
            // Shorter and longer by one: the length must count.
            expect_same(name.substr(0, name.size() - 1), after);
            expect_same(name + after, ':');
        }
        // Followed by NUL bytes up to the 16 the vector holds: the cleared vector
        // is the name's own, only the length tells them apart.
        for (std::string longer = name + '\0'; longer.size() <= wide_name + 1; longer += '\0') {
            expect_same(longer, ':');
            expect_same(longer, '\0');
        }
        ASSERT_EQ(lookup_header_name_wide((name + std::string(wide_name, ':')).data(),
                                          name.size()),
                  static_cast<header_id>(i))
            << name;
    }
}

TEST(header_lookup, wide_equals_plain_on_random_names) {
    std::mt19937 rng(5);
    const std::string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.!%\r\t\x80";
    for (int round = 0; round < 200000; ++round) {
        std::string name;
        const std::size_t n = rng() % 20;
        for (std::size_t k = 0; k < n; ++k) {
            name += alphabet[rng() % alphabet.size()];
        }
        expect_same(name, static_cast<char>(rng()));
    }
}

} // namespace
} // namespace sipedge::sip::detail
