#pragma once
// SIP timer values: RFC 3261 §17 / Table 4 (timers A-K), RFC 6026 §8 (L, M) and
// RFC 4028 session-timer deadlines, computed from T1, T2, T4. Pure functions plus a
// table in wheel ticks; the transaction layer arms them on its timer_wheel.
//
// Duration zero means "do not arm": for D, I, J, K on a reliable transport the
// transaction moves on at once (RFC 3261 §17: "0s for TCP/SCTP"); for the
// retransmission timers A, E, G on a reliable transport nothing is retransmitted
// (sip_timer_applies() is false).

#include "common/result.hh"
#include "dataplane/timer/clock.hh"
#include "dataplane/timer/timer_wheel.hh"

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace sipedge::timer {

enum class sip_timer : std::uint8_t { a, b, c, d, e, f, g, h, i, j, k, l, m };
inline constexpr std::size_t sip_timer_count = 13;

enum class sip_transport : std::uint8_t { unreliable, reliable };

struct sip_timer_config {
    std::chrono::milliseconds t1{500};         // RTT estimate
    std::chrono::milliseconds t2{4000};        // max retransmit interval for non-INVITE / responses
    std::chrono::milliseconds t4{5000};        // max time a message stays in the network
    std::chrono::milliseconds timer_c{181000}; // §16.6 step 11: "larger than 3 minutes"
    std::chrono::milliseconds timer_d{32000};  // §17.1.1.2: "at least 32 seconds" (unreliable)
};

// T1 > 0, T2 >= T1, T4 > 0, C > 3 min, D >= 32 s; 64*T1 must fit a wheel delay.
status<timer_errc> validate(const sip_timer_config& config);

constexpr std::string_view sip_timer_name(sip_timer t) {
    constexpr std::array<std::string_view, sip_timer_count> names = {
        "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M"};
    return names[static_cast<std::size_t>(t)];
}

// False for A, E, G on a reliable transport: those timers are not started at all.
constexpr bool sip_timer_applies(sip_timer t, sip_transport tp) {
    if (tp == sip_transport::unreliable) {
        return true;
    }
    return t != sip_timer::a && t != sip_timer::e && t != sip_timer::g;
}

// Initial value of a timer (first interval for A, E, G).
constexpr std::chrono::milliseconds sip_timer_duration(sip_timer t, sip_transport tp,
                                                       const sip_timer_config& c = {}) {
    using std::chrono::milliseconds;
    const bool unreliable = tp == sip_transport::unreliable;
    switch (t) {
    case sip_timer::a: // INVITE request retransmit, §17.1.1.2
    case sip_timer::e: // non-INVITE request retransmit, §17.1.2.2
    case sip_timer::g: // INVITE final response retransmit, §17.2.1
        return unreliable ? c.t1 : milliseconds(0);
    case sip_timer::b: // INVITE transaction timeout
    case sip_timer::f: // non-INVITE transaction timeout
    case sip_timer::h: // wait for ACK
    case sip_timer::l: // RFC 6026: wait for INVITE retransmits in Accepted (any transport)
    case sip_timer::m: // RFC 6026: wait for 2xx retransmits / forked 2xx (any transport)
        return 64 * c.t1;
    case sip_timer::c: // proxy INVITE transaction timeout, §16.6
        return c.timer_c;
    case sip_timer::d: // wait for response retransmits, §17.1.1.2
        return unreliable ? c.timer_d : milliseconds(0);
    case sip_timer::i: // wait for ACK retransmits, §17.2.1
    case sip_timer::k: // wait for response retransmits, §17.1.2.2
        return unreliable ? c.t4 : milliseconds(0);
    case sip_timer::j: // wait for non-INVITE request retransmits, §17.2.2
        return unreliable ? 64 * c.t1 : milliseconds(0);
    }
    return milliseconds(0);
}

// Interval after a retransmission timer fires: A doubles without a cap (B ends it);
// E and G double up to T2. Other timers do not repeat: returns `current`.
constexpr std::chrono::milliseconds sip_retransmit_next(sip_timer t,
                                                        std::chrono::milliseconds current,
                                                        const sip_timer_config& c = {}) {
    switch (t) {
    case sip_timer::a:
        return 2 * current;
    case sip_timer::e:
    case sip_timer::g:
        return 2 * current < c.t2 ? 2 * current : c.t2;
    default:
        return current;
    }
}

// Timer E once a provisional response has arrived (Proceeding state): T2, §17.1.2.2.
constexpr std::chrono::milliseconds sip_timer_e_proceeding(const sip_timer_config& c = {}) {
    return c.t2;
}

// The same values in wheel ticks (rounded up), computed once at start-up so the hot
// path does no conversion.
class sip_timer_ticks {
public:
    // Precondition: validate(config) succeeded.
    sip_timer_ticks(const sip_timer_config& config, tick_scale scale);

    tick_t initial(sip_timer t, sip_transport tp) const {
        return _initial[static_cast<std::size_t>(tp)][static_cast<std::size_t>(t)];
    }
    // Next retransmit interval in ticks (see sip_retransmit_next).
    tick_t next_retransmit(sip_timer t, tick_t current) const {
        switch (t) {
        case sip_timer::a:
            return 2 * current;
        case sip_timer::e:
        case sip_timer::g:
            return 2 * current < _t2 ? 2 * current : _t2;
        default:
            return current;
        }
    }
    tick_t e_proceeding() const { return _t2; }

private:
    std::array<std::array<tick_t, sip_timer_count>, 2> _initial{};
    tick_t _t2 = 0;
};

// ---- RFC 4028 session timers ----

// Min-SE may not be below 90 s (§4, §5); 1800 s is the recommended Session-Expires.
inline constexpr std::chrono::seconds session_min_se_floor{90};
inline constexpr std::chrono::seconds session_default_se{1800};

// Deadlines after the last (re)fresh of a session with interval SE:
//   refresh: the refresher sends a refresh at SE/2 (§10);
//   bye:     the other side, having seen no refresh, sends BYE at SE - min(32 s, SE/3)
//            (§10, the recommended margin);
//   expire:  the session is gone at SE.
struct session_timer_deadlines {
    std::chrono::milliseconds refresh;
    std::chrono::milliseconds bye;
    std::chrono::milliseconds expire;
};

constexpr std::chrono::milliseconds session_bye_margin(std::chrono::seconds se) {
    const std::chrono::milliseconds third = std::chrono::milliseconds(se) / 3;
    const std::chrono::milliseconds cap = std::chrono::seconds(32);
    return third < cap ? third : cap;
}

constexpr session_timer_deadlines session_deadlines(std::chrono::seconds se) {
    const std::chrono::milliseconds full(se);
    return {full / 2, full - session_bye_margin(se), full};
}

// In ticks, for arming. refresh and expire are rounded up (never early); bye uses
// timer_wheel::latest_delay_within so that, with the wheel's lateness, it still fires
// before `expire`'s wheel tick.
struct session_timer_ticks {
    tick_t refresh;
    tick_t bye;
    tick_t expire;
};

inline session_timer_ticks session_deadline_ticks(std::chrono::seconds se, tick_scale scale) {
    const session_timer_deadlines d = session_deadlines(se);
    const tick_t expire = scale.ticks_ceil(d.expire);
    tick_t bye = timer_wheel::latest_delay_within(scale.ticks_ceil(d.bye));
    return {scale.ticks_ceil(d.refresh), bye, expire};
}

} // namespace sipedge::timer
