#include "sip/header_id.hh"

#include <cstdint>
#include <cstring>

namespace sipedge::sip {
namespace {

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }

// One table load per byte instead of two compares: this runs for every header line.
constexpr std::array<std::uint8_t, 256> build_lower() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(lower(static_cast<char>(c)));
    }
    return t;
}
constexpr std::array<std::uint8_t, 256> lower_table = build_lower();

inline std::uint8_t lo(char c) { return lower_table[static_cast<std::uint8_t>(c)]; }

// Open-addressing table built at compile time. The hash mixes the length with the
// first and last bytes (case folded by | 0x20, which is enough for a hash); every
// slot keeps the id and its name's length, so most misses cost no compare.
constexpr std::size_t table_bits = 9;
constexpr std::size_t table_size = std::size_t{1} << table_bits;
constexpr std::size_t max_name = 24;

constexpr std::size_t hash_name(std::size_t n, std::uint8_t first, std::uint8_t last) {
    return (n * 37u + (first | 0x20u) * 11u + (last | 0x20u) * 5u) & (table_size - 1);
}

struct slot {
    std::uint8_t id;
    std::uint8_t length;
};

struct name_table {
    slot slots[table_size] = {};
    std::uint8_t compact[128] = {};
    // Lowercase copy of every canonical name, so a compare needs one side lowered;
    // zero-filled to max_name so that word loads stay inside the row.
    char lowered[header_id_count][max_name] = {};
};

constexpr name_table build_table() {
    name_table t;
    for (std::size_t i = 1; i < header_id_count; ++i) {
        const std::string_view name = header_infos[i].name;
        std::size_t h = hash_name(name.size(), static_cast<std::uint8_t>(name.front()),
                                  static_cast<std::uint8_t>(name.back()));
        while (t.slots[h].id != 0) {
            h = (h + 1) & (table_size - 1);
        }
        t.slots[h] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(name.size())};
        if (char c = header_infos[i].compact; c != 0) {
            t.compact[static_cast<std::uint8_t>(lower(c))] = static_cast<std::uint8_t>(i);
        }
        for (std::size_t k = 0; k < name.size() && k < max_name; ++k) {
            t.lowered[i][k] = lower(name[k]);
        }
    }
    return t;
}

constexpr name_table table = build_table();

static_assert([] {
    for (const auto& h : header_infos) {
        if (h.name.size() > max_name) {
            return false;
        }
    }
    return true;
}(), "raise max_name");

// ASCII lowercase of 8 (or 4) bytes at once: exact, bytes >= 0x80 untouched (SWAR:
// bit 7 of each byte says "in 'A'..'Z'" after two biased adds on the low 7 bits).
template <typename Word>
inline Word lower_word(Word x) {
    constexpr Word ones = static_cast<Word>(~Word{0}) / 0xff;
    const Word low7 = x & static_cast<Word>(0x7f * ones);
    const Word ge_a = low7 + static_cast<Word>((0x80 - 'A') * ones);
    const Word gt_z = low7 + static_cast<Word>((0x7f - 'Z') * ones);
    const Word upper = ge_a & ~gt_z & ~x & static_cast<Word>(0x80 * ones);
    return x | (upper >> 2);
}

template <typename Word>
inline Word load(const char* p) {
    Word w;
    std::memcpy(&w, p, sizeof(w));
    return w;
}

// Case-insensitive equality of name and ref (lowercase), both n bytes, 2 <= n <= 24,
// with overlapping word loads instead of a byte loop.
inline bool equal_lowered(const char* name, const char* ref, std::size_t n) {
    if (n >= 8) {
        std::uint64_t diff = lower_word(load<std::uint64_t>(name + n - 8)) ^
                             load<std::uint64_t>(ref + n - 8);
        for (std::size_t i = 0; i + 8 < n; i += 8) {
            diff |= lower_word(load<std::uint64_t>(name + i)) ^ load<std::uint64_t>(ref + i);
        }
        return diff == 0;
    }
    if (n >= 4) {
        const std::uint32_t diff =
            (lower_word(load<std::uint32_t>(name)) ^ load<std::uint32_t>(ref)) |
            (lower_word(load<std::uint32_t>(name + n - 4)) ^ load<std::uint32_t>(ref + n - 4));
        return diff == 0;
    }
    unsigned diff = 0;
    for (std::size_t i = 0; i < n; ++i) {
        diff |= static_cast<unsigned>(lo(name[i]) ^ static_cast<std::uint8_t>(ref[i]));
    }
    return diff == 0;
}

} // namespace

header_id lookup_header_id(std::string_view name) {
    const std::size_t n = name.size();
    if (n == 1) {
        const auto c = static_cast<std::uint8_t>(lower(name[0]));
        return c < 128 ? static_cast<header_id>(table.compact[c]) : header_id::unknown;
    }
    if (n == 0 || n > max_name) {
        return header_id::unknown;
    }
    std::size_t h = hash_name(n, static_cast<std::uint8_t>(name.front()),
                              static_cast<std::uint8_t>(name.back()));
    for (slot s = table.slots[h]; s.id != 0; s = table.slots[h]) {
        if (s.length == n && equal_lowered(name.data(), table.lowered[s.id], n)) {
            return static_cast<header_id>(s.id);
        }
        h = (h + 1) & (table_size - 1);
    }
    return header_id::unknown;
}

} // namespace sipedge::sip
