#include "dataplane/timer/clock.hh"

#include <cpuid.h>

namespace sipedge::timer {

tsc_clock::tsc_clock(std::uint64_t hz)
    : _hz(hz),
      // ns per cycle in 32.32 fixed point; hz >= 1 MHz keeps this below 2^42.
      _mult(static_cast<std::uint64_t>((static_cast<uint128_t>(1000000000u) << 32) / hz)) {}

namespace {

// CPUID 0x80000007 EDX bit 8: invariant TSC (constant rate across P/C-states).
// A hypervisor that hides the leaf makes calibrate() fail; the dataplane can still
// construct a tsc_clock from rte_get_tsc_hz() if it trusts DPDK's estimate.
bool cpu_has_invariant_tsc() {
    unsigned eax = 0;
    unsigned ebx = 0;
    unsigned ecx = 0;
    unsigned edx = 0;
    if (__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) == 0 || eax < 0x80000007u) {
        return false;
    }
    __get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx);
    return (edx & (1u << 8)) != 0;
}

} // namespace

result<tsc_clock, clock_errc> tsc_clock::calibrate(std::chrono::milliseconds window) {
    using clk = std::chrono::steady_clock;
    if (!cpu_has_invariant_tsc()) {
        return error{clock_errc::no_invariant_tsc, "CPU does not report an invariant TSC"};
    }
    const clk::time_point t0 = clk::now();
    const std::uint64_t c0 = read_cycles();
    clk::time_point t1 = t0;
    do {
        t1 = clk::now();
    } while (t1 - t0 < window);
    const std::uint64_t c1 = read_cycles();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    if (ns <= 0 || c1 <= c0) {
        return error{clock_errc::calibration_failed, "TSC did not advance"};
    }
    const std::uint64_t hz = static_cast<std::uint64_t>(
        static_cast<uint128_t>(c1 - c0) * 1000000000u / static_cast<std::uint64_t>(ns));
    // Anything outside 100 MHz .. 20 GHz is not a TSC we can trust.
    if (hz < 100000000u || hz > 20000000000u) {
        return error{clock_errc::calibration_failed, "TSC frequency implausible"};
    }
    return tsc_clock(hz);
}

} // namespace sipedge::timer
