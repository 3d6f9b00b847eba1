// Randomized model test: the wheel against a plain reference (a map of live timers
// and a sorted multimap of their latest allowed firing ticks). Millions of starts,
// cancels, restarts, stale-handle uses and advances by random steps, including jumps
// longer than the whole wheel; callbacks start, cancel and restart timers too.
// Checked on every event:
//   - every timer fires exactly once, never after a cancel;
//   - e <= f <= e + max_lateness(d) (the stated bound);
//   - no timer is left behind: at each firing, and after each advance(t), no live
//     timer's latest allowed tick is below the current tick (deadline order);
//   - stale handles are refused and disturb nothing; errors are exactly predicted.
//
// SIPEDGE_TIMER_MODEL_OPS sets the operations per run (default 5,000,000; the suite
// has four runs).

#include "dataplane/timer/timer_wheel.hh"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace sipedge::timer {
namespace {

std::uint64_t model_ops() {
    if (const char* env = std::getenv("SIPEDGE_TIMER_MODEL_OPS")) {
        return std::strtoull(env, nullptr, 10);
    }
    return 5000000;
}

class model {
public:
    model(std::uint32_t capacity, tick_t origin, std::uint64_t seed)
        : _wheel(make_wheel(capacity, origin)), _origin(origin), _capacity(capacity), _rng(seed) {}

    void run(std::uint64_t ops) {
        for (std::uint64_t op = 0; op < ops && !_failed; ++op) {
            // Phases: mostly a balanced mix, sometimes a burst of starts that fills the
            // wheel up to capacity (and beyond: the starts must then fail cleanly).
            const bool filling = op % 200000 >= 180000;
            const unsigned r = filling ? (pick(100) < 80 ? 0 : 40) : pick(100);
            _max_live = std::max<std::uint64_t>(_max_live, _live.size());
            if (r < 34) {
                do_start();
            } else if (r < 56) {
                do_cancel();
            } else if (r < 66) {
                do_restart();
            } else if (r < 71) {
                do_stale();
            } else if (r < 73) {
                do_check_expiry();
            } else {
                do_advance();
            }
        }
        // Drain: one jump past everything must fire every remaining timer.
        if (!_failed) {
            advance_to(_rel_now + timer_wheel::max_delay + (tick_t{1} << 30));
            check(_live.empty(), "timers left after a jump past the horizon");
            check(_wheel.size() == 0, "wheel size not 0 after drain");
        }
        ASSERT_FALSE(_failed) << _first_failure;
        std::printf("model: %llu ops, %llu fired, %llu cancelled, %llu refused (full), max live "
                    "%llu\n",
                    static_cast<unsigned long long>(ops), static_cast<unsigned long long>(_fired),
                    static_cast<unsigned long long>(_cancelled),
                    static_cast<unsigned long long>(_exhausted),
                    static_cast<unsigned long long>(_max_live));
        EXPECT_GT(_fired, ops / 50) << "the mix should fire many timers";
        EXPECT_GT(_cancelled, ops / 20);
        EXPECT_GT(_exhausted, 0u) << "capacity exhaustion never exercised";
        EXPECT_GT(_callback_starts, 0u);
        EXPECT_GT(_callback_cancels, 0u);
    }

private:
    struct live_timer {
        timer_handle handle;
        tick_t expiry; // relative to origin
        tick_t delay;
        std::size_t slot; // position in _ids
        std::multimap<tick_t, std::uint64_t>::iterator deadline;
    };

    static timer_wheel make_wheel(std::uint32_t capacity, tick_t origin) {
        auto r = timer_wheel::create({.capacity = capacity, .start_tick = origin, .kinds = 1});
        if (!r) {
            std::abort();
        }
        return std::move(r).value();
    }

    unsigned pick(unsigned n) { return static_cast<unsigned>(_rng() % n); }
    tick_t range(tick_t lo, tick_t hi) { return lo + _rng() % (hi - lo + 1); }

    void check(bool ok, const std::string& what) {
        if (!ok && !_failed) {
            _failed = true;
            std::ostringstream os;
            os << what << " (wheel now rel " << (_wheel.now() - _origin) << ", live "
               << _live.size() << ", fired " << _fired << ")";
            _first_failure = os.str();
        }
    }

