#include "parser/cseq.hh"

#include "parser/char_class.hh"

namespace sipedge::parser {

using namespace detail;

value_result<cseq> parse_cseq(std::string_view value) {
    cseq out;
    const auto s = parse_cseq(value, out);
    if (!s) {
        return value_error{s.error_code(), s.message()};
    }
    return out;
}

sipedge::status<parse_error_code> parse_cseq(std::string_view value, cseq& out) {
    std::size_t i = skip_lws(value, 0);
    const std::size_t nb = i;
    std::uint64_t n = 0;
    bool overflow = false;
    i = parse_decimal(value, i, 0xffffffffu, n, overflow);
    if (i == nb) {
        return value_error{parse_error_code::invalid_value, "CSeq has no sequence number"};
    }
    if (overflow) {
        return value_error{parse_error_code::value_out_of_range,
                           "CSeq sequence number larger than 2^32-1"};
    }
    const std::size_t ws = i;
    i = skip_lws(value, i);
    if (i == ws) {
        return value_error{parse_error_code::invalid_value, "CSeq number not followed by LWS"};
    }
    const std::size_t mb = i;
    i = skip_token(value, i);
    if (i == mb) {
        return value_error{parse_error_code::invalid_value, "CSeq has no method"};
    }
    out.number = static_cast<std::uint32_t>(n);
    out.method = value.substr(mb, i - mb);
    out.method_id = sip::lookup_method(out.method);
    if (skip_lws(value, i) != value.size()) {
        return value_error{parse_error_code::trailing_garbage, "text after the CSeq method"};
    }
    return {};
}

} // namespace sipedge::parser
