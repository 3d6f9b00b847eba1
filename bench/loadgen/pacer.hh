#pragma once
// The schedule every scenario keeps: item k (from 0) is due at t0 + k/rate,
// until `count` items or `duration_ms` has passed, whichever bounds the run.
// A duration is a number of items too: those due before it ends (rate x
// duration), every one placed even when the loop reaches the end late, so a
// stall of the generator near the end shows as lag, not as calls that vanish.
// Tracks how far behind its schedule the last item went out, which is how a
// report tells "the rate was kept" from "the generator was the limit".
// Asked every pass of a polling loop, nearly always with nothing due: the next
// item's due time is kept (advanced exactly, without division, as items are
// placed) so that such a pass costs a comparison, not a 128-bit division
// (5.5 % of the loadgen's CPU at 140,000 calls/s through sipedge, in __udivti3).

#include "bench/loadgen/engine.hh"
#include "dataplane/timer/clock.hh"
#include "dataplane/timer/timer_wheel.hh"

#include <algorithm>
#include <cstdint>

namespace sipedge::loadgen {

class pacer {
public:
    pacer(std::uint64_t rate, std::uint64_t count, std::uint64_t duration_ms, std::uint64_t hz)
        : _rate(rate), _limit(item_limit(rate, count, duration_ms)), _duration_ms(duration_ms),
          _hz(hz), _period_whole(rate != 0 ? hz / rate : 0),
          _period_rest(rate != 0 ? hz % rate : 0) {}

    void start(std::uint64_t now) {
        _t0 = now;
        _placed = 0;
        _placing = true;
        _stop_at = _duration_ms != 0 ? now + _duration_ms * _hz / 1000 : 0;
        _whole = 0;
        _rest = 0;
        _backlog_lag = 0;
    }
    bool placing() const { return _placing; }
    // So long past the duration (a second) that the caller stops whatever is
    // still due: the time bound of a generator that cannot place at all.
    bool overdue(std::uint64_t now) const { return _stop_at != 0 && now >= _stop_at + _hz; }
    // Items due by `now` and not placed yet.
    std::uint64_t due(std::uint64_t now) const {
        // Item _placed is due at t0 + ceil(_placed * hz / rate).
        if (now < _t0 + _whole + (_rest != 0 ? 1 : 0)) {
            return 0;
        }
        const auto elapsed = static_cast<timer::uint128_t>(now - _t0);
        std::uint64_t by_now = static_cast<std::uint64_t>(elapsed * _rate / _hz) + 1;
        if (_limit != 0) {
            by_now = std::min(by_now, _limit);
        }
        return by_now > _placed ? by_now - _placed : 0;
    }
    // How many to place at `now`: what is due, at most max_burst (catch-up is
    // spread over passes); once the duration has passed, the whole backlog,
    // and stop() reports the lateness of its oldest item.
    std::uint64_t take(std::uint64_t now, std::uint64_t max_burst) {
        const std::uint64_t n = due(now);
        if (n == 0 || !expired(now)) {
            return std::min(n, max_burst);
        }
        const std::uint64_t oldest_due = _t0 + _whole + (_rest != 0 ? 1 : 0);
        _backlog_lag = std::max(_backlog_lag, now > oldest_due ? now - oldest_due : 0);
        return n;
    }
    void placed_one() {
        ++_placed;
        // k * hz / rate for the next k, as whole clocks and a remainder.
        _whole += _period_whole;
        _rest += _period_rest;
        if (_rest >= _rate) {
            _rest -= _rate;
            ++_whole;
        }
    }
    // Every item of the run is placed (the count, or those due within the duration).
    bool done() const { return _limit != 0 && _placed >= _limit; }
    void stop(std::uint64_t now) {
        if (!_placing) {
            return;
        }
        _placing = false;
        _ended = now;
        if (_placed != 0) {
            const std::uint64_t last_due =
                _t0 + static_cast<std::uint64_t>(static_cast<timer::uint128_t>(_placed - 1) *
                                                 _hz / _rate);
            _lag = now > last_due ? now - last_due : 0;
        }
        _lag = std::max(_lag, _backlog_lag);
    }
    std::uint64_t started_at() const { return _t0; }
    std::uint64_t ended_at() const { return _ended; }
    // How late the last item went out (clock units; valid once stopped).
    std::uint64_t final_lag() const { return _lag; }
    std::uint64_t placed() const { return _placed; }

private:
    // The duration has passed: what is still due is the duration's last items
    // (due() counts no later one), which take() then gives all at once.
    bool expired(std::uint64_t now) const { return _stop_at != 0 && now >= _stop_at; }

    // Items k with k / rate < duration: ceil(duration x rate); the count when
    // it is smaller; 0 for no bound.
    static std::uint64_t item_limit(std::uint64_t rate, std::uint64_t count,
                                    std::uint64_t duration_ms) {
        if (duration_ms == 0) {
            return count;
        }
        const auto in_duration = static_cast<std::uint64_t>(
            (static_cast<timer::uint128_t>(duration_ms) * rate + 999) / 1000);
        return count != 0 ? std::min(count, in_duration) : in_duration;
    }

    std::uint64_t _rate, _limit, _duration_ms, _hz;
    std::uint64_t _period_whole, _period_rest; // hz / rate as whole clocks and remainder
    std::uint64_t _t0 = 0, _placed = 0, _stop_at = 0, _ended = 0, _lag = 0, _backlog_lag = 0;
    std::uint64_t _whole = 0; // floor(_placed * hz / rate)
    std::uint64_t _rest = 0;  // (_placed * hz) mod rate
    bool _placing = false;
};

// What every engine reports of its run in the same way (main.cc's drain and
// final report): placing is the pacer's, `_active` each engine's own count of
// calls or transactions in progress, `_drain_deadline` its own bound. A base
// of each engine; nothing virtual.
class paced_run {
public:
    bool placing() const { return _pacer.placing(); }
    // True once placing is over and nothing is in progress.
    bool finished() const { return !_pacer.placing() && _active == 0; }
    // A time after which nothing can still be legitimately in progress.
    std::uint64_t drain_deadline() const { return _drain_deadline; }
    std::uint32_t active() const { return _active; }
    std::uint64_t started_at() const { return _pacer.started_at(); }
    // Clock at which placing stopped (valid once placing() is false).
    std::uint64_t placing_ended_at() const { return _pacer.ended_at(); }
    // How far behind its schedule the last item went out (clock units; valid
    // once placing() is false): near 0 when the generator kept the rate.
    std::uint64_t final_schedule_lag() const { return _pacer.final_lag(); }

protected:
    explicit paced_run(const engine_config& cfg)
        : _pacer(cfg.rate, cfg.calls, cfg.duration_ms, cfg.hz), _ns(cfg.hz) {}

    // Clock units to nanoseconds for the latency samples: a multiply, no division.
    std::uint64_t clock_to_ns(std::uint64_t clock) const { return _ns.cycles_to_ns(clock); }

    pacer _pacer;
    timer::tsc_clock _ns;
    std::uint64_t _drain_deadline = 0;
    std::uint32_t _active = 0;
};

} // namespace sipedge::loadgen
