#pragma once
// Error codes of the message parser and of every value parser. An error is reported
// as a code, a byte offset (message parser) and a static reason text: building one
// never allocates, and the fast path turns the code into a counted drop or a 400.

#include <cstdint>
#include <string_view>

#include "common/result.hh"

namespace sipedge::parser {

enum class parse_error_code : std::uint8_t {
    // framing and limits
    empty_message,
    message_too_large,
    too_many_headers,
    line_too_long,
    // start line
    invalid_start_line,
    invalid_method,
    invalid_request_uri,
    invalid_version,
    unsupported_version, // well-formed but not SIP/2.0: the view is complete (505)
    invalid_status_code,
    // header section
    invalid_header_name,
    missing_colon,
    invalid_content_length,
    conflicting_content_length,
    body_truncated,          // datagram shorter than Content-Length says
    missing_content_length,  // stream transports require it (RFC 3261 18.3)
    unterminated_headers,    // datagram ends before the empty line
    // value parsers
    empty_value,
    invalid_value,
    value_out_of_range,
    unterminated_quote,
    unbalanced_angle,
    invalid_uri,
    invalid_host,
    invalid_port,
    invalid_escape,
    invalid_param,
    trailing_garbage,
    // message-level semantics checked by extract_essentials()
    missing_header,
    duplicate_header,
    cseq_method_mismatch,
    count_
};

// Short stable name, e.g. "body_truncated" (for JSON and logs).
std::string_view error_name(parse_error_code code);

template <typename T>
using value_result = sipedge::result<T, parse_error_code>;
using value_error = sipedge::error<parse_error_code>;

} // namespace sipedge::parser