    tick_t random_delay() {
        const unsigned r = pick(1000);
        if (r < 10) {
            return 0;
        }
        if (r < 400) {
            return range(1, 64);
        }
        if (r < 650) {
            return range(65, 5000);
        }
        if (r < 850) {
            return range(5001, 200000);
        }
        if (r < 950) {
            return range(200001, 100000000);
        }
        if (r < 995) {
            return range(100000001, timer_wheel::max_delay);
        }
        return timer_wheel::max_delay;
    }

    void add_live(std::uint64_t id, timer_handle h, tick_t delay) {
        const tick_t d = delay == 0 ? 1 : delay;
        const tick_t expiry = (_wheel.now() - _origin) + d;
        auto it = _deadlines.emplace(expiry + timer_wheel::max_lateness(d), id);
        _live.emplace(id, live_timer{h, expiry, d, _ids.size(), it});
        _ids.push_back(id);
    }

    void drop_live(std::unordered_map<std::uint64_t, live_timer>::iterator it) {
        const std::size_t slot = it->second.slot;
        const std::uint64_t moved = _ids.back();
        _ids[slot] = moved;
        _live.at(moved).slot = slot;
        _ids.pop_back();
        _deadlines.erase(it->second.deadline);
        _dead.push_back(it->second.handle);
        if (_dead.size() > 4096) {
            _dead[pick(4096)] = _dead.back();
            _dead.pop_back();
        }
        _live.erase(it);
    }

    std::uint64_t random_live() { return _ids[pick(static_cast<unsigned>(_ids.size()))]; }

    void do_start() {
        if (pick(200) == 0) {
            auto r = _wheel.start(timer_wheel::max_delay + 1 + pick(1000), 0, 0);
            check(!r && r.error_code() == timer_errc::delay_out_of_range, "delay beyond range");
            return;
        }
        const tick_t delay = random_delay();
        const std::uint64_t id = _next_id++;
        auto r = _wheel.start(delay, 0, id);
        if (_live.size() == _capacity) {
            check(!r && r.error_code() == timer_errc::capacity_exhausted,
                  "start on a full wheel must fail with capacity_exhausted");
            ++_exhausted;
            return;
        }
        check(r.ok(), "start failed below capacity");
        if (r) {
            add_live(id, r.value(), delay);
        }
    }

    void do_cancel() {
        if (_ids.empty()) {
            return;
        }
        auto it = _live.find(random_live());
        check(_wheel.cancel(it->second.handle).ok(), "cancel of a live timer failed");
        ++_cancelled;
        drop_live(it);
    }

    void do_restart() {
        if (_ids.empty()) {
            return;
        }
        const std::uint64_t id = random_live();
        auto it = _live.find(id);
        const tick_t delay = random_delay();
        check(_wheel.restart(it->second.handle, delay).ok(), "restart of a live timer failed");
        const timer_handle h = it->second.handle;
        // Re-file it under its new deadline (and keep the same handle).
        const std::size_t slot = it->second.slot;
        _deadlines.erase(it->second.deadline);
        _live.erase(it);
        const tick_t d = delay == 0 ? 1 : delay;
        const tick_t expiry = (_wheel.now() - _origin) + d;
        auto dl = _deadlines.emplace(expiry + timer_wheel::max_lateness(d), id);
        _live.emplace(id, live_timer{h, expiry, d, slot, dl});
    }

    void do_stale() {
        if (_dead.empty()) {
            return;
        }
        const timer_handle h = _dead[pick(static_cast<unsigned>(_dead.size()))];
        check(!_wheel.armed(h), "stale handle reported armed");
        const auto s = pick(2) == 0 ? _wheel.cancel(h) : _wheel.restart(h, random_delay());
        check(!s && s.error_code() == timer_errc::stale_handle, "stale handle accepted");
    }

    void do_check_expiry() {
        if (_ids.empty()) {
            return;
        }
        const live_timer& t = _live.at(random_live());
        auto e = _wheel.expiry(t.handle);
        check(e.ok() && e.value() - _origin == t.expiry, "expiry() disagrees with the model");
    }

