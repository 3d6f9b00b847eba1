#include "parser/option_tags.hh"

#include "parser/char_class.hh"

namespace sipedge::parser {

using namespace detail;

value_result<std::size_t> validate_option_tags(std::string_view value) {
    sip::value_list_cursor c(value);
    std::string_view tag;
    std::size_t n = 0;
    while (c.next(tag)) {
        if (skip_token(tag, 0) != tag.size()) {
            return value_error{parse_error_code::invalid_value, "option tag is not a token"};
        }
        ++n;
    }
    return n;
}

bool has_option_tag(const sip::message_view& msg, sip::header_id id, std::string_view tag) {
    bool found = false;
    for_each_option_tag(msg, id, [&](std::string_view t) {
        found = t == tag;
        return !found;
    });
    return found;
}

} // namespace sipedge::parser
