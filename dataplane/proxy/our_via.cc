#include "dataplane/proxy/our_via.hh"

#include <cstring>

namespace sipedge::proxy {

our_via::our_via(std::string_view via_prefix)
    : _text(std::string(via_prefix) + std::string(our_branch_prefix) +
            std::string(branch_length - our_branch_prefix.size(), '0')),
      _fixed(via_prefix.size() + our_branch_prefix.size()) {
    const std::string_view branch = std::string_view(_text).substr(via_prefix.size());
    _usable = parser::parse_via_list_head(_text, _parsed) && _parsed.branch == branch &&
              _parsed.params.data() + _parsed.params.size() == _text.data() + _text.size();
}

bool our_via::match(std::string_view value, parser::via& out, branch_fields& f) const {
    if (!_usable || value.size() != _text.size() ||
        std::memcmp(value.data(), _text.data(), _fixed) != 0 ||
        !parse_branch(value.substr(value.size() - branch_length), f)) {
        return false;
    }
    out = _parsed;
    out.protocol_name = moved(_parsed.protocol_name, value);
    out.protocol_version = moved(_parsed.protocol_version, value);
    out.transport_text = moved(_parsed.transport_text, value);
    out.host = moved(_parsed.host, value);
    out.branch = moved(_parsed.branch, value);
    out.received = moved(_parsed.received, value);
    out.maddr = moved(_parsed.maddr, value);
    out.params = moved(_parsed.params, value);
    return true;
}

} // namespace sipedge::proxy
