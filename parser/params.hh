#pragma once
// Generic `;name=value` parameter lists (URI parameters, header parameters). Values
// are returned as written (quotes kept for quoted-string values, %-escapes kept);
// names compare case-insensitively. Linear whitespace around ';' and '=' is allowed
// (header params may be folded), URI params never contain any.

#include <cstddef>
#include <string_view>

#include "common/compiler.hh"
#include "parser/byte_vec.hh"
#include "parser/char_class.hh"
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
    // Always inline: the Via, From/To and URI parsers call it for every parameter.
    bool next(param& out);
    bool failed() const { return _failed; }
    // What is left: empty at the end of the list, or from the ',' that ended it.
    std::string_view rest() const { return _rest; }

private:
    std::string_view _rest;
    bool _stop_at_comma = false;
    bool _failed = false;
};

SIPEDGE_ALWAYS_INLINE bool param_cursor::next(param& out) {
    using namespace detail;
    if (_failed) {
        return false;
    }
    const char* p = _rest.data();
    const std::size_t n = _rest.size();
    std::size_t i = 0;
    while (i < n && is_lws(p[i])) {
        ++i;
    }
    if (i == n) {
        _rest = {};
        return false;
    }
    if (_stop_at_comma && p[i] == ',') {
        _rest = std::string_view(p + i, n - i);
        return false;
    }
    if (p[i] == ';') {
        ++i;
        while (i < n && is_lws(p[i])) {
            ++i;
        }
    }
    const std::size_t name_begin = i;
    while (i < n && is_token_char(p[i])) {
        ++i;
    }
    if (i == name_begin) {
        _failed = true; // ";;", a trailing ';', or a non-token byte
        return false;
    }
    out = param{std::string_view(p + name_begin, i - name_begin), {}, false};
    while (i < n && is_lws(p[i])) {
        ++i;
    }
    if (i < n && p[i] == '=') {
        ++i;
        while (i < n && is_lws(p[i])) {
            ++i;
        }
        const std::size_t value_begin = i;
        if (i < n && p[i] == '"') {
            i = skip_quoted(_rest, i);
            if (i == std::string_view::npos) {
                _failed = true;
                return false;
            }
        } else {
            // Up to ; LWS " , < >
            i = find_pvalue_end(p, i, n);
        }
        if (i == value_begin) {
            _failed = true; // "name=" with no value
            return false;
        }
        out.value = std::string_view(p + value_begin, i - value_begin);
        out.has_value = true;
        while (i < n && is_lws(p[i])) {
            ++i;
        }
    }
    if (i < n && p[i] != ';' && !(_stop_at_comma && p[i] == ',')) {
        _failed = true;
        return false;
    }
    _rest = std::string_view(p + i, n - i);
    return true;
}

// The common shape of a parameter list, for the fast paths: ";name" or
// ";name=value" with token names, unquoted values and LWS only before a ';' or
// ',' (a folded line often starts with ";received=", RFC 3665 has many). Where
// next() returns true its param is exactly what param_cursor would give; at the
// first byte outside that shape (LWS, a quote, an empty name or value, a stray
// character) it sets unusual() and stops, deciding nothing: the caller then runs
// param_cursor over the same list, which takes every form and gives the errors.
// Positions are indices into the whole text [p, p + n) (not just the list), so that
// the value scan can load 16 bytes even when the list's tail is shorter.
class simple_param_cursor {
public:
    // p[i] is the ';' that starts the list. stop_at_comma as for param_cursor.
    simple_param_cursor(const char* p, std::size_t i, std::size_t n, bool stop_at_comma)
        : _p(p), _i(i), _n(n), _stop_at_comma(stop_at_comma) {}
    // false at the end of the list, at the ',' that ends it, or when unusual().
    bool next(param& out);
    bool unusual() const { return _unusual; }
    // Where the list ended: n, or the ',' (when stop_at_comma; LWS before it not
    // trimmed).
    std::size_t position() const { return _i; }

private:
    const char* _p;
    std::size_t _i;
    std::size_t _n;
    bool _stop_at_comma;
    bool _unusual = false;
};

SIPEDGE_ALWAYS_INLINE bool simple_param_cursor::next(param& out) {
    using namespace detail;
    if (_i == _n || (_stop_at_comma && _p[_i] == ',')) {
        return false;
    }
    // _p[_i] is ';' here: the constructor's precondition, and checked below for
    // every later parameter.
    const std::size_t name_begin = _i + 1;
    std::size_t j = name_begin;
    // The usual names (branch, received, tag, in either case) are token characters
    // known from one word load: the byte loop goes on from their end and stops
    // where it would have from the start.
    if (_n - name_begin >= 8) {
        const auto w = load_word<std::uint64_t>(_p + name_begin);
        constexpr auto six = literal_word<std::uint64_t>("\xff\xff\xff\xff\xff\xff\0\0", 0);
        constexpr auto three = literal_word<std::uint64_t>("\xff\xff\xff\0\0\0\0\0", 0);
        std::size_t k = 0;
        if (same_but_case(w & six, literal_word<std::uint64_t>("branch\0\0", 0))) {
            k = 6;
        } else if (same_but_case(w & three, literal_word<std::uint64_t>("tag\0\0\0\0\0", 0))) {
            k = 3;
        } else if (same_but_case(w, literal_word<std::uint64_t>("received", 0))) {
            k = 8;
        }
        j = name_begin + k;
    }
    while (j < _n && is_token_char(_p[j])) {
        ++j;
    }
    if (j == name_begin) {
        _unusual = true;
        return false;
    }
    out = param{std::string_view(_p + name_begin, j - name_begin), {}, false};
    if (j < _n && _p[j] == '=') {
        const std::size_t value_begin = j + 1;
        j = find_pvalue_end(_p, value_begin, _n);
        if (j == value_begin) {
            _unusual = true; // empty, quoted, or LWS after '='
            return false;
        }
        out.value = std::string_view(_p + value_begin, j - value_begin);
        out.has_value = true;
    }
    while (j < _n && is_lws(_p[j])) {
        ++j;
    }
    if (j < _n && _p[j] != ';' && !(_stop_at_comma && _p[j] == ',')) {
        _unusual = true;
        return false;
    }
    _i = j;
    return true;
}

// Validates the whole list: every parameter has a non-empty token name.
value_result<std::size_t> count_params(std::string_view list);

// Case-insensitive lookup; returns a param with empty name when absent.
param find_param(std::string_view list, std::string_view name);

// Removes the surrounding quotes of a quoted-string (escapes are kept as written).
std::string_view unquote(std::string_view v);

bool iequals(std::string_view a, std::string_view b);

} // namespace sipedge::parser
