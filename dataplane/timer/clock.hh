#pragma once
// Clocks for the timer wheel. The wheel itself only knows ticks; a clock gives
// nanoseconds and a tick_scale turns them into ticks. The dataplane reads the TSC
// once per loop pass (STYLE.md); tests drive a manual clock so that no test
// depends on wall time. Nothing here links DPDK: the dataplane may pass
// rte_get_tsc_hz() to tsc_clock instead of calibrating.

#include "common/result.hh"

#include <chrono>
#include <concepts>
#include <cstdint>

namespace sipedge::timer {

using tick_t = std::uint64_t;

// 64x64->128 multiplies for the TSC conversion; __extension__ keeps -Wpedantic quiet.
__extension__ typedef unsigned __int128 uint128_t;

// Anything with a now_ns() can drive the loop's advance(); a template parameter,
// not a virtual call, so the TSC read inlines.
template <typename Clock>
concept ns_clock = requires(const Clock& c) {
    { c.now_ns() } -> std::convertible_to<std::uint64_t>;
};

// Test clock: time moves only when told to.
class manual_clock {
public:
    explicit manual_clock(std::uint64_t start_ns = 0) : _now_ns(start_ns) {}

    std::uint64_t now_ns() const { return _now_ns; }
    void set_ns(std::uint64_t ns) { _now_ns = ns; }
    void advance_ns(std::uint64_t delta_ns) { _now_ns += delta_ns; }

private:
    std::uint64_t _now_ns;
};

enum class clock_errc : std::uint8_t {
    no_invariant_tsc = 1, // the CPU does not promise a constant-rate TSC
    calibration_failed,   // measured frequency implausible
};

// Invariant TSC (x86-64). ns = cycles * mult >> 32, one 64x64->128 multiply, so the
// conversion costs no division. Precondition: constant_tsc/nonstop_tsc, which the
// dataplane's CPUs have (checked by calibrate()).
class tsc_clock {
public:
    // hz: TSC frequency, e.g. rte_get_tsc_hz() or a calibrated value. hz >= 1 MHz.
    explicit tsc_clock(std::uint64_t hz);

    // Measures the TSC rate against std::chrono::steady_clock over `window`
    // (busy-waits; call once at start-up).
    static result<tsc_clock, clock_errc>
    calibrate(std::chrono::milliseconds window = std::chrono::milliseconds(50));

    static std::uint64_t read_cycles() { return __builtin_ia32_rdtsc(); }

    std::uint64_t hz() const { return _hz; }
    std::uint64_t cycles_to_ns(std::uint64_t cycles) const {
        return static_cast<std::uint64_t>((static_cast<uint128_t>(cycles) * _mult) >> 32);
    }
    std::uint64_t now_ns() const { return cycles_to_ns(read_cycles()); }

private:
    std::uint64_t _hz;
    std::uint64_t _mult; // ns per cycle in 32.32 fixed point
};

// Nanoseconds <-> wheel ticks. The tick length is fixed at start-up (1 ms suits SIP:
// T1 = 500 ms; 4 ms trades precision for fewer passes over the wheel).
class tick_scale {
public:
    // Precondition: tick > 0.
    explicit constexpr tick_scale(std::chrono::nanoseconds tick)
        : _tick_ns(static_cast<std::uint64_t>(tick.count())) {}

    constexpr std::chrono::nanoseconds tick() const {
        return std::chrono::nanoseconds(static_cast<std::int64_t>(_tick_ns));
    }
    // Tick that contains time ns: what advance() is given.
    constexpr tick_t to_tick(std::uint64_t ns) const { return ns / _tick_ns; }
    // A delay in ticks, rounded up, so a timer never fires before the delay has
    // passed in wheel time (in real time it may be up to one tick early, because the
    // wheel's now is the start of the current tick).
    template <typename Rep, typename Period>
    constexpr tick_t ticks_ceil(std::chrono::duration<Rep, Period> d) const {
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
        if (ns <= 0) {
            return 0;
        }
        const auto u = static_cast<std::uint64_t>(ns);
        return (u + _tick_ns - 1) / _tick_ns;
    }

private:
    std::uint64_t _tick_ns;
};

} // namespace sipedge::timer
