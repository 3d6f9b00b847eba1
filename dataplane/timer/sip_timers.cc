#include "dataplane/timer/sip_timers.hh"

namespace sipedge::timer {

status<timer_errc> validate(const sip_timer_config& c) {
    using std::chrono::milliseconds;
    if (c.t1 <= milliseconds(0) || c.t2 < c.t1 || c.t4 <= milliseconds(0)) {
        return error{timer_errc::invalid_config, "SIP timers: need T1 > 0, T2 >= T1, T4 > 0"};
    }
    if (c.timer_c <= std::chrono::minutes(3)) {
        return error{timer_errc::invalid_config, "SIP timer C must be larger than 3 minutes"};
    }
    if (c.timer_d < std::chrono::seconds(32)) {
        return error{timer_errc::invalid_config, "SIP timer D must be at least 32 s"};
    }
    // 64*T1 in milliseconds must be a wheel delay at the finest sensible tick (1 ms).
    if (static_cast<std::uint64_t>((64 * c.t1).count()) > timer_wheel::max_delay) {
        return error{timer_errc::invalid_config, "SIP timers: 64*T1 beyond the wheel's range"};
    }
    return {};
}

sip_timer_ticks::sip_timer_ticks(const sip_timer_config& config, tick_scale scale)
    : _t2(scale.ticks_ceil(config.t2)) {
    for (std::size_t tp = 0; tp < 2; ++tp) {
        for (std::size_t t = 0; t < sip_timer_count; ++t) {
            _initial[tp][t] = scale.ticks_ceil(sip_timer_duration(
                static_cast<sip_timer>(t), static_cast<sip_transport>(tp), config));
        }
    }
}

} // namespace sipedge::timer
