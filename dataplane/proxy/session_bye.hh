#pragma once
// The BYE an edge proxy sends to one end of a dialog whose session timer expired
// (RFC 4028 §10 with on_expiry = "bye"), with a Reason header (RFC 3326) so that the
// end can tell it from a hang-up.

#include "dataplane/proxy/dialog_table.hh"

#include <cstddef>
#include <string_view>

namespace sipedge::proxy {

inline constexpr std::string_view session_expired_reason =
    "SIP;cause=408;text=\"Session timer expired\"";

// Writes the BYE towards the caller (to_caller) or the callee into out. via is our
// Via value with its branch. Returns the length, 0 when it does not fit.
std::size_t build_session_bye(const dialog& d, bool to_caller, std::string_view via, char* out,
                              std::size_t capacity);

} // namespace sipedge::proxy
