#include "parser/params.hh"

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
    std::size_t i = skip_lws(_rest, 0);
    if (i == _rest.size()) {
        return false;
    }
    if (_rest[i] == ';') {
        i = skip_lws(_rest, i + 1);
    }
    const std::size_t name_begin = i;
    i = skip_token(_rest, i);
    if (i == name_begin) {
        _failed = true; // ";;", a trailing ';', or a non-token byte
        return false;
    }
    out = param{_rest.substr(name_begin, i - name_begin), {}, false};
    i = skip_lws(_rest, i);
    if (i < _rest.size() && _rest[i] == '=') {
        i = skip_lws(_rest, i + 1);
        const std::size_t value_begin = i;
        if (i < _rest.size() && _rest[i] == '"') {
            i = skip_quoted(_rest, i);
            if (i == std::string_view::npos) {
                _failed = true;
                return false;
            }
        } else {
            while (i < _rest.size() && _rest[i] != ';' && !is_lws(_rest[i]) && _rest[i] != '"' &&
                   _rest[i] != ',' && _rest[i] != '<' && _rest[i] != '>') {
                ++i;
            }
        }
        if (i == value_begin) {
            _failed = true; // "name=" with no value
            return false;
        }
        out.value = _rest.substr(value_begin, i - value_begin);
        out.has_value = true;
        i = skip_lws(_rest, i);
    }
    if (i < _rest.size() && _rest[i] != ';') {
        _failed = true;
        return false;
    }
    _rest = _rest.substr(i);
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
