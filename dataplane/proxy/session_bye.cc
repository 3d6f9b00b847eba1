#include "dataplane/proxy/session_bye.hh"

#include <cstdio>

namespace sipedge::proxy {

std::size_t build_session_bye(const dialog& d, bool to_caller, std::string_view via, char* out,
                              std::size_t capacity) {
    // Towards the caller the callee is the sender: From/To swap, the callee's CSeq
    // space; towards the callee we speak for the caller.
    const std::string_view target =
        d.get(to_caller ? dialog_text::caller_target : dialog_text::callee_target);
    const std::string_view route =
        d.get(to_caller ? dialog_text::route_to_caller : dialog_text::route_to_callee);
    const std::string_view from = d.get(to_caller ? dialog_text::to : dialog_text::from);
    const std::string_view to = d.get(to_caller ? dialog_text::from : dialog_text::to);
    const std::uint32_t cseq = (to_caller ? d.callee_cseq : d.caller_cseq) + 1;
    const std::string_view call_id = d.get(dialog_text::call_id);
    auto s = [](std::string_view v) { return static_cast<int>(v.size()); };
    const int n = std::snprintf(
        out, capacity,
        "BYE %.*s SIP/2.0\r\nVia: %.*s\r\nMax-Forwards: 70\r\n%s%.*s%sFrom: %.*s\r\nTo: %.*s\r\n"
        "Call-ID: %.*s\r\nCSeq: %u BYE\r\nReason: %.*s\r\nContent-Length: 0\r\n\r\n",
        s(target), target.data(), s(via), via.data(), route.empty() ? "" : "Route: ", s(route),
        route.data(), route.empty() ? "" : "\r\n", s(from), from.data(), s(to), to.data(),
        s(call_id), call_id.data(), cseq, s(session_expired_reason), session_expired_reason.data());
    return n > 0 && static_cast<std::size_t>(n) < capacity ? static_cast<std::size_t>(n) : 0;
}

} // namespace sipedge::proxy
