#pragma once
// RFC 4028 Session-Expires (x) value: delta-seconds and refresher.
// Min-SE is in parser/scalar_values.hh.

#include <cstdint>
#include <string_view>

#include "parser/parse_error.hh"

namespace sipedge::parser {

enum class refresher : std::uint8_t { none, uac, uas };

struct session_expires {
    std::uint32_t delta = 0;
    refresher who = refresher::none;
    std::string_view params;
};

value_result<session_expires> parse_session_expires(std::string_view value);

} // namespace sipedge::parser
