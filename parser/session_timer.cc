#include "parser/session_timer.hh"

#include "parser/char_class.hh"
#include "parser/params.hh"

namespace sipedge::parser {

using namespace detail;

value_result<session_expires> parse_session_expires(std::string_view value) {
    session_expires out;
    std::size_t i = skip_lws(value, 0);
    const std::size_t b = i;
    std::uint64_t n = 0;
    bool overflow = false;
    i = parse_decimal(value, i, 0xffffffffu, n, overflow);
    if (i == b) {
        return value_error{parse_error_code::invalid_value, "Session-Expires is not a number"};
    }
    if (overflow) {
        return value_error{parse_error_code::value_out_of_range,
                           "Session-Expires larger than 2^32-1"};
    }
    out.delta = static_cast<std::uint32_t>(n);
    i = skip_lws(value, i);
    if (i == value.size()) {
        return out;
    }
    if (value[i] != ';') {
        return value_error{parse_error_code::trailing_garbage, "text after Session-Expires"};
    }
    out.params = value.substr(i + 1);
    param_cursor c(value.substr(i)); // from the ';' so that ";;x" fails
    param p;
    while (c.next(p)) {
        if (iequal(p.name, "refresher")) {
            if (p.has_value && iequal(p.value, "uac")) {
                out.who = refresher::uac;
            } else if (p.has_value && iequal(p.value, "uas")) {
                out.who = refresher::uas;
            } else {
                return value_error{parse_error_code::invalid_param,
                                   "refresher is neither uac nor uas"};
            }
        }
    }
    if (c.failed()) {
        return value_error{parse_error_code::invalid_param, "malformed Session-Expires parameter"};
    }
    return out;
}

} // namespace sipedge::parser
