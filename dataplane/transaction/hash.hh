#pragma once
// A small seeded 64-bit hash for transaction keys, the loop-detection value and
// dispatch by Call-ID. Incremental, so keys hash several fields without copying
// them together. Not cryptographic; the per-lcore seed of the transaction table
// keeps remote peers from steering keys into one bucket.

#include "common/word_load.hh"

#include <cstdint>
#include <string_view>

namespace sipedge::txn {

// 64x64->128 multiplies; __extension__ keeps -Wpedantic quiet in every includer.
__extension__ typedef unsigned __int128 hash_u128;

namespace detail {

// The words a string is hashed as, each through fold and then mix: every full
// 8-byte word, then the tail with the length and a separator (so ("ab","c") and
// ("a","bc") differ).
template <typename Fold, typename Mix>
inline void for_each_hash_word(std::string_view s, Fold fold, Mix mix) {
    const char* p = s.data();
    std::size_t n = s.size();
    while (n >= 8) {
        mix(fold(words::load64(p)));
        p += 8;
        n -= 8;
    }
    mix(fold(words::load_tail(s, n)) ^ (static_cast<std::uint64_t>(s.size()) << 56) ^ 0xa5);
}

inline std::uint64_t unchanged(std::uint64_t w) {
    return w;
}

} // namespace detail

class hasher {
public:
    explicit hasher(std::uint64_t seed = 0x9e3779b97f4a7c15ull) : _h(seed) {}

    hasher& add(std::string_view s) {
        detail::for_each_hash_word(s, detail::unchanged, [this](std::uint64_t w) { mix(w); });
        return *this;
    }
    hasher& add(std::uint64_t v) {
        mix(v);
        return *this;
    }
    std::uint64_t value() const { return finalize(_h); }

    static std::uint64_t finalize(std::uint64_t h) {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 33;
        return h;
    }

private:
    void mix(std::uint64_t w) {
        const hash_u128 m = static_cast<hash_u128>(w ^ _h) * 0x9fb21c651e98df25ull;
        _h = static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64) ^ (_h >> 7);
        _h += 0x2d358dccaa6c78a5ull;
    }

    std::uint64_t _h;
};

// Two independently seeded lanes of `hasher` fed in one pass: a 128-bit value for
// the transaction keys at about the cost of one 64-bit hash (one load and loop per
// word instead of two passes over the fields).
class hasher128 {
public:
    hasher128(std::uint64_t seed_a, std::uint64_t seed_b) : _a(seed_a), _b(seed_b) {}

    hasher128& add(std::string_view s) {
        detail::for_each_hash_word(s, detail::unchanged, [this](std::uint64_t w) { mix(w); });
        return *this;
    }
    // ASCII letters folded to lower case first (host names, §19.1.4): the value of
    // add() of the lowered text in 64-byte pieces, folded a word at a time.
    hasher128& add_lowercase(std::string_view s) {
        do {
            const std::size_t n = s.size() < 64 ? s.size() : 64;
            add_lowered(s.substr(0, n));
            s.remove_prefix(n);
        } while (!s.empty());
        return *this;
    }
    hasher128& add(std::uint64_t v) {
        mix(v);
        return *this;
    }
    std::uint64_t high() const { return hasher::finalize(_a); }
    std::uint64_t low() const { return hasher::finalize(_b); }

private:
    // ASCII 'A'-'Z' in the eight bytes of w get the case bit; other bytes stay. The
    // range test runs on the low seven bits of each byte (no carry between bytes)
    // and leaves out bytes from 0x80.
    static std::uint64_t lowered(std::uint64_t w) {
        constexpr std::uint64_t ones = 0x0101010101010101ull;
        constexpr std::uint64_t high = ones * 0x80;
        const std::uint64_t low7 = w & ~high;
        const std::uint64_t ge_a = low7 + ones * (0x80 - 'A');
        const std::uint64_t gt_z = low7 + ones * (0x80 - 'Z' - 1);
        return w | ((ge_a & ~gt_z & ~w & high) >> 2);
    }
    // add() of s with its letters lowered.
    void add_lowered(std::string_view s) {
        detail::for_each_hash_word(s, lowered, [this](std::uint64_t w) { mix(w); });
    }
    static std::uint64_t lane(std::uint64_t w, std::uint64_t h, std::uint64_t k) {
        const hash_u128 m = static_cast<hash_u128>(w ^ h) * k;
        return (static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64) ^ (h >> 7)) +
               0x2d358dccaa6c78a5ull;
    }
    void mix(std::uint64_t w) {
        _a = lane(w, _a, 0x9fb21c651e98df25ull);
        _b = lane(w, _b, 0xd6e8feb86659fd93ull);
    }

    std::uint64_t _a;
    std::uint64_t _b;
};

} // namespace sipedge::txn
