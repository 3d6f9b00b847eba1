#include "parser/contact.hh"

#include "parser/char_class.hh"
#include "parser/params.hh"
#include "sip/value_list.hh"

namespace sipedge::parser {

using namespace detail;

namespace {

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
bool parse_qvalue(std::string_view s, std::int16_t& q) {
    if (s.empty() || (s[0] != '0' && s[0] != '1')) {
        return false;
    }
    int v = (s[0] - '0') * 1000;
    if (s.size() > 1) {
        if (s[1] != '.' || s.size() > 5) {
            return false;
        }
        int scale = 100;
        for (std::size_t i = 2; i < s.size(); ++i, scale /= 10) {
            if (!is_digit(s[i])) {
                return false;
            }
            v += (s[i] - '0') * scale;
        }
    }
    if (v > 1000) {
        return false;
    }
    q = static_cast<std::int16_t>(v);
    return true;
}

} // namespace

value_result<contact> parse_contact(std::string_view element) {
    contact out;
    const std::string_view v = sip::trim_lws(element);
    if (v == "*") {
        out.star = true;
        return out;
    }
    auto na = parse_name_addr(v);
    if (!na) {
        return na.err();
    }
    out.addr = na.value();
    param_cursor c(out.addr.params);
    param p;
    while (c.next(p)) {
        if (iequal(p.name, "q")) {
            if (!p.has_value || !parse_qvalue(p.value, out.q)) {
                return value_error{parse_error_code::invalid_param, "malformed q value"};
            }
        } else if (iequal(p.name, "expires")) {
            std::uint64_t n = 0;
            bool overflow = false;
            if (!p.has_value ||
                parse_decimal(p.value, 0, 0xffffffffu, n, overflow) != p.value.size()) {
                return value_error{parse_error_code::invalid_param, "malformed expires parameter"};
            }
            if (overflow) {
                return value_error{parse_error_code::value_out_of_range,
                                   "expires parameter larger than 2^32-1"};
            }
            out.expires = static_cast<std::int64_t>(n);
        }
    }
    return out;
}

} // namespace sipedge::parser
