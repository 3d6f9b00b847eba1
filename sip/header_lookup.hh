#pragma once
// The header-name lookup behind sip::lookup_header_id, inline for the message
// parser's per-line loop (internal header: include header_id.hh elsewhere).
//
// lookup_header_name: an open-addressing table built at compile time. The hash
// mixes the length with the first and last bytes (case folded by | 0x20, which is
// enough for a hash; at most 2 probes for the names in header_ids.def); every slot
// keeps the id and its name's length, so most misses cost no compare. A candidate
// is compared a word at a time, ignoring only the case bit of its letters.
// lookup_header_name_wide (padded input): one vector, a collision-free slot, one
// compare (below).

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/byte_vec.hh"
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

// The longest name the vector lookup takes (one 16-byte load).
inline constexpr std::size_t wide_name = 16;

struct header_name_table {
    name_slot slots[name_table_size] = {};
    std::uint8_t compact[128] = {};
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
// padded input): the same answer from one vector. The name's 16 bytes are lowered
// (ASCII letters only) and the bytes past its length cleared. Its two words and the
// length hash, by a multiplier found at compile time, to a slot that holds the one
// header whose name of 2 to 16 bytes can give that slot: one compare of the whole
// vector decides, with no probing. A vector equal to a header's is that name with
// only NUL bytes after it (names hold none), and the multiplier is chosen so that
// no such longer length hashes to the name's own slot: no length compare either.
inline constexpr std::size_t wide_slots = 512;
inline constexpr unsigned wide_slot_bits = 9;

// The hash of a lowered, cleared name (its two words) of length n.
constexpr std::size_t wide_hash(std::uint64_t lo, std::uint64_t hi, std::size_t n,
                                std::uint64_t k) {
    return static_cast<std::size_t>((((lo ^ hi) + n) * k) >> (64 - wide_slot_bits));
}

struct wide_name_table {
    std::uint64_t multiplier = 0;
    std::uint8_t slot_id[wide_slots] = {}; // 0: no header
    // Per id: the lowered name in 16 bytes, zero past its length (id 0 and names
    // longer than 16 bytes: all zero, never the answer).
    alignas(16) std::uint8_t lowered[header_id_count][wide_name] = {};
    // 16 bytes of 0xff then 16 of zero: the 16 bytes from offset 16 - n clear all
    // but the first n of a vector.
    alignas(16) std::uint8_t length_mask[2 * wide_name] = {};
};

constexpr std::uint64_t wide_word(const std::uint8_t* b) {
    std::uint64_t w = 0;
    for (std::size_t k = 0; k < 8; ++k) {
        w |= std::uint64_t{b[k]} << (std::endian::native == std::endian::little ? 8 * k
                                                                                : 8 * (7 - k));
    }
    return w;
}

constexpr wide_name_table build_wide_name_table() {
    wide_name_table t;
    std::uint64_t lo[header_id_count] = {};
    std::uint64_t hi[header_id_count] = {};
    for (std::size_t i = 1; i < header_id_count; ++i) {
        const std::string_view name = header_infos[i].name;
        if (name.size() < 2 || name.size() > wide_name) {
            continue;
        }
        for (std::size_t k = 0; k < name.size(); ++k) {
            t.lowered[i][k] = static_cast<std::uint8_t>(ascii_lower(name[k]));
        }
        lo[i] = wide_word(t.lowered[i]);
        hi[i] = wide_word(t.lowered[i] + 8);
    }
    for (std::size_t k = 0; k < wide_name; ++k) {
        t.length_mask[k] = 0xff;
    }
    // Odd multipliers from a fixed sequence until one gives every name its own
    // slot (a few dozen tries for the names in header_ids.def).
    std::uint64_t state = 0x2545f4914f6cdd1dull;
    for (int attempt = 0; attempt < 100000; ++attempt) {
        state += 0x9e3779b97f4a7c15ull;
        std::uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        const std::uint64_t k = (z ^ (z >> 31)) | 1;
        std::uint8_t used[wide_slots] = {};
        bool clash = false;
        for (std::size_t i = 1; i < header_id_count && !clash; ++i) {
            if (lo[i] == 0) {
                continue;
            }
            const std::size_t n = header_infos[i].name.size();
            const std::size_t h = wide_hash(lo[i], hi[i], n, k);
            clash = used[h] != 0;
            used[h] = static_cast<std::uint8_t>(i);
            // The name followed by NUL bytes (same vector, longer): not to this slot.
            for (std::size_t longer = n + 1; longer <= wide_name && !clash; ++longer) {
                clash = wide_hash(lo[i], hi[i], longer, k) == h;
            }
        }
        if (!clash) {
            t.multiplier = k;
            for (std::size_t h = 0; h < wide_slots; ++h) {
                t.slot_id[h] = used[h];
            }
            return t;
        }
    }
    return t; // multiplier 0: the static_assert below fails
}

inline constexpr wide_name_table wide_names = build_wide_name_table();
static_assert(wide_names.multiplier != 0, "no collision-free multiplier: widen wide_slots");

inline header_id lookup_header_name_wide(const char* name, std::size_t n) {
    if (n < 2 || n > wide_name) {
        return lookup_header_name(std::string_view(name, n));
    }
    using vec::byte_vec;
    const byte_vec x = vec::load_vec(name);
    // ASCII upper-case letters get the case bit; then only the name's bytes stay.
    const byte_vec folded =
        (x | (vec::in_range(x, 'A', 26) & 0x20)) &
        vec::load_vec(reinterpret_cast<const char*>(wide_names.length_mask) + wide_name - n);
    using word_vec = std::uint64_t __attribute__((vector_size(16)));
    const auto words = reinterpret_cast<word_vec>(folded);
    const std::size_t id =
        wide_names.slot_id[wide_hash(words[0], words[1], n, wide_names.multiplier)];
    const auto same =
        folded == vec::load_vec(reinterpret_cast<const char*>(wide_names.lowered[id]));
    // Row 0 is all zero, which no name of n >= 2 bytes gives but one of NUL bytes:
    // unknown either way.
    return vec::vec_bits(reinterpret_cast<byte_vec>(same)) == 0xffffu ? static_cast<header_id>(id)
                                                                      : header_id::unknown;
}

} // namespace sipedge::sip::detail
