#pragma once
// Stage 2: builds a sip::message_view over the input in place (no copy, no
// allocation). The header section is indexed eagerly with the stage-1 masks; header
// values are parsed on demand (parser/via.hh, uri.hh, ...).
//
// Framing: over a datagram transport the input is one whole datagram; a missing
// Content-Length means "body to the end of the datagram" (RFC 3261 18.3) and bytes
// after Content-Length are not part of the message (parse_result::length tells
// where it ended). Over a stream transport (TCP, TLS) the result is three-way:
// complete (length = bytes of this message), need_more, or error.
//
// Lenient on input, as RFC 3261 7.5 / 7.3.1 ask: bare LF line ends, leading empty
// lines before the start line, whitespace before a header's colon, folded values.
// Strict where a proxy must be: single SP in the request line, SIP/2.0 only,
// 3-digit status codes, a well-formed and unique Content-Length.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parser/parse_error.hh"
#include "parser/stage1.hh"
#include "sip/message_view.hh"

namespace sipedge::parser {

struct parser_limits {
    std::uint32_t max_message_size = 65535; // start line .. end of body
    std::uint16_t max_headers = 128;        // clamped to message_view::capacity
    std::uint32_t max_line_length = 8192;   // start line, or one header incl. folding
};

enum class framing : std::uint8_t { datagram, stream };

enum class parse_status : std::uint8_t { complete, need_more, error };

struct [[nodiscard]] parse_result {
    parse_status status = parse_status::error;
    // complete: bytes of this message from the start of the input (leading empty
    // lines included), so the next message of a stream starts there.
    std::uint32_t length = 0;
    parse_error_code code = parse_error_code::empty_message; // when status == error
    std::uint32_t error_offset = 0; // byte offset from the start of the input
    const char* reason = "";       // static text

    bool ok() const { return status == parse_status::complete; }
};

class message_parser {
public:
    // isa defaults to the best available one (CPUID once); forcing one that is not
    // available falls back to scalar.
    explicit message_parser(const parser_limits& limits = {}, simd_isa isa = best_isa());

    // Padded entry point, the fast path. Precondition (asserted in debug builds):
    // readable >= input.size() + parser_padding, i.e. the bytes after the input up
    // to `readable` may be read (mbuf tailroom). Their values do not matter.
    parse_result parse(std::string_view input, std::size_t readable, sip::message_view& out,
                       framing mode = framing::datagram) const;

    // Bounded entry point: never reads past input.size() (the final partial block
    // is copied to a stack buffer). For multi-segment or unpadded buffers.
    parse_result parse_unpadded(std::string_view input, sip::message_view& out,
                                framing mode = framing::datagram) const;

    simd_isa isa() const { return _isa; }
    const parser_limits& limits() const { return _limits; }

private:
    parse_result run(std::string_view input, bool padded, sip::message_view& out,
                     framing mode) const;

    parser_limits _limits;
    simd_isa _isa;
    line_scan_fn _scan; // the indexer needs only line ends and colons
};

namespace detail {
// How many parses on this thread the one-pass walk of the usual header section
// handed to the general walk (unpadded input, anything unusual, any error). Counted
// on the general path only; tests use it to see that the usual messages stay off it.
std::uint64_t general_walks();
} // namespace detail

} // namespace sipedge::parser