    void do_advance() {
        const unsigned r = pick(1000);
        tick_t step;
        if (r < 550) {
            step = range(1, 4);
        } else if (r < 800) {
            step = range(5, 1000);
        } else if (r < 930) {
            step = range(1001, 1000000);
        } else if (r < 990) {
            step = range(1000001, 100000000);
        } else if (r < 996) {
            step = range(100000001, timer_wheel::max_delay);
        } else {
            // Longer than the whole wheel (2^30 ticks).
            step = range(tick_t{1} << 31, tick_t{1} << 34);
        }
        advance_to(_rel_now + step);
    }

    void advance_to(tick_t rel) {
        _rel_now = rel;
        _last_fire = _wheel.now() - _origin;
        _wheel.advance(_origin + rel);
        check(_wheel.now() - _origin == rel, "now() is not the advanced-to tick");
        check(_deadlines.empty() || _deadlines.begin()->first > rel,
              "a timer whose latest allowed tick has passed did not fire");
        check(_wheel.size() == _live.size(), "wheel size differs from the model");
    }

    static void on_fire(void* ctx, timer_wheel& wheel, const timer_event& ev) {
        static_cast<model*>(ctx)->fired(wheel, ev);
    }

    void fired(timer_wheel& wheel, const timer_event& ev) {
        ++_fired;
        auto it = _live.find(ev.data);
        if (it == _live.end()) {
            check(false, "fired a timer that was cancelled or already fired");
            return;
        }
        const live_timer t = it->second;
        const tick_t f = ev.now - _origin;
        check(wheel.now() == ev.now, "now() differs from the event tick in a callback");
        check(ev.handle == t.handle, "event handle differs");
        check(ev.expiry - _origin == t.expiry, "event expiry differs");
        check(f >= t.expiry, "fired early");
        check(f <= t.expiry + timer_wheel::max_lateness(t.delay), "fired later than the bound");
        check(f >= _last_fire, "fired out of order: slot ticks went backwards");
        _last_fire = f;
        drop_live(it);
        check(_deadlines.empty() || _deadlines.begin()->first >= f,
              "a timer with an earlier latest tick is still pending");
        check(!wheel.armed(ev.handle), "handle still armed inside its callback");
        check(wheel.size() == _live.size(), "size differs inside a callback");

        const unsigned r = pick(100);
        if (r < 8) {
            ++_callback_starts;
            do_start();
        } else if (r < 13) {
            ++_callback_cancels;
            do_cancel();
        } else if (r < 16) {
            do_restart();
        } else if (r < 18) {
            const auto s = wheel.cancel(ev.handle);
            check(!s && s.error_code() == timer_errc::stale_handle,
                  "cancelled itself while firing");
        } else if (r < 19) {
            check(wheel.advance(wheel.now() + 1000) == 0, "nested advance did something");
        }
    }

    timer_wheel _wheel;
    const tick_t _origin;
    const std::uint32_t _capacity;
    std::mt19937_64 _rng;
    std::unordered_map<std::uint64_t, live_timer> _live;
    std::multimap<tick_t, std::uint64_t> _deadlines; // latest allowed tick -> id
    std::vector<std::uint64_t> _ids;
    std::vector<timer_handle> _dead;
    std::uint64_t _next_id = 1;
    tick_t _rel_now = 0;
    tick_t _last_fire = 0;
    std::uint64_t _fired = 0;
    std::uint64_t _cancelled = 0;
    std::uint64_t _exhausted = 0;
    std::uint64_t _max_live = 0;
    std::uint64_t _callback_starts = 0;
    std::uint64_t _callback_cancels = 0;
    bool _failed = false;
    std::string _first_failure;

public:
    void install() { ASSERT_TRUE(_wheel.set_handler(0, &model::on_fire, this).ok()); }
};

void run_model(std::uint32_t capacity, tick_t origin, std::uint64_t seed) {
    model m(capacity, origin, seed);
    m.install();
    m.run(model_ops());
}

TEST(timer_model, small_wheel_from_zero) {
    run_model(2000, 0, 1);
}

TEST(timer_model, larger_wheel) {
    run_model(10000, 12345, 2);
}

// The 64-bit tick counter wraps early in the run.
TEST(timer_model, across_64_bit_tick_wrap) {
    run_model(5000, ~tick_t{0} - 300000, 3);
}

// The nodes keep the low 32 bits of the expiry: cross that boundary too.
TEST(timer_model, across_32_bit_boundary) {
    run_model(5000, (tick_t{1} << 32) - 70000, 4);
}

} // namespace
} // namespace sipedge::timer
