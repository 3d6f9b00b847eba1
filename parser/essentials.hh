#pragma once
// What a proxy needs from every message, parsed in one call: top Via, Call-ID,
// CSeq, From/To tags, Max-Forwards, the Request-URI and the first Route. It also
// applies the message-level checks of RFC 3261 8.1.1 / 16.3 that need no state:
// mandatory headers present (Via, From, To, Call-ID, CSeq), single-instance
// headers not repeated, CSeq method equal to the request method. A failure here
// means 400 Bad Request for a request, drop for a response.

#include <cstdint>
#include <string_view>

#include "parser/cseq.hh"
#include "parser/parse_error.hh"
#include "parser/uri.hh"
#include "parser/via.hh"
#include "sip/message_view.hh"

namespace sipedge::parser {

struct message_essentials {
    via top_via;
    std::string_view call_id; // trimmed value
    cseq cseq_value;
    std::string_view from_tag; // empty if From has no tag (RFC 2543 peers)
    bool from_has_tag = false;
    std::string_view to_tag;
    bool to_has_tag = false;
    std::int16_t max_forwards = -1; // -1 when absent (RFC 2543 peers; proxy adds 70)
    uri request_uri;                // requests only
    std::string_view first_route;   // first Route element, empty if none
};

value_result<message_essentials> extract_essentials(const sip::message_view& msg);

// Same, filling a caller-owned struct: no copy of the (large) result on the fast
// path. On error, `out` is partially filled.
sipedge::status<parse_error_code> extract_essentials(const sip::message_view& msg,
                                                     message_essentials& out);

// The same in two steps, for a caller that starts work on the top Via (a
// transaction key's memory) before the rest is read: the head checks the headers'
// presence and counts and parses the top Via; the rest (after a head that passed)
// Call-ID, CSeq, the tags, Max-Forwards, the Request-URI and the first Route. Both
// in turn give exactly what extract_essentials gives.
sipedge::status<parse_error_code> extract_essentials_head(const sip::message_view& msg,
                                                          message_essentials& out);
sipedge::status<parse_error_code> extract_essentials_rest(const sip::message_view& msg,
                                                          message_essentials& out);

} // namespace sipedge::parser
