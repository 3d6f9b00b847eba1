#pragma once
// One Contact element (RFC 3261 20.10): '*' or a name-addr with q and expires.

#include <cstdint>
#include <string_view>

#include "parser/name_addr.hh"
#include "parser/parse_error.hh"

namespace sipedge::parser {

struct contact {
    bool star = false;
    name_addr addr;
    std::int16_t q = -1;       // thousandths (0..1000), -1 when absent
    std::int64_t expires = -1; // seconds, -1 when absent
};

value_result<contact> parse_contact(std::string_view element);

} // namespace sipedge::parser
