#include "parser/params.hh"

#include "parser/byte_vec.hh"
#include "parser/char_class.hh"

namespace sipedge::parser {

using namespace detail;

bool iequals(std::string_view a, std::string_view b) { return iequal(a, b); }

std::string_view unquote(std::string_view v) {
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        return v.substr(1, v.size() - 2);
    }
    return v;
}

bool param_cursor::next(param& out) {
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

value_result<std::size_t> count_params(std::string_view list) {
    param_cursor c(list);
    param p;
    std::size_t n = 0;
    while (c.next(p)) {
        ++n;
    }
    if (c.failed()) {
        return value_error{parse_error_code::invalid_param, "malformed parameter list"};
    }
    return n;
}

param find_param(std::string_view list, std::string_view name) {
    param_cursor c(list);
    param p;
    while (c.next(p)) {
        if (iequal(p.name, name)) {
            return p;
        }
    }
    return {};
}

} // namespace sipedge::parser
