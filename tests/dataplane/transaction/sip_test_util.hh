#pragma once
// Test helpers shared by the transaction and proxy tests: message text with LF or
// CRLF line ends -> wire bytes, parsing into an owned view, header lookups.

#include "parser/essentials.hh"
#include "parser/message_parser.hh"
#include "sip/message_view.hh"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::test {

// LF line ends -> CRLF (CRLF input is kept as is).
inline std::string wire(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 64);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) {
            out += '\r';
        }
        out += text[i];
    }
    return out;
}

struct parsed_message {
    std::string bytes;
    std::unique_ptr<sip::message_view> view = std::make_unique<sip::message_view>();
    bool ok = false;

    const sip::message_view& operator*() const { return *view; }
    const sip::message_view* operator->() const { return view.get(); }

    std::vector<std::string> values(sip::header_id id) const {
        std::vector<std::string> out;
        auto c = view->values(id);
        std::string_view v;
        while (c.next(v)) {
            out.emplace_back(v);
        }
        return out;
    }
    std::string first(sip::header_id id) const {
        return std::string(view->first_value(id).value_or(""));
    }
    parser::message_essentials essentials() const {
        auto e = parser::extract_essentials(*view);
        return e ? e.value() : parser::message_essentials{};
    }
};

inline parsed_message parse(std::string_view bytes) {
    parsed_message m;
    m.bytes = std::string(bytes);
    static const parser::message_parser p;
    m.ok = p.parse_unpadded(m.bytes, *m.view).ok();
    return m;
}

} // namespace sipedge::test
