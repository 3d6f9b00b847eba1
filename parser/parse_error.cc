#include "parser/parse_error.hh"

#include <array>

namespace sipedge::parser {

std::string_view error_name(parse_error_code code) {
    static constexpr std::array<std::string_view,
                                static_cast<std::size_t>(parse_error_code::count_)>
        names = {
            "empty_message",        "message_too_large",    "too_many_headers",
            "line_too_long",        "invalid_start_line",   "invalid_method",
            "invalid_request_uri",  "invalid_version",      "unsupported_version",
            "invalid_status_code",  "invalid_header_name",  "missing_colon",
            "invalid_content_length", "conflicting_content_length", "body_truncated",
            "missing_content_length", "unterminated_headers", "empty_value",
            "invalid_value",        "value_out_of_range",   "unterminated_quote",
            "unbalanced_angle",     "invalid_uri",          "invalid_host",
            "invalid_port",         "invalid_escape",       "invalid_param",
            "trailing_garbage",     "missing_header",       "duplicate_header",
            "cseq_method_mismatch",
        };
    const auto i = static_cast<std::size_t>(code);
    return i < names.size() ? names[i] : std::string_view{"unknown"};
}

} // namespace sipedge::parser
