#pragma once
// name-addr / addr-spec with header parameters, as in From, To, Contact, Route,
// Record-Route, Reply-To, Refer-To, P-Asserted-Identity (RFC 3261 20.10, 25.1).
// Parses one element (use sip::value_list_cursor or message_view::values() to split
// lists). The URI itself is returned as text; call parse_uri() on demand.

#include <string_view>

#include "parser/parse_error.hh"

namespace sipedge::parser {

struct name_addr {
    std::string_view display_name; // without quotes when quoted; trimmed
    bool display_quoted = false;
    bool bracketed = false;    // <uri> form
    std::string_view uri;      // inside <> (trimmed), or the addr-spec
    std::string_view params;   // header params after '>' / after the addr-spec, no leading ';'
    std::string_view tag;      // the tag param value, empty if absent
    bool has_tag = false;
    // Robustness flags: RFC 4475 3.1.2.x elements that "may proceed" accept these
    // and report them here, so the broken part is isolated, not fatal.
    bool lenient_whitespace_in_brackets = false; // "< sip:a@b >" (badaspec)
    bool unquoted_display_has_separators = false; // Bell, Alexander <...> (baddn)
    bool addr_spec_has_headers = false;           // bare URI with '?' (regbadct)
};

value_result<name_addr> parse_name_addr(std::string_view value);
// Same, into a caller-owned struct.
sipedge::status<parse_error_code> parse_name_addr(std::string_view value, name_addr& out);

// Fast path for a proxy, which needs only the tag of From and To: one pass over a
// value in the common name-addr form ([token display name or quoted string] <URI>
// [params]). Returns true with tag/has_tag exactly as parse_name_addr would set
// them (and parse_name_addr would succeed); returns false, deciding nothing, for
// any other form or any error -- then call parse_name_addr.
bool parse_name_addr_tag(std::string_view value, std::string_view& tag, bool& has_tag);

namespace detail {
// The two halves of parse_name_addr_tag, for the tests that pin the first to the
// second: the usual form from vector masks (values of up to 64 bytes), and the
// byte-by-byte path for every form the general parser is not needed for. Each
// returns false, deciding nothing, where it does not answer.
bool tag_by_masks(std::string_view value, std::string_view& tag, bool& has_tag);
bool parse_name_addr_tag_general(std::string_view value, std::string_view& tag, bool& has_tag);
} // namespace detail

} // namespace sipedge::parser
