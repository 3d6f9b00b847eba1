#include "sip/header_id.hh"

#include <cstdint>

namespace sipedge::sip {
namespace {

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }

// Open-addressing table built at compile time. The hash mixes length and three
// bytes, which separates every name in header_ids.def with few probes.
constexpr std::size_t table_bits = 9;
constexpr std::size_t table_size = std::size_t{1} << table_bits;

constexpr std::size_t hash_name(std::string_view s) {
    const auto n = s.size();
    const auto a = static_cast<std::uint8_t>(lower(s[0]));
    const auto b = static_cast<std::uint8_t>(lower(s[n - 1]));
    const auto c = static_cast<std::uint8_t>(lower(s[n / 2]));
    return (n * 37u + a * 11u + b * 5u + c * 3u) & (table_size - 1);
}

struct name_table {
    std::uint8_t slots[table_size] = {};
    std::uint8_t compact[128] = {};
};

constexpr name_table build_table() {
    name_table t;
    for (std::size_t i = 1; i < header_id_count; ++i) {
        std::size_t h = hash_name(header_infos[i].name);
        while (t.slots[h] != 0) {
            h = (h + 1) & (table_size - 1);
        }
        t.slots[h] = static_cast<std::uint8_t>(i);
        if (char c = header_infos[i].compact; c != 0) {
            t.compact[static_cast<std::uint8_t>(lower(c))] = static_cast<std::uint8_t>(i);
        }
    }
    return t;
}

constexpr name_table table = build_table();

bool equals_ci(std::string_view input, std::string_view canonical) {
    if (input.size() != canonical.size()) {
        return false;
    }
    for (std::size_t i = 0; i < input.size(); ++i) {
        if (lower(input[i]) != lower(canonical[i])) {
            return false;
        }
    }
    return true;
}

} // namespace

header_id lookup_header_id(std::string_view name) {
    if (name.empty()) {
        return header_id::unknown;
    }
    if (name.size() == 1) {
        const auto c = static_cast<std::uint8_t>(lower(name[0]));
        return c < 128 ? static_cast<header_id>(table.compact[c]) : header_id::unknown;
    }
    std::size_t h = hash_name(name);
    while (table.slots[h] != 0) {
        const std::uint8_t id = table.slots[h];
        if (equals_ci(name, header_infos[id].name)) {
            return static_cast<header_id>(id);
        }
        h = (h + 1) & (table_size - 1);
    }
    return header_id::unknown;
}

} // namespace sipedge::sip
