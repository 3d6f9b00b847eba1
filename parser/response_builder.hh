#pragma once
// Builds a response to a request (RFC 3261 8.2.6): status line, every Via in order,
// From, To (with to_tag added when the request's To has none and to_tag is not
// empty), Call-ID, CSeq, any extra header lines, Content-Length: 0. Used for 100
// Trying and locally generated 4xx/5xx. Writes into a caller buffer, no allocation.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/result.hh"
#include "parser/message_writer.hh"
#include "sip/message_view.hh"

namespace sipedge::parser {

struct extra_header {
    std::string_view name;
    std::string_view value;
};

// reason empty: sip::default_reason(code). Fails with buffer_too_small, or
// bad_position when the request lacks Via/From/To/Call-ID/CSeq.
sipedge::result<std::size_t, write_error_code>
build_response(const sip::message_view& request, std::uint16_t code, std::string_view reason,
               std::string_view to_tag, std::span<const extra_header> extra, char* out,
               std::size_t capacity);

} // namespace sipedge::parser
