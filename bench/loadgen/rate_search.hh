#pragma once
// --search: the highest rate with a clean step (no failed call, no unexpected
// message, no retransmission, the rate kept). Steps double from the start rate
// until one is not clean or the next would pass the maximum; then a few
// bisection steps between the last clean and the first unclean rate, rounded to
// two significant digits (a noisy machine does not resolve more). No I/O: the
// caller runs each step.

#include <cstdint>
#include <functional>
#include <vector>

namespace sipedge::loadgen {

struct search_config {
    std::uint64_t start_rate = 0;
    std::uint64_t max_rate = 0;     // >= start_rate
    unsigned bisection_steps = 3;
};

enum class step_outcome { clean, unclean, stop }; // stop: interrupted or could not run

struct search_step {
    std::uint64_t rate = 0;
    step_outcome outcome = step_outcome::stop;
};

struct search_result {
    std::uint64_t best_rate = 0; // 0: no step was clean
    bool capped = false;         // every step clean up to max_rate: the limit is higher
    bool stopped = false;        // a step returned stop
    std::vector<search_step> steps;
};

// Rounds down to two significant digits (128,000 -> 120,000; 1,234 -> 1,200).
std::uint64_t two_significant_digits(std::uint64_t rate);

search_result search_rates(const search_config& cfg,
                           const std::function<step_outcome(std::uint64_t rate)>& run_step);

} // namespace sipedge::loadgen
