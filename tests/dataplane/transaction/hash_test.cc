// The hashes are defined by their word-at-a-time reference: 8-byte words, then the
// tail copied into a zeroed word. The fast tail loads (overlapping word, 4-, 2- and
// 1-byte loads) must give exactly those values for every length and position, or
// keys and local tags would change with how a string happens to be stored.

#include "dataplane/transaction/hash.hh"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace sipedge::txn {
namespace {

std::uint64_t reference_tail(std::string_view s) {
    const std::size_t n = s.size() % 8;
    std::uint64_t tail = 0;
    for (std::size_t i = 0; i < n; ++i) {
        tail |= std::uint64_t{static_cast<unsigned char>(s[s.size() - n + i])} << (8 * i);
    }
    return tail;
}

// The reference two-lane hash, written out with byte-wise tails.
std::pair<std::uint64_t, std::uint64_t> reference128(std::uint64_t a, std::uint64_t b,
                                                     const std::vector<std::string_view>& parts) {
    auto lane = [](std::uint64_t w, std::uint64_t h, std::uint64_t k) {
        const hash_u128 m = static_cast<hash_u128>(w ^ h) * k;
        return (static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64) ^ (h >> 7)) +
               0x2d358dccaa6c78a5ull;
    };
    auto mix = [&](std::uint64_t w) {
        a = lane(w, a, 0x9fb21c651e98df25ull);
        b = lane(w, b, 0xd6e8feb86659fd93ull);
    };
    for (std::string_view s : parts) {
        std::size_t i = 0;
        for (; i + 8 <= s.size(); i += 8) {
            std::uint64_t w = 0;
            for (std::size_t j = 0; j < 8; ++j) {
                w |= std::uint64_t{static_cast<unsigned char>(s[i + j])} << (8 * j);
            }
            mix(w);
        }
        mix(reference_tail(s) ^ (static_cast<std::uint64_t>(s.size()) << 56) ^ 0xa5);
    }
    return {hasher::finalize(a), hasher::finalize(b)};
}

TEST(hash, tail_loads_equal_the_bytewise_tail_for_every_length_and_offset) {
    std::string buf(96, '\0');
    for (std::size_t i = 0; i < buf.size(); ++i) {
        buf[i] = static_cast<char>(0x80 + 37 * i); // high bytes: no sign extension allowed
    }
    for (std::size_t off = 0; off < 8; ++off) {
        for (std::size_t len = 0; len <= 40; ++len) {
            const std::string_view s(buf.data() + off, len);
            EXPECT_EQ(words::load_tail(s, len % 8), reference_tail(s)) << off << " " << len;
            hasher128 h(1, 2);
            h.add(s).add(std::string_view("x")).add(s.substr(0, len / 3));
            const auto want = reference128(1, 2, {s, "x", s.substr(0, len / 3)});
            EXPECT_EQ(h.high(), want.first) << off << " " << len;
            EXPECT_EQ(h.low(), want.second) << off << " " << len;
        }
    }
}

// add_lowercase folds words, not bytes: it must give add() of the byte-wise lowered
// text in 64-byte pieces (as it was defined), for every byte value at every
// position, across the piece boundary, so that server keys and local tags of the
// same host in any case stay what they were.
TEST(hash, add_lowercase_equals_add_of_the_bytewise_lowered_pieces) {
    const auto reference = [](std::string_view s) {
        hasher128 h(3, 4);
        do {
            std::string piece(s.substr(0, 64));
            for (char& c : piece) {
                c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
            }
            h.add(std::string_view(piece));
            s.remove_prefix(s.size() < 64 ? s.size() : 64);
        } while (!s.empty());
        return std::pair{h.high(), h.low()};
    };
    const auto fast = [](std::string_view s) {
        hasher128 h(3, 4);
        h.add_lowercase(s);
        return std::pair{h.high(), h.low()};
    };
    EXPECT_EQ(fast(""), reference(""));
    std::string base;
    for (int i = 0; i < 140; ++i) {
        base += "aZ.9-Q@\x7f[`"[i % 10]; // letters, their neighbours '@' '[' '`', DEL
    }
    for (const std::size_t len : {1u, 5u, 8u, 13u, 16u, 63u, 64u, 65u, 71u, 140u}) {
        for (std::size_t pos = 0; pos < len; ++pos) {
            for (int c = 0; c < 256; ++c) {
                std::string s = base.substr(0, len);
                s[pos] = static_cast<char>(c);
                ASSERT_EQ(fast(s), reference(s)) << len << " " << pos << " " << c;
            }
        }
    }
}

TEST(hash, known_values_do_not_move) {
    // Local To tags (sE + key) and branches must not change between builds that
    // share a cluster: pinned values of the 64-bit hasher.
    EXPECT_EQ(hasher(7).add(std::string_view("")).value(),
              hasher(7).add(std::string_view()).value());
    const std::uint64_t v =
        hasher(7).add(std::string_view("abc")).add(std::string_view("0123456789")).value();
    hasher r(7);
    r.add(std::uint64_t{0x636261} ^ (std::uint64_t{3} << 56) ^ 0xa5);
    r.add(std::uint64_t{0x3736353433323130ull});
    r.add(std::uint64_t{0x3938} ^ (std::uint64_t{10} << 56) ^ 0xa5);
    EXPECT_EQ(v, r.value());
}

} // namespace
} // namespace sipedge::txn
