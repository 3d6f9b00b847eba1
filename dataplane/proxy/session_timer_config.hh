#pragma once
// RFC 4028 session timers at the proxy: what the operator sets ([session_timers]
// in the TOML file). Defaults are the RFC's: Min-SE 90 s, Session-Expires 1800 s.

#include <cstdint>

namespace sipedge::proxy {

enum class expiry_action : std::uint8_t {
    forget, // free the dialog state silently (RFC 4028 §8.3: a proxy MAY)
    bye,    // edge/SBC: BYE to both ends with a Reason header, then free
};

struct session_timer_config {
    // The RFC floor for Min-SE (§4). Lower only through the test-only key
    // session_timers.test_min_se_floor, so that lab tests can expire calls in seconds.
    static constexpr std::uint32_t rfc_min_se = 90;

    bool enabled = true;
    std::uint32_t min_se = rfc_min_se;    // our minimum session interval, seconds
    std::uint32_t session_expires = 1800; // inserted when absent (if insert_when_absent)
    bool insert_when_absent = false;      // the RFC lets a proxy insert; off = pass-through
    expiry_action on_expiry = expiry_action::forget;
    std::uint32_t dialog_capacity = 65536; // timed dialogs per lcore; full = counted, untimed
};

} // namespace sipedge::proxy
