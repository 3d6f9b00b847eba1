#pragma once
// Splits a header value written as a comma-separated list (RFC 3261 #element) into
// its elements, on demand. Commas inside "quoted strings" (with \-escapes) and inside
// <...> do not split. Elements are trimmed of linear whitespace (SP, HT and the CR/LF
// of folded lines); empty elements (",,") are skipped, as the #rule allows.

#include <string_view>

namespace sipedge::sip {

class value_list_cursor {
public:
    value_list_cursor() = default;
    explicit value_list_cursor(std::string_view value) : _rest(value) {}

    // Stores the next element in out and returns true, or returns false at the end.
    // An unterminated quote or '<' ends the element at the end of the value; the
    // element's own parser reports that precisely.
    bool next(std::string_view& out);

private:
    std::string_view _rest;
};

// Trims SP, HT, CR and LF on both sides (linear whitespace incl. folding).
std::string_view trim_lws(std::string_view s);

} // namespace sipedge::sip
