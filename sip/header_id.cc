#include "sip/header_id.hh"

#include <cstdint>
#include <cstring>

namespace sipedge::sip {
namespace {

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }

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
    // Lowercase copy of every canonical name, and 0x20 at each of its letters (the
    // only bits a case-insensitive match may differ in); zero-filled to max_name.
    char lowered[header_id_count][max_name] = {};
    char letters[header_id_count][max_name] = {};
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
            const char c = name[k];
            t.lowered[i][k] = lower(c);
            const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            t.letters[i][k] = letter ? 0x20 : 0;
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

template <typename Word>
inline Word load(const char* p) {
    Word w;
    std::memcpy(&w, p, sizeof(w));
    return w;
}

// Bits in which `name` differs from row `id` at offset o, ignoring the case bit of
// the row's letters: zero exactly when the bytes match case-insensitively (a
// non-letter must be equal; a letter may differ only in 0x20, i.e. be its other
// case -- nothing else differs from a letter in that bit alone).
template <typename Word>
inline Word differs(const char* name, std::size_t id, std::size_t o) {
    return (load<Word>(name + o) ^ load<Word>(table.lowered[id] + o)) &
           ~load<Word>(table.letters[id] + o);
}

// Case-insensitive equality of name with row id, both n bytes, 2 <= n <= 24, with
// overlapping word loads instead of a byte loop.
inline bool equal_row(const char* name, std::size_t id, std::size_t n) {
    if (n >= 8) {
        std::uint64_t diff = differs<std::uint64_t>(name, id, n - 8);
        for (std::size_t o = 0; o + 8 < n; o += 8) {
            diff |= differs<std::uint64_t>(name, id, o);
        }
        return diff == 0;
    }
    if (n >= 4) {
        return (differs<std::uint32_t>(name, id, 0) | differs<std::uint32_t>(name, id, n - 4)) ==
               0;
    }
    return (differs<std::uint16_t>(name, id, 0) | differs<std::uint16_t>(name, id, n - 2)) == 0;
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
        if (s.length == n && equal_row(name.data(), s.id, n)) {
            return static_cast<header_id>(s.id);
        }
        h = (h + 1) & (table_size - 1);
    }
    return header_id::unknown;
}

} // namespace sipedge::sip
