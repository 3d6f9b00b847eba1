#include "sip/header_id.hh"

#include <cstdint>

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

// Open-addressing table built at compile time. The hash mixes length and three
// bytes, which separates every name in header_ids.def with few probes.
constexpr std::size_t table_bits = 9;
constexpr std::size_t table_size = std::size_t{1} << table_bits;
constexpr std::size_t max_name = 24;

template <typename Lower>
constexpr std::size_t hash_name(std::string_view s, Lower l) {
    const auto n = s.size();
    const std::size_t a = l(s[0]);
    const std::size_t b = l(s[n - 1]);
    const std::size_t c = l(s[n / 2]);
    return (n * 37u + a * 11u + b * 5u + c * 3u) & (table_size - 1);
}

struct name_table {
    std::uint8_t slots[table_size] = {};
    std::uint8_t compact[128] = {};
    // Lowercase copy of every canonical name, so a compare needs one side lowered.
    char lowered[header_id_count][max_name] = {};
};

constexpr name_table build_table() {
    name_table t;
    auto l = [](char c) { return static_cast<std::uint8_t>(lower(c)); };
    for (std::size_t i = 1; i < header_id_count; ++i) {
        const std::string_view name = header_infos[i].name;
        std::size_t h = hash_name(name, l);
        while (t.slots[h] != 0) {
            h = (h + 1) & (table_size - 1);
        }
        t.slots[h] = static_cast<std::uint8_t>(i);
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

} // namespace

header_id lookup_header_id(std::string_view name) {
    if (name.empty()) {
        return header_id::unknown;
    }
    if (name.size() == 1) {
        const auto c = static_cast<std::uint8_t>(lower(name[0]));
        return c < 128 ? static_cast<header_id>(table.compact[c]) : header_id::unknown;
    }
    if (name.size() > max_name) {
        return header_id::unknown;
    }
    std::size_t h = hash_name(name, lo);
    while (table.slots[h] != 0) {
        const std::uint8_t id = table.slots[h];
        if (header_infos[id].name.size() == name.size()) {
            const char* ref = table.lowered[id];
            unsigned diff = 0;
            for (std::size_t i = 0; i < name.size(); ++i) {
                diff |= static_cast<unsigned>(lo(name[i]) ^ static_cast<std::uint8_t>(ref[i]));
            }
            if (diff == 0) {
                return static_cast<header_id>(id);
            }
        }
        h = (h + 1) & (table_size - 1);
    }
    return header_id::unknown;
}

} // namespace sipedge::sip
