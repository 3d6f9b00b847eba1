#pragma once
// Option tags in Supported, Require, Proxy-Require and Unsupported (RFC 3261 19.2).

#include <cstddef>
#include <string_view>

#include "parser/parse_error.hh"
#include "sip/header_id.hh"
#include "sip/message_view.hh"

namespace sipedge::parser {

// Validates one list value: every element is a token. Returns the tag count.
value_result<std::size_t> validate_option_tags(std::string_view value);

// Whether any instance of the header lists the tag (case-sensitive per RFC 3261
// 19.2: option tags are compared case-sensitively... in practice lowercase).
bool has_option_tag(const sip::message_view& msg, sip::header_id id, std::string_view tag);

// Calls fn(tag) for each tag of every instance, in order; stops when fn returns false.
template <typename Fn>
void for_each_option_tag(const sip::message_view& msg, sip::header_id id, Fn&& fn) {
    auto cursor = msg.values(id);
    std::string_view tag;
    while (cursor.next(tag)) {
        if (!fn(tag)) {
            return;
        }
    }
}

} // namespace sipedge::parser
