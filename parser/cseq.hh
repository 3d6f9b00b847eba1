#pragma once
// CSeq (RFC 3261 20.16): a 32-bit sequence number and a method.

#include <cstdint>
#include <string_view>

#include "parser/parse_error.hh"
#include "sip/method.hh"

namespace sipedge::parser {

struct cseq {
    std::uint32_t number = 0;
    std::string_view method;
    sip::sip_method method_id = sip::sip_method::extension;
};

// value_out_of_range when the number does not fit 32 bits (RFC 4475 scalar02).
value_result<cseq> parse_cseq(std::string_view value);
// Same, into a caller-owned struct.
sipedge::status<parse_error_code> parse_cseq(std::string_view value, cseq& out);

} // namespace sipedge::parser
