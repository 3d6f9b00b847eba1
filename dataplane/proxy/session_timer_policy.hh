#pragma once
// The RFC 4028 rules a proxy applies, as pure functions (no I/O, no state):
// §8.1 requests (422 or raise, Min-SE, insertion), §8.2 responses (insert for a
// UAS without timer support, refresher per the §9 table) and the §10 expiry
// deadline. proxy_core calls them; the tests call them directly too.

#include "dataplane/proxy/session_timer_config.hh"
#include "dataplane/timer/timer_wheel.hh"
#include "parser/message_writer.hh"
#include "parser/session_timer.hh"
#include "sip/message_view.hh"

#include <array>
#include <cstdint>

namespace sipedge::proxy {

// The session-timer headers of one message.
struct timer_headers {
    bool has_se = false;
    std::uint32_t se = 0;
    parser::refresher refresher = parser::refresher::none;
    bool has_min_se = false;
    std::uint32_t min_se = 0;
    bool supports_timer = false; // "timer" in Supported or Require
    bool requires_timer = false; // "timer" in Require
    bool malformed = false;      // Session-Expires or Min-SE does not parse
};
timer_headers read_timer_headers(const sip::message_view& msg);

// §8.1: what the proxy does with an INVITE or UPDATE.
struct request_decision {
    bool reject_bad = false;   // malformed header: 400
    bool reject_422 = false;   // 422 with Min-SE: config.min_se
    std::uint32_t se = 0;      // Session-Expires as forwarded; 0 = none
    bool write_se = false;     // rewrite the value (present) or insert it (absent)
    std::uint32_t min_se = 0;  // Min-SE as forwarded when write_min_se
    bool write_min_se = false; // rewrite (present) or insert (absent)
    bool uac_supports = false; // remembered for the response (§8.1 last paragraph)
    parser::refresher refresher = parser::refresher::none; // as forwarded
};
request_decision decide_request(const timer_headers& req, const session_timer_config& config);

// The §9 table: who refreshes when the UAS leaves the choice open. Row by row:
// UAC without timer -> uas; UAC with timer, request "none" -> uas (the UAS may
// also pick uac); request "uac" -> uac; request "uas" -> uas.
parser::refresher table_refresher(bool uac_supports, parser::refresher in_request);

// §8.2: what the proxy does with a 2xx to a request it decided on.
struct response_decision {
    std::uint32_t interval = 0; // negotiated session interval; 0 = no session timer
    parser::refresher refresher = parser::refresher::none;
    bool write_se = false;    // insert (absent) or rewrite (refresher missing/invalid)
    bool add_require = false; // insert "Require: timer"
};
response_decision decide_response(const request_decision& req, const timer_headers& resp);

// Writer edits for the decisions. scratch holds the formatted values and must
// outlive the writer's materialise().
using timer_scratch = std::array<char, 96>;
parser::write_status apply_request(parser::message_writer& w, const sip::message_view& msg,
                                   const timer_headers& h, const request_decision& d,
                                   timer_scratch& scratch);
parser::write_status apply_response(parser::message_writer& w, const sip::message_view& msg,
                                    const response_decision& d, timer_scratch& scratch);

// §10: the proxy considers the session gone at SE - min(32, SE/3) seconds.
constexpr std::uint32_t expiry_after_seconds(std::uint32_t interval) {
    const std::uint32_t margin = interval / 3 < 32 ? interval / 3 : 32;
    return interval - margin;
}

// A wheel delay that never fires after `want` ticks: a delay at or below want lands
// in the same or a finer wheel level, so want - max_lateness(want) fires by want.
// O(levels), unlike timer_wheel::latest_delay_within's search; at most one coarse
// granule early, and the expiry handler re-arms for what is left.
constexpr timer::tick_t never_late_delay(timer::tick_t want) {
    const timer::tick_t d =
        want < timer::timer_wheel::max_delay ? want : timer::timer_wheel::max_delay;
    const timer::tick_t early = d - timer::timer_wheel::max_lateness(d);
    return early == 0 ? 1 : early;
}
static_assert(never_late_delay(63) == 63 && never_late_delay(1) == 1);

} // namespace sipedge::proxy
