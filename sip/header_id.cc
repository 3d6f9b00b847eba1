#include "sip/header_id.hh"

#include "sip/header_lookup.hh"

namespace sipedge::sip {

header_id lookup_header_id(std::string_view name) { return detail::lookup_header_name(name); }

} // namespace sipedge::sip
