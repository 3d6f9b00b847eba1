#pragma once
// Responses the proxy core builds itself: 100 Trying, the §16.3 rejections, and the
// finals it sends when branches give none (408, 487, 500...). While the request is
// at hand they are built from it; later, from a "skeleton" — the request's 100
// Trying form (its Vias, From, To, Call-ID, CSeq), which is either the 100 the
// INVITE server transaction keeps, or rebuilt from a request this proxy forwarded.
// Nothing is kept per request just for this. No allocation; caller buffers.

#include "dataplane/transaction/types.hh"
#include "parser/essentials.hh"
#include "parser/response_builder.hh"
#include "sip/message_view.hh"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sipedge::proxy {

// §18.2.1: ";received=<source>" for the top Via when its sent-by host is not the
// address the request came from (and it carries no received= yet); empty
// otherwise. buf holds 64 bytes.
std::string_view received_param(const parser::message_essentials& e, const txn::endpoint& source,
                                char* buf);

// A response to `request` (parser::build_response) with received= added to the top
// Via as the request's receiver must (§18.2.1); e: the request's essentials, or
// nullptr when they did not parse (then no received=). 0 if it cannot be built.
std::size_t build_local_response(const sip::message_view& request,
                                 const parser::message_essentials* e, const txn::endpoint& source,
                                 std::uint16_t status, std::string_view to_tag,
                                 std::span<const parser::extra_header> extra, char* buf,
                                 std::size_t cap);

// The skeleton of the request upstream of a request this proxy forwarded (whose
// first Via line is ours, §16.6 step 8): its 100 Trying form without that Via.
std::size_t skeleton_from_forwarded(const sip::message_view& forwarded, char* buf, std::size_t cap);

// A final response from a skeleton (parsed): its status line replaced, `to_tag`
// added to To when To has none, `extra` header lines appended. 0 on failure.
std::size_t relabel_skeleton(const sip::message_view& skeleton, std::uint16_t status,
                             std::string_view to_tag, std::span<const parser::extra_header> extra,
                             char* buf, std::size_t cap);

} // namespace sipedge::proxy
