#include "parser/scalar_values.hh"

#include "parser/char_class.hh"
#include "parser/params.hh"

namespace sipedge::parser {

using namespace detail;

namespace {

// LWS 1*DIGIT LWS, bounded by max. Returns the end of the digits in `end`.
value_result<std::uint64_t> number_prefix(std::string_view v, std::uint64_t max, std::size_t& end,
                                          const char* what) {
    std::size_t i = skip_lws(v, 0);
    const std::size_t b = i;
    std::uint64_t n = 0;
    bool overflow = false;
    i = parse_decimal(v, i, max, n, overflow);
    if (i == b) {
        return value_error{i == v.size() ? parse_error_code::empty_value
                                         : parse_error_code::invalid_value,
                           what};
    }
    if (overflow) {
        return value_error{parse_error_code::value_out_of_range, "number out of range"};
    }
    end = i;
    return n;
}

template <typename T>
value_result<T> whole_number(std::string_view v, std::uint64_t max, const char* what) {
    std::size_t end = 0;
    auto n = number_prefix(v, max, end, what);
    if (!n) {
        return n.err();
    }
    if (skip_lws(v, end) != v.size()) {
        return value_error{parse_error_code::trailing_garbage, "text after the number"};
    }
    return static_cast<T>(n.value());
}

// [LWS] [";" params] after a number.
bool params_after(std::string_view v, std::size_t i, std::string_view& params) {
    i = skip_lws(v, i);
    if (i == v.size()) {
        return true;
    }
    if (v[i] != ';') {
        return false;
    }
    params = v.substr(i + 1);
    return count_params(v.substr(i)).ok(); // from the ';' so that ";;x" fails
}

} // namespace

value_result<std::uint8_t> parse_max_forwards(std::string_view value) {
    return whole_number<std::uint8_t>(value, 255, "Max-Forwards is not a number");
}

value_result<std::uint32_t> parse_content_length(std::string_view value) {
    return whole_number<std::uint32_t>(value, 0xffffffffu, "Content-Length is not a number");
}

value_result<std::uint32_t> parse_delta_seconds(std::string_view value) {
    return whole_number<std::uint32_t>(value, 0xffffffffu, "delta-seconds expected");
}

value_result<min_se> parse_min_se(std::string_view value) {
    min_se out;
    std::size_t end = 0;
    auto n = number_prefix(value, 0xffffffffu, end, "Min-SE is not a number");
    if (!n) {
        return n.err();
    }
    out.delta = static_cast<std::uint32_t>(n.value());
    if (!params_after(value, end, out.params)) {
        return value_error{parse_error_code::invalid_param, "malformed Min-SE parameter"};
    }
    return out;
}

value_result<retry_after> parse_retry_after(std::string_view value) {
    retry_after out;
    std::size_t end = 0;
    auto n = number_prefix(value, 0xffffffffu, end, "Retry-After is not a number");
    if (!n) {
        return n.err();
    }
    out.delta = static_cast<std::uint32_t>(n.value());
    std::size_t i = skip_lws(value, end);
    if (i < value.size() && value[i] == '(') {
        // comment = "(" *(ctext / quoted-pair / comment) ")", nesting allowed.
        int depth = 0;
        const std::size_t cb = i + 1;
        for (; i < value.size(); ++i) {
            if (value[i] == '\\') {
                ++i;
            } else if (value[i] == '(') {
                ++depth;
            } else if (value[i] == ')' && --depth == 0) {
                break;
            }
        }
        if (i >= value.size()) {
            return value_error{parse_error_code::invalid_value, "unterminated comment"};
        }
        out.comment = value.substr(cb, i - cb);
        ++i;
    }
    if (!params_after(value, i, out.params)) {
        return value_error{parse_error_code::invalid_param, "malformed Retry-After parameter"};
    }
    const param d = find_param(out.params, "duration");
    if (!d.name.empty()) {
        std::uint64_t dur = 0;
        bool overflow = false;
        if (!d.has_value || parse_decimal(d.value, 0, 0xffffffffu, dur, overflow) !=
                                d.value.size() || overflow) {
            return value_error{parse_error_code::invalid_param, "malformed duration"};
        }
        out.duration = static_cast<std::int64_t>(dur);
    }
    return out;
}

} // namespace sipedge::parser
