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
