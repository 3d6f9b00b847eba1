#pragma once
// The top Via of a response as this proxy wrote it, recognised without the general
// Via parser. Every response we relay carries our Via on top, alone on its line:
// "SIP/2.0/<TP> <host>:<port>;branch=z9hG4bKsE<36 hex digits>". A value that is
// byte for byte that (any valid digits) parses, by construction, to the fields the
// parser gave for the same text with other digits -- so they are taken from one
// parse made at start-up, with their views moved onto the live value. Anything
// else (another Via, parameters added, upper-case digits) is left to the parser.

#include "dataplane/proxy/branch.hh"
#include "parser/via.hh"

#include <string>
#include <string_view>

namespace sipedge::proxy {

class our_via {
public:
    // via_prefix: our Via value up to the branch value ("SIP/2.0/UDP h:p;branch=").
    // When the parser does not accept it with a branch of ours (an unusual host),
    // match() never matches.
    explicit our_via(std::string_view via_prefix);

    // True when value (a Via header value, trimmed) is exactly our Via with a
    // branch of ours: out is what parse_via_list_head(value) gives, f the branch's
    // fields (parse_branch).
    bool match(std::string_view value, parser::via& out, branch_fields& f) const;

private:
    // v (a view into _text) at the same place in `to`; other views (constants,
    // empty ones) as they are. Inline: match() moves eight views per response.
    std::string_view moved(std::string_view v, std::string_view to) const {
        if (v.data() < _text.data() || v.data() > _text.data() + _text.size()) {
            return v;
        }
        return {to.data() + (v.data() - _text.data()), v.size()};
    }

    std::string _text;      // the prefix and a branch of ours (zero digits)
    std::size_t _fixed = 0; // bytes that must be equal: the prefix and "z9hG4bKsE"
    parser::via _parsed;    // views into _text
    bool _usable = false;
};

} // namespace sipedge::proxy
