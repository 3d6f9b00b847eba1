#pragma once
// Counts the passes of a polling loop that began over 1 ms (and 10 ms) after the
// one before: the loop's CPU was taken by something else, or a pass ran long.
// Every message in flight waited that long, and a ring in front of the loop may
// have overflowed meanwhile, so these explain losses and latency tails.
// Shared by sipedge's lcores and the loadgen's.

#include "common/counters.hh"

#include <cstdint>

namespace sipedge::dataplane {

class stall_meter {
public:
    stall_meter(std::uint64_t tsc_hz, std::uint64_t now) : _one_ms(tsc_hz / 1000), _previous(now) {}

    // At the start of every pass.
    void pass(std::uint64_t now, counter_block& counters) {
        const std::uint64_t gap = now - _previous;
        _previous = now;
        if (gap > _one_ms) [[unlikely]] {
            counters.add(counter_id::loop_stalls_1ms);
            if (gap > 10 * _one_ms) {
                counters.add(counter_id::loop_stalls_10ms);
            }
        }
    }
    // After time the loop gave away on purpose (an idle sleep, a start-up step):
    // not a stall.
    void restart(std::uint64_t now) { _previous = now; }

private:
    std::uint64_t _one_ms;
    std::uint64_t _previous;
};

} // namespace sipedge::dataplane
