#pragma once
// Numeric header values: Max-Forwards, Content-Length, Expires, Min-Expires,
// Min-SE (RFC 4028) and Retry-After. Leading/trailing linear whitespace is allowed;
// anything else around the digits is invalid_value; overflow is value_out_of_range.

#include <cstdint>
#include <string_view>

#include "parser/parse_error.hh"

namespace sipedge::parser {

// 0..255 (RFC 3261 20.22 allows any digits; values over 255 are out of range here,
// RFC 4475 scalar02).
value_result<std::uint8_t> parse_max_forwards(std::string_view value);
value_result<std::uint32_t> parse_content_length(std::string_view value);
// delta-seconds, up to 2^32-1.
value_result<std::uint32_t> parse_delta_seconds(std::string_view value);
inline value_result<std::uint32_t> parse_expires(std::string_view value) {
    return parse_delta_seconds(value);
}

struct min_se {
    std::uint32_t delta = 0;
    std::string_view params;
};
value_result<min_se> parse_min_se(std::string_view value);

struct retry_after {
    std::uint32_t delta = 0;
    std::string_view comment; // inside the parentheses, empty if absent
    std::int64_t duration = -1;
    std::string_view params;
};
value_result<retry_after> parse_retry_after(std::string_view value);

} // namespace sipedge::parser
