#pragma once
// One Via element (RFC 3261 20.42, 18.2.1 received/rport per RFC 3581): parsed on
// demand, whitespace around '/' and ';' tolerated (RFC 4475 wsinv).

#include <cstdint>
#include <string_view>

#include "parser/parse_error.hh"

namespace sipedge::parser {

enum class via_transport : std::uint8_t { udp, tcp, tls, sctp, ws, wss, other };

struct via {
    std::string_view protocol_name;    // "SIP"
    std::string_view protocol_version; // "2.0"
    std::string_view transport_text;   // as written, e.g. "UDP"
    via_transport transport = via_transport::other;
    std::string_view host; // IPv6 reference keeps its brackets
    bool host_is_ipv6 = false;
    std::uint16_t port = 0; // 0 when absent
    std::string_view branch;
    bool has_branch = false;
    std::string_view received;
    bool has_rport = false;
    std::int32_t rport = -1; // -1: absent or without a value
    std::string_view maddr;
    std::int32_t ttl = -1;   // -1: absent
    std::string_view params; // all params, raw, without the leading ';'

    // RFC 3261 8.1.1.7 magic cookie: branch starts with "z9hG4bK".
    bool rfc3261_branch() const { return branch.starts_with("z9hG4bK"); }
};

value_result<via> parse_via(std::string_view element);
// Same, into a caller-owned struct (no copy of the result on the fast path). On
// error `out` is partially filled.
sipedge::status<parse_error_code> parse_via(std::string_view element, via& out);

// Fast path for the top Via: parses the first element of a whole Via header value
// in the same pass that finds where it ends. Returns true with `out` exactly as
// parse_via(first element of the list) would give it; returns false (out
// unspecified) for anything unusual -- an error, an empty first element, an IPv6
// sent-by -- and the caller then splits the list and calls parse_via.
// Inline (below): the usual form is answered without a call in between.
inline bool parse_via_list_head(std::string_view value, via& out);

// The first step of parse_via_list_head, public for its tests: the top Via as
// nearly every peer writes it, "SIP/2.0/" transport SP host [":" port] *(";" name
// ["=" value]) up to the end or a ',', with LWS only before a ';' or ',' and no
// quoted values, trimmed (as header values are), in one pass without the general
// parser's LWS checks. true: `out`
// exactly as the general list-head parse gives it. false, deciding nothing (out
// unspecified): any other form and every error.
bool parse_via_head_usual(std::string_view value, via& out);

// The second step: the general one-element parse of a whole list value, for
// whatever parse_via_head_usual declines.
bool parse_via_list_head_general(std::string_view value, via& out);

inline bool parse_via_list_head(std::string_view value, via& out) {
    return parse_via_head_usual(value, out) || parse_via_list_head_general(value, out);
}

} // namespace sipedge::parser
