#pragma once
// SIP, SIPS and TEL URIs (RFC 3261 19.1, RFC 3966), parsed on demand from a
// string_view. Components are views into the input, still %-escaped: use
// unescape() when the decoded form is needed (comparison, lookup). Any other
// scheme (RFC 3986 absoluteURI) is accepted as opaque so that a proxy can still
// answer 416.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parser/parse_error.hh"

namespace sipedge::parser {

enum class uri_scheme : std::uint8_t { sip, sips, tel, other };

struct uri {
    uri_scheme scheme = uri_scheme::other;
    std::string_view scheme_text;
    std::string_view user;     // sip/sips userinfo user part; tel: the number
    std::string_view password; // sip/sips only
    bool has_user = false;     // an '@' was present
    bool has_password = false;
    std::string_view host;     // IPv6 references keep their brackets
    bool host_is_ipv6 = false;
    std::string_view port_text;
    std::uint16_t port = 0; // 0 when absent
    std::string_view params;  // after the first ';' (without it), raw
    std::string_view headers; // after '?' (without it), raw
    std::string_view opaque;  // everything after "scheme:" (all schemes)
};

value_result<uri> parse_uri(std::string_view text);

// Back to the default state (what parse_uri starts from). Inline: a response's
// essentials reset their Request-URI, and the call cost as much as the stores.
// Field by field: `u = uri{}` becomes a `rep stos`, whose start-up costs more than a
// short URI's whole parse.
inline void reset(uri& u) {
    u.scheme = uri_scheme::other;
    u.scheme_text = {};
    u.user = {};
    u.password = {};
    u.has_user = false;
    u.has_password = false;
    u.host = {};
    u.host_is_ipv6 = false;
    u.port_text = {};
    u.port = 0;
    u.params = {};
    u.headers = {};
    u.opaque = {};
}

// Same, into a caller-owned struct (no copy of the result on the fast path).
sipedge::status<parse_error_code> parse_uri(std::string_view text, uri& out);

namespace detail {
// parse_uri's two steps, for the test that pins the first to the second. The first: the usual
// request-line form ("sip:" or "sips:", then 1 to 64 bytes of host characters, or
// user '@' host in host characters) from vector masks. true: every field set as
// the general parse sets it (which then succeeds); false: nothing decided.
bool uri_by_masks(std::string_view text, uri& u);
// The rest of parse_uri: every form, byte by byte where it must.
sipedge::status<parse_error_code> parse_uri_general(std::string_view text, uri& u);
} // namespace detail

// Decodes %HH escapes into out (which may not alias text). Returns the decoded
// length; invalid_escape for a bad escape, value_out_of_range if out is too small.
value_result<std::size_t> unescape(std::string_view text, char* out, std::size_t capacity);

} // namespace sipedge::parser
