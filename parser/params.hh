#pragma once
// Generic `;name=value` parameter lists (URI parameters, header parameters). Values
// are returned as written (quotes kept for quoted-string values, %-escapes kept);
// names compare case-insensitively. Linear whitespace around ';' and '=' is allowed
// (header params may be folded), URI params never contain any.

#include <cstddef>
#include <string_view>

#include "parser/parse_error.hh"

namespace sipedge::parser {

struct param {
    std::string_view name;
    std::string_view value; // empty when !has_value
    bool has_value = false;
};

// Iterates a list that starts at its first parameter name or at a ';'.
class param_cursor {
public:
    explicit param_cursor(std::string_view list) : _rest(list) {}
    // stop_at_comma: the list is the head of a comma-separated header value; a ','
    // where a ';' or the end could stand ends the list there (see rest()).
    param_cursor(std::string_view list, bool stop_at_comma)
        : _rest(list), _stop_at_comma(stop_at_comma) {}
    // Returns false at the end. An empty name (";;") or a lone '=' sets failed().
    bool next(param& out);
    bool failed() const { return _failed; }
    // What is left: empty at the end of the list, or from the ',' that ended it.
    std::string_view rest() const { return _rest; }

private:
    std::string_view _rest;
    bool _stop_at_comma = false;
    bool _failed = false;
};

// Validates the whole list: every parameter has a non-empty token name.
value_result<std::size_t> count_params(std::string_view list);

// Case-insensitive lookup; returns a param with empty name when absent.
param find_param(std::string_view list, std::string_view name);

// Removes the surrounding quotes of a quoted-string (escapes are kept as written).
std::string_view unquote(std::string_view v);

bool iequals(std::string_view a, std::string_view b);

} // namespace sipedge::parser
