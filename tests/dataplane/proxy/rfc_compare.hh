#pragma once
// Comparing what sipedge sent with the message an RFC example shows at that point,
// and feeding an RFC example's messages to sipedge as if they came from the peer.
//
// Two messages are "equivalent" when they mean the same to a SIP element: same
// start line and body, and for every header name the same values in the same
// order, ignoring what RFC 3261 §7.3.1 lets differ (order across names, folding
// and white space around separators, one list header written as several lines,
// compact names). The proxy's own top Via(s) differ from the RFC's only in the
// branch value, which each proxy picks itself.

#include "sip/header_id.hh"

#include <string>
#include <string_view>
#include <vector>

namespace sipedge::proxy::test {

struct compare_options {
    // Top Via elements put on by a proxy of ours: their branch parameters are not
    // compared (ours must carry our prefix instead).
    std::size_t our_vias = 0;
    // Headers left out of the comparison; the caller says why and checks them itself.
    std::vector<sip::header_id> ignore;
};

// Adds a gtest failure per difference, naming `what` (e.g. "F5").
void expect_equivalent(std::string_view what, const std::string& ours, const std::string& rfc,
                       const compare_options& options = {});

// The branch parameter of the top Via.
std::string top_branch(const std::string& message);

// An RFC example's response as its sender would have sent it to the request sipedge
// actually forwarded: its Via lines replaced by the request's (§8.2.6.2), so it
// carries our branches (which the RFC could not know) and our received= values.
std::string as_response_to(const std::string& rfc_response, const std::string& request);

// The values of one header, split and normalised as expect_equivalent sees them.
std::vector<std::string> normalised_values(const std::string& message, sip::header_id id);

} // namespace sipedge::proxy::test
