#pragma once
// The header-name lookup behind sip::lookup_header_id, inline for the message
// parser's per-line loop (internal header: include header_id.hh elsewhere).
//
// An open-addressing table built at compile time. The hash mixes the length with
// the first and last bytes (case folded by | 0x20, which is enough for a hash;
// at most 2 probes for the names in header_ids.def); every slot keeps the id and
// its name's length, so most misses cost no compare. A candidate is compared a
// word at a time, ignoring only the case bit of its letters.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "sip/header_id.hh"

namespace sipedge::sip::detail {

inline constexpr std::size_t name_table_size = 512;
inline constexpr std::size_t max_header_name = 24;

constexpr std::size_t hash_header_name(std::size_t n, std::uint8_t first, std::uint8_t last) {
    return ((std::size_t{first | 0x20u} << 3) ^ std::size_t{last | 0x20u} ^ (n << 5)) &
           (name_table_size - 1);
}

struct name_slot {
    std::uint8_t id;
    std::uint8_t length;
};

// A name of up to 16 bytes as two words: its lowercase bytes, and the bits a
// case-insensitive match must agree in (all but the case bit of a letter; none
// past the name's end, so that the bytes after a name of that length do not count).
struct wide_row {
    std::uint64_t lowered[2];
    std::uint64_t care[2];
};
inline constexpr std::size_t wide_name = 16;

struct header_name_table {
    name_slot slots[name_table_size] = {};
    std::uint8_t compact[128] = {};
    wide_row wide[header_id_count] = {};
    // Lowercase copy of every canonical name, and 0x20 at each of its letters (the
    // only bits a case-insensitive match may differ in); zero-filled.
    char lowered[header_id_count][max_header_name] = {};
    char letters[header_id_count][max_header_name] = {};
};

constexpr char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
}

constexpr header_name_table build_header_name_table() {
    header_name_table t;
    for (std::size_t i = 1; i < header_id_count; ++i) {
        const std::string_view name = header_infos[i].name;
        std::size_t h = hash_header_name(name.size(), static_cast<std::uint8_t>(name.front()),
                                         static_cast<std::uint8_t>(name.back()));
        while (t.slots[h].id != 0) {
            h = (h + 1) & (name_table_size - 1);
        }
        t.slots[h] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(name.size())};
        if (char c = header_infos[i].compact; c != 0) {
            t.compact[static_cast<std::uint8_t>(ascii_lower(c))] = static_cast<std::uint8_t>(i);
        }
        for (std::size_t k = 0; k < name.size() && k < max_header_name; ++k) {
            const char c = name[k];
            t.lowered[i][k] = ascii_lower(c);
            const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            t.letters[i][k] = letter ? 0x20 : 0;
            if (k < wide_name) {
                // Byte k of a little-endian load is bits 8k..8k+7; big-endian, the
                // reverse.
                const std::size_t shift = std::endian::native == std::endian::little
                                              ? 8 * (k % 8)
                                              : 8 * (7 - k % 8);
                const auto lower = static_cast<std::uint8_t>(ascii_lower(c));
                const std::uint8_t care = letter ? 0xdf : 0xff;
                t.wide[i].lowered[k / 8] |= std::uint64_t{lower} << shift;
                t.wide[i].care[k / 8] |= std::uint64_t{care} << shift;
            }
        }
    }
    return t;
}

inline constexpr header_name_table header_names = build_header_name_table();

static_assert([] {
    for (const auto& h : header_infos) {
        if (h.name.size() > max_header_name) {
            return false;
        }
    }
    return true;
}(), "raise max_header_name");

template <typename Word>
inline Word load_word(const char* p) {
    Word w;
    std::memcpy(&w, p, sizeof(w));
    return w;
}

// Bits in which `name` differs from row `id` at offset o, ignoring the case bit of
// the row's letters: zero exactly when the bytes match case-insensitively (a
// non-letter must be equal; a letter may differ only in 0x20, i.e. be its other
// case -- nothing else differs from a letter in that bit alone).
template <typename Word>
inline Word name_differs(const char* name, std::size_t id, std::size_t o) {
    return (load_word<Word>(name + o) ^ load_word<Word>(header_names.lowered[id] + o)) &
           ~load_word<Word>(header_names.letters[id] + o);
}

// Case-insensitive equality of name with row id, both n bytes, 2 <= n <= 24, with
// overlapping word loads instead of a byte loop.
inline bool name_equals_row(const char* name, std::size_t id, std::size_t n) {
    if (n >= 8) {
        std::uint64_t diff = name_differs<std::uint64_t>(name, id, n - 8);
        for (std::size_t o = 0; o + 8 < n; o += 8) {
            diff |= name_differs<std::uint64_t>(name, id, o);
        }
        return diff == 0;
    }
    if (n >= 4) {
        return (name_differs<std::uint32_t>(name, id, 0) |
                name_differs<std::uint32_t>(name, id, n - 4)) == 0;
    }
    return (name_differs<std::uint16_t>(name, id, 0) |
            name_differs<std::uint16_t>(name, id, n - 2)) == 0;
}

inline header_id lookup_header_name(std::string_view name) {
    const std::size_t n = name.size();
    if (n == 1) {
        const auto c = static_cast<std::uint8_t>(ascii_lower(name[0]));
        return c < 128 ? static_cast<header_id>(header_names.compact[c]) : header_id::unknown;
    }
    if (n == 0 || n > max_header_name) {
        return header_id::unknown;
    }
    std::size_t h = hash_header_name(n, static_cast<std::uint8_t>(name.front()),
                                     static_cast<std::uint8_t>(name.back()));
    for (name_slot s = header_names.slots[h]; s.id != 0; s = header_names.slots[h]) {
        if (s.length == n && name_equals_row(name.data(), s.id, n)) {
            return static_cast<header_id>(s.id);
        }
        h = (h + 1) & (name_table_size - 1);
    }
    return header_id::unknown;
}

// lookup_header_name for a name with 16 bytes readable from its start (the parser's
// padded input): the same answer, with two masked word compares in place of the
// length-dependent loads.
inline header_id lookup_header_name_wide(const char* name, std::size_t n) {
    if (n < 2 || n > wide_name) {
        return lookup_header_name(std::string_view(name, n));
    }
    const std::uint64_t w0 = load_word<std::uint64_t>(name);
    const std::uint64_t w1 = load_word<std::uint64_t>(name + 8);
    // The first byte from the word already loaded.
    const auto first = static_cast<std::uint8_t>(
        std::endian::native == std::endian::little ? w0 : w0 >> 56);
    std::size_t h = hash_header_name(n, first, static_cast<std::uint8_t>(name[n - 1]));
    for (name_slot s = header_names.slots[h]; s.id != 0; s = header_names.slots[h]) {
        if (s.length == n) {
            const wide_row& r = header_names.wide[s.id];
            if ((((w0 ^ r.lowered[0]) & r.care[0]) | ((w1 ^ r.lowered[1]) & r.care[1])) == 0) {
                return static_cast<header_id>(s.id);
            }
        }
        h = (h + 1) & (name_table_size - 1);
    }
    return header_id::unknown;
}

} // namespace sipedge::sip::detail
