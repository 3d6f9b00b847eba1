// RFC 4028 dialog state at scale on one lcore (issue 8): 1,000,000 concurrent timed
// dialogs in a dialog_table with one session timer each on a timer_wheel, doing
// what proxy_core does (proxy_session_timers.cc):
//   refresh   a 2xx to UPDATE/re-INVITE: find the dialog by Call-ID and tags
//             (either order), restart its timer (random dialog: cache-cold)
//   expiry    the wheel fires expired sessions; each callback checks the record
//             and frees it (on_expiry = forget): cost per expired dialog
// Counters: bytes_per_dialog (table + index + wheel, all preallocated),
// ns_per_op. SIP parsing and forwarding of the refresh itself are not in these
// figures (see proxy_bench for the cost of a proxied transaction).
// Run pinned: taskset -c 1 build-h/bench/proxy/session_timer_bench

#include "dataplane/proxy/dialog_table.hh"
#include "dataplane/proxy/session_timer_policy.hh"
#include "dataplane/timer/timer_wheel.hh"

#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

using sipedge::proxy::dialog_table;
using sipedge::proxy::dialog_text;
using sipedge::timer::tick_t;
using sipedge::timer::timer_wheel;

constexpr tick_t ticks_per_s = 1000; // 1 ms ticks, as in the dataplane

// Realistic strings: ~40-byte Call-ID, 10-byte tags, From/To with display names.
struct call_strings {
    std::string call_id, a_tag, b_tag, from, to, caller, callee;
};
call_strings make_call(std::uint32_t k) {
    call_strings c;
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%08x-%04x-4b1d-9e7f-%012x@198.51.100.7", k * 2654435761u,
                  k & 0xffff, k);
    c.call_id = buf;
    std::snprintf(buf, sizeof(buf), "a%09u", k);
    c.a_tag = buf;
    std::snprintf(buf, sizeof(buf), "b%09u", k);
    c.b_tag = buf;
    c.from = "\"Alice\" <sip:alice" + std::to_string(k % 1000) + "@example.org>;tag=" + c.a_tag;
    c.to = "<sip:bob" + std::to_string(k % 1000) + "@example.com>;tag=" + c.b_tag;
    c.caller = "sip:alice@198.51.100.10:5060";
    c.callee = "sip:bob@203.0.113.21:5060";
    return c;
}

struct fixture {
    dialog_table table;
    timer_wheel wheel;
    std::vector<call_strings> calls;
    std::uint64_t expired = 0;

    explicit fixture(std::uint32_t n)
        : table(n),
          wheel(timer_wheel::create({.capacity = n, .start_tick = 0, .kinds = 1}).value()) {
        (void)wheel.set_handler(0, &fixture::on_expiry, this);
        calls.reserve(n);
        for (std::uint32_t k = 0; k < n; ++k) {
            calls.push_back(make_call(k));
        }
    }
    // As proxy_core::st_arm.
    void arm(std::uint32_t i, std::uint32_t interval) {
        sipedge::proxy::dialog& d = table.at(i);
        d.interval = interval;
        const tick_t want = tick_t{sipedge::proxy::expiry_after_seconds(interval)} * ticks_per_s;
        d.deadline = wheel.now() + want;
        const tick_t delay = sipedge::proxy::never_late_delay(want);
        if (d.timer.valid() && wheel.restart(d.timer, delay).ok()) {
            return;
        }
        d.timer = wheel.start(delay, 0, (std::uint64_t{d.generation} << 32) | i).value();
    }
    std::uint32_t create(std::uint32_t k, std::uint32_t interval) {
        const call_strings& c = calls[k];
        sipedge::proxy::dialog_init init;
        auto set = [&init](dialog_text f, const std::string& v) {
            init.text[static_cast<std::size_t>(f)] = v;
        };
        set(dialog_text::call_id, c.call_id);
        set(dialog_text::caller_tag, c.a_tag);
        set(dialog_text::callee_tag, c.b_tag);
        set(dialog_text::from, c.from);
        set(dialog_text::to, c.to);
        set(dialog_text::caller_target, c.caller);
        set(dialog_text::callee_target, c.callee);
        dialog_table::insert_error why{};
        const std::uint32_t i = table.insert(init, why);
        arm(i, interval);
        return i;
    }
    // As proxy_core::on_session_timer with on_expiry = forget.
    static void on_expiry(void* self_ptr, timer_wheel&, const sipedge::timer::timer_event& ev) {
        auto* self = static_cast<fixture*>(self_ptr);
        const auto i = static_cast<std::uint32_t>(ev.data);
        sipedge::proxy::dialog& d = self->table.at(i);
        if (!d.in_use || d.generation != (ev.data >> 32)) {
            return;
        }
        d.timer = {};
        if (ev.now < d.deadline) { // fired a granule early: re-arm for the rest
            d.timer =
                self->wheel.start(sipedge::proxy::never_late_delay(d.deadline - ev.now), 0, ev.data)
                    .value();
            return;
        }
        ++self->expired;
        self->table.erase(i);
    }
    double bytes_per_dialog() const {
        return static_cast<double>(table.memory_bytes() + wheel.memory_bytes()) / table.capacity();
    }
};

// Intervals spread like real traffic: 90 s .. 2 h.
std::uint32_t interval_of(std::uint32_t k) {
    return 90 + (k * 7919u) % 7110u;
}

void BM_refresh(benchmark::State& state) {
    const auto n = static_cast<std::uint32_t>(state.range(0));
    fixture f(n);
    for (std::uint32_t k = 0; k < n; ++k) {
        f.create(k, interval_of(k));
    }
    std::mt19937 rng(42);
    std::vector<std::uint32_t> order(1 << 16);
    for (auto& o : order) {
        o = rng() % n;
    }
    std::size_t at = 0;
    for (auto _ : state) {
        const call_strings& c = f.calls[order[at++ & (order.size() - 1)]];
        // The callee's UPDATE: tags in the other order.
        const std::uint32_t i = f.table.find(c.call_id, c.b_tag, c.a_tag);
        f.arm(i, 1800);
        benchmark::DoNotOptimize(i);
    }
    state.counters["dialogs"] = n;
    state.counters["bytes_per_dialog"] = f.bytes_per_dialog();
    state.counters["ns_per_op"] =
        benchmark::Counter(static_cast<double>(state.iterations()),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_expiry_sweep(benchmark::State& state) {
    const auto n = static_cast<std::uint32_t>(state.range(0));
    fixture f(n);
    std::uint64_t total = 0;
    for (auto _ : state) {
        state.PauseTiming();
        for (std::uint32_t k = 0; k < n; ++k) {
            f.create(k, 90 + k % 600); // all due within the next ~11 minutes
        }
        const tick_t end = f.wheel.now() + 700 * ticks_per_s;
        f.expired = 0;
        state.ResumeTiming();
        // The lcore loop advances every pass; here one call per 10 ms of wheel time.
        for (tick_t t = f.wheel.now() + 10; t <= end; t += 10) {
            f.wheel.advance(t);
        }
        total += f.expired;
        if (f.table.size() != 0) {
            state.SkipWithError("dialogs left after the sweep");
        }
    }
    state.counters["dialogs"] = n;
    state.counters["bytes_per_dialog"] = f.bytes_per_dialog();
    state.counters["ns_per_op"] = benchmark::Counter(
        static_cast<double>(total), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_refresh)->Arg(1000)->Arg(1000000)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_expiry_sweep)->Arg(1000)->Arg(1000000)->Iterations(3)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
