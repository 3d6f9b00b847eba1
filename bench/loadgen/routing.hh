#pragma once
// Where a response goes and which client transaction it answers, for every
// scenario engine: RFC 3261 18.2.2 with RFC 3581 rport, and the branch of a
// Via element this generator wrote.

#include <cstdint>
#include <string_view>

namespace sipedge::loadgen {

// Where a response to a request with this top Via, received from src, goes.
void response_destination(std::string_view top_via, std::uint32_t src_ip, std::uint16_t src_port,
                          std::uint32_t& ip, std::uint16_t& port);

// The branch parameter of a Via element we wrote ("...;branch=z9hG4bK...;rport"):
// responses to our UAC carry our own Via on top, so no general parse is needed.
std::string_view via_branch(std::string_view via);

} // namespace sipedge::loadgen
