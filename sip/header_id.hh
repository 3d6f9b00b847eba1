#pragma once
// Numeric ids for header fields (from sip/header_ids.def) and their names. Lookup by
// name is case-insensitive and accepts the compact forms (RFC 3261 section 7.3.3).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::sip {

enum class header_id : std::uint8_t {
    unknown = 0, // kept by name in the index
#define SIPEDGE_HEADER(id, name, compact, multi) id,
#include "sip/header_ids.def"
#undef SIPEDGE_HEADER
    count_
};

inline constexpr std::size_t header_id_count = static_cast<std::size_t>(header_id::count_);

struct header_info {
    std::string_view name; // canonical full name
    char compact;          // compact form letter, 0 if none
    bool multi;            // comma-separated list grammar
};

inline constexpr std::array<header_info, header_id_count> header_infos = {{
    {"", 0, false},
#define SIPEDGE_HEADER(id, name, compact, multi) {name, compact, multi},
#include "sip/header_ids.def"
#undef SIPEDGE_HEADER
}};

constexpr const header_info& info(header_id id) {
    return header_infos[static_cast<std::size_t>(id)];
}
constexpr std::string_view header_name(header_id id) { return info(id).name; }
constexpr bool is_multi_value(header_id id) { return info(id).multi; }

// Case-insensitive lookup of a full or compact name; header_id::unknown if none.
// The name must already be trimmed (no whitespace before the colon).
header_id lookup_header_id(std::string_view name);

} // namespace sipedge::sip
