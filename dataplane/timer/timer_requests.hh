#pragma once
// Timer requests from other lcores. A core never touches another core's wheel: it
// pushes a small plain request into an SPSC ring (one ring per producer core and
// owner core pair), and the owner drains the ring in batches in its loop and
// applies the requests to its own wheel.
//
// Delays are relative to the owner's now() when the request is applied; ring
// latency is one loop pass, far below a tick.

#include "common/spsc_ring.hh"
#include "dataplane/timer/timer_wheel.hh"

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sipedge::timer {

enum class timer_op : std::uint8_t { start, cancel, restart };

struct timer_request {
    timer_op op = timer_op::start;
    std::uint16_t kind = 0; // start
    timer_handle handle{};  // cancel, restart
    tick_t delay = 0;       // start, restart
    std::uint64_t data = 0; // start; also echoed to the outcome sink, e.g. as a key

    static timer_request make_start(tick_t delay, std::uint16_t kind, std::uint64_t data) {
        return {timer_op::start, kind, {}, delay, data};
    }
    static timer_request make_cancel(timer_handle h, std::uint64_t data = 0) {
        return {timer_op::cancel, 0, h, 0, data};
    }
    static timer_request make_restart(timer_handle h, tick_t delay, std::uint64_t data = 0) {
        return {timer_op::restart, 0, h, delay, data};
    }
};

using timer_request_ring = spsc_ring<timer_request>;

// Applies one request. The handle of the outcome is the new timer for start, the
// request's handle otherwise.
inline result<timer_handle, timer_errc> apply_timer_request(timer_wheel& wheel,
                                                            const timer_request& req) {
    switch (req.op) {
    case timer_op::start:
        return wheel.start(req.delay, req.kind, req.data);
    case timer_op::cancel: {
        status<timer_errc> s = wheel.cancel(req.handle);
        if (!s) {
            return error{s.error_code(), s.message()};
        }
        return req.handle;
    }
    case timer_op::restart: {
        status<timer_errc> s = wheel.restart(req.handle, req.delay);
        if (!s) {
            return error{s.error_code(), s.message()};
        }
        return req.handle;
    }
    }
    return error{timer_errc::stale_handle, "unknown timer request op"};
}

// Owner side: pops up to max_requests requests in bursts of 32 and applies each,
// then calls sink(request, outcome) -- where the owner records new handles (keyed by
// request.data) or counts failures. Returns how many requests were applied.
template <typename Sink>
requires std::invocable<Sink&, const timer_request&, result<timer_handle, timer_errc>> std::size_t
drain_timer_requests(timer_wheel& wheel, timer_request_ring& ring, Sink&& sink,
                     std::size_t max_requests = 256) {
    constexpr std::size_t burst = 32;
    std::array<timer_request, burst> buf;
    std::size_t done = 0;
    while (done < max_requests) {
        const std::size_t want = max_requests - done < burst ? max_requests - done : burst;
        const std::size_t n = ring.pop_burst(std::span<timer_request>(buf.data(), want));
        for (std::size_t i = 0; i < n; ++i) {
            sink(buf[i], apply_timer_request(wheel, buf[i]));
        }
        done += n;
        if (n < want) {
            break;
        }
    }
    return done;
}

// Same, ignoring outcomes (fire-and-forget cancels).
inline std::size_t drain_timer_requests(timer_wheel& wheel, timer_request_ring& ring,
                                        std::size_t max_requests = 256) {
    return drain_timer_requests(
        wheel, ring, [](const timer_request&, const result<timer_handle, timer_errc>&) {},
        max_requests);
}

} // namespace sipedge::timer
