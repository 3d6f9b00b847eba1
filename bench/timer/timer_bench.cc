// Timer wheel micro-benchmarks, and the same workloads on DPDK's rte_timer
// (skiplist) for comparison. Run pinned, e.g.
//   taskset -c 1 build-timer/bench/timer/timer_bench
// EAL is initialised first (no hugepages, no PCI, lcore 1); rte_timer objects live
// in ordinary heap memory.
//
// Workloads, each at 1k, 1M and 10M live timers (N):
//   start_cancel      start one timer and cancel it at once, with N others armed
//   start_cancel_lag  start one, cancel the one started 64k iterations earlier
//                     (the cancelled node is no longer in cache; wheel only)
//   expire            N timers all due, one advance()/rte_timer_manage() fires them:
//                     the cost per expired timer
//   start_fire        as expire, and every callback starts a new timer (re-arm)
//   fill              arming n timers into an empty wheel / skiplist
//   steady_ticks      wheel only: N live, advance one tick per call, ~16 expiries
//                     per tick, each callback starts a replacement (a real loop)
// Counters: ns_per_op (per pair or per expired timer), bytes_per_timer.

#include "dataplane/timer/timer_wheel.hh"

#include <benchmark/benchmark.h>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_timer.h>
#include <vector>

namespace {

using sipedge::timer::tick_t;
using sipedge::timer::timer_event;
using sipedge::timer::timer_handle;
using sipedge::timer::timer_wheel;

constexpr std::int64_t k1k = 1000;
constexpr std::int64_t k1m = 1000000;
constexpr std::int64_t k10m = 10000000;

// SIP-like delays in 1 ms ticks: T1 doublings, 64*T1, T4, timer C.
constexpr tick_t sip_delays[16] = {500, 1000, 2000,  4000,  4000, 32000, 32000,  5000,
                                   500, 1000, 32000, 32000, 5000, 4000,  181000, 2000};

void count_fire(void* ctx, timer_wheel&, const timer_event&) {
    ++*static_cast<std::uint64_t*>(ctx);
}

struct rearm_ctx {
    std::uint64_t fired = 0;
    tick_t delay_lo = 0;
    tick_t delay_span = 1;
    std::uint64_t rng = 88172645463325252ull;
};

void rearm_fire(void* ctx, timer_wheel& w, const timer_event& ev) {
    auto* c = static_cast<rearm_ctx*>(ctx);
    ++c->fired;
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    (void)w.start(c->delay_lo + c->rng % c->delay_span, ev.kind, ev.data);
}

timer_wheel make_wheel(std::uint32_t capacity) {
    auto r = timer_wheel::create({.capacity = capacity, .start_tick = 0, .kinds = 2});
    if (!r) {
        std::fprintf(stderr, "timer wheel: %s\n", r.message());
        std::abort();
    }
    return std::move(r).value();
}

// Background timers with delays uniform in [1, span] ticks.
void fill(timer_wheel& w, std::int64_t n, tick_t span, std::uint16_t kind, std::mt19937_64& rng) {
    for (std::int64_t i = 0; i < n; ++i) {
        if (!w.start(1 + rng() % span, kind, static_cast<std::uint64_t>(i))) {
            std::abort();
        }
    }
}

// Seconds per expired timer (printed with an SI prefix, e.g. 12.3n = 12.3 ns).
void per_timer(benchmark::State& state, std::uint64_t timers) {
    state.counters["per_timer"] = benchmark::Counter(
        static_cast<double>(timers), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// ---------------- wheel ----------------

void BM_wheel_start_cancel(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    std::uint64_t fired = 0;
    timer_wheel w = make_wheel(static_cast<std::uint32_t>(n + 1));
    (void)w.set_handler(0, &count_fire, &fired);
    std::mt19937_64 rng(1);
    fill(w, n, 1u << 21, 0, rng);
    std::size_t i = 0;
    for (auto _ : state) {
        auto h = w.start(sip_delays[i & 15], 0, i);
        ++i;
        benchmark::DoNotOptimize(h);
        (void)w.cancel(h.value());
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["bytes_per_timer"] = static_cast<double>(w.memory_bytes()) / w.capacity();
}

void BM_wheel_start_cancel_lag(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    constexpr std::size_t lag = 65536;
    std::uint64_t fired = 0;
    timer_wheel w = make_wheel(static_cast<std::uint32_t>(n + lag));
    (void)w.set_handler(0, &count_fire, &fired);
    std::mt19937_64 rng(2);
    fill(w, n, 1u << 21, 0, rng);
    std::vector<timer_handle> ring(lag);
    for (std::size_t k = 0; k < lag; ++k) {
        ring[k] = w.start(sip_delays[k & 15], 0, k).value();
    }
    std::size_t i = 0;
    for (auto _ : state) {
        const std::size_t slot = i & (lag - 1);
        (void)w.cancel(ring[slot]);
        ring[slot] = w.start(sip_delays[i & 15], 0, i).value();
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["bytes_per_timer"] = static_cast<double>(w.memory_bytes()) / w.capacity();
}

void BM_wheel_expire(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    std::uint64_t fired = 0;
    timer_wheel w = make_wheel(static_cast<std::uint32_t>(n));
    (void)w.set_handler(0, &count_fire, &fired);
    std::mt19937_64 rng(3);
    constexpr tick_t span = 1u << 20; // ~17 min at 1 ms: levels 0..5
    std::uint64_t total = 0;
    for (auto _ : state) {
        state.PauseTiming();
        fill(w, n, span, 0, rng);
        const tick_t to = w.now() + span + timer_wheel::max_lateness(span);
        state.ResumeTiming();
        total += w.advance(to);
    }
    if (fired != total || total != static_cast<std::uint64_t>(n) * state.iterations()) {
        state.SkipWithError("not every timer fired");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(total));
    per_timer(state, total);
    state.counters["bytes_per_timer"] = static_cast<double>(w.memory_bytes()) / w.capacity();
}

void BM_wheel_start_fire(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    rearm_ctx ctx;
    ctx.delay_lo = tick_t{1} << 22; // re-armed timers land far past this round
    ctx.delay_span = 1u << 20;
    // Room for the re-armed timers while the old ones are still being fired.
    timer_wheel w = make_wheel(static_cast<std::uint32_t>(2 * n));
    (void)w.set_handler(1, &rearm_fire, &ctx);
    std::mt19937_64 rng(4);
    constexpr tick_t span = 1u << 20;
    std::uint64_t total = 0;
    for (auto _ : state) {
        state.PauseTiming();
        // Leave only this round's timers: drop the re-armed ones from the last round.
        if (w.size() != 0) {
            w = make_wheel(static_cast<std::uint32_t>(2 * n));
            (void)w.set_handler(1, &rearm_fire, &ctx);
        }
        fill(w, n, span, 1, rng);
        const tick_t to = w.now() + span + timer_wheel::max_lateness(span);
        state.ResumeTiming();
        total += w.advance(to);
    }
    if (total != static_cast<std::uint64_t>(n) * state.iterations()) {
        state.SkipWithError("not every timer fired");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(total));
    per_timer(state, total);
    state.counters["bytes_per_timer"] = static_cast<double>(w.memory_bytes()) / w.capacity();
}

void BM_wheel_steady_ticks(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    rearm_ctx ctx;
    // Delays uniform in [span/2, 3span/2] keep ~n live with ~16 expiries per tick.
    const tick_t span = static_cast<tick_t>(n / 16 > 64 ? n / 16 : 64);
    ctx.delay_lo = span / 2;
    ctx.delay_span = span;
    timer_wheel w = make_wheel(static_cast<std::uint32_t>(n + n / 4 + 1024));
    (void)w.set_handler(1, &rearm_fire, &ctx);
    std::mt19937_64 rng(5);
    fill(w, n, 2 * span, 1, rng);
    // Warm up into the steady state.
    for (tick_t t = 0; t < 2 * span; ++t) {
        w.advance(w.now() + 1);
    }
    ctx.fired = 0;
    for (auto _ : state) {
        w.advance(w.now() + 1);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(ctx.fired));
    per_timer(state, ctx.fired);
    state.counters["expired_per_tick"] =
        static_cast<double>(ctx.fired) / static_cast<double>(state.iterations());
    state.counters["live"] = w.size();
    state.counters["bytes_per_timer"] = static_cast<double>(w.memory_bytes()) / w.capacity();
}

// ---------------- rte_timer ----------------

std::uint64_t g_rte_fired = 0;

void rte_count(rte_timer*, void*) {
    ++g_rte_fired;
}

void rte_rearm(rte_timer* t, void*) {
    ++g_rte_fired;
    // Far in the future: re-armed timers do not fire again in this round.
    rte_timer_reset(t, rte_get_timer_hz() * 3600, SINGLE, rte_lcore_id(), &rte_rearm, nullptr);
}

struct rte_pool {
    std::unique_ptr<rte_timer[]> timers;
    std::int64_t n = 0;

    explicit rte_pool(std::int64_t count) : timers(new rte_timer[count]), n(count) {
        for (std::int64_t i = 0; i < n; ++i) {
            rte_timer_init(&timers[i]);
        }
    }
    ~rte_pool() {
        for (std::int64_t i = 0; i < n; ++i) {
            rte_timer_stop(&timers[i]);
        }
    }
};

// Background timers due uniformly in [1, 2^21] ms, as for the wheel. Nothing calls
// rte_timer_manage() during start_cancel, so they stay pending even once due.
void rte_fill_background(rte_pool& p, std::mt19937_64& rng) {
    const std::uint64_t ms = rte_get_timer_hz() / 1000;
    for (std::int64_t i = 0; i < p.n; ++i) {
        rte_timer_reset(&p.timers[i], (1 + rng() % (1u << 21)) * ms, SINGLE, rte_lcore_id(),
                        &rte_count, nullptr);
    }
}

// Cost of arming n timers into an empty skiplist (the set-up of the other rte
// benchmarks), to tell how far the 10M rte cases are practical.
void BM_rte_fill(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    std::mt19937_64 rng(9);
    for (auto _ : state) {
        state.PauseTiming();
        auto p = std::make_unique<rte_pool>(n);
        state.ResumeTiming();
        rte_fill_background(*p, rng);
        state.PauseTiming();
        p.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(n * state.iterations());
    per_timer(state, static_cast<std::uint64_t>(n * state.iterations()));
}

void BM_wheel_fill(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    std::mt19937_64 rng(9);
    std::uint64_t fired = 0;
    for (auto _ : state) {
        state.PauseTiming();
        auto w = std::make_unique<timer_wheel>(make_wheel(static_cast<std::uint32_t>(n)));
        (void)w->set_handler(0, &count_fire, &fired);
        state.ResumeTiming();
        fill(*w, n, 1u << 21, 0, rng);
        state.PauseTiming();
        w.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(n * state.iterations());
    per_timer(state, static_cast<std::uint64_t>(n * state.iterations()));
}

void BM_rte_start_cancel(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    rte_pool bg(n);
    std::mt19937_64 rng(1);
    rte_fill_background(bg, rng);
    rte_timer t;
    rte_timer_init(&t);
    const std::uint64_t ms = rte_get_timer_hz() / 1000;
    const unsigned lcore = rte_lcore_id();
    std::size_t i = 0;
    for (auto _ : state) {
        rte_timer_reset(&t, sip_delays[i++ & 15] * ms, SINGLE, lcore, &rte_count, nullptr);
        rte_timer_stop(&t);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["bytes_per_timer"] = sizeof(rte_timer);
}

// All n due within `spread` cycles from now; wait (untimed) until all are due.
void rte_fill_due(rte_pool& p, rte_timer_cb_t cb, std::mt19937_64& rng) {
    const std::uint64_t spread = rte_get_timer_hz() / 100; // 10 ms
    const unsigned lcore = rte_lcore_id();
    for (std::int64_t i = 0; i < p.n; ++i) {
        rte_timer_reset(&p.timers[i], 1 + rng() % spread, SINGLE, lcore, cb, nullptr);
    }
    const std::uint64_t until = rte_get_timer_cycles() + spread + 1;
    while (rte_get_timer_cycles() < until) {
    }
}

// All n timers due at once, one rte_timer_manage() per iteration; callback
// either just counts (expire) or re-arms its timer (start+fire).
template <typename Callback>
void rte_expire_run(benchmark::State& state, Callback callback, std::uint64_t seed) {
    const std::int64_t n = state.range(0);
    rte_pool p(n);
    std::mt19937_64 rng(seed);
    g_rte_fired = 0;
    for (auto _ : state) {
        state.PauseTiming();
        rte_fill_due(p, callback, rng);
        state.ResumeTiming();
        rte_timer_manage();
    }
    if (g_rte_fired != static_cast<std::uint64_t>(n) * state.iterations()) {
        state.SkipWithError("not every rte_timer fired");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(g_rte_fired));
    per_timer(state, g_rte_fired);
    state.counters["bytes_per_timer"] = sizeof(rte_timer);
}

void BM_rte_expire(benchmark::State& state) { rte_expire_run(state, &rte_count, 3); }

void BM_rte_start_fire(benchmark::State& state) { rte_expire_run(state, &rte_rearm, 4); }

void sizes(benchmark::internal::Benchmark* b) {
    b->Arg(k1k)->Arg(k1m)->Arg(k10m)->Unit(benchmark::kNanosecond);
}

// Expiry benchmarks refill per iteration (untimed); few iterations at 10M keep the
// run short. Iterations() applies to a whole registration, hence one per size.
#define SIPEDGE_EXPIRE_BENCH(fn)                                                                   \
    BENCHMARK(fn)->Arg(k1k)->Iterations(2000)->Unit(benchmark::kMicrosecond);                      \
    BENCHMARK(fn)->Arg(k1m)->Iterations(3)->Unit(benchmark::kMillisecond);                         \
    BENCHMARK(fn)->Arg(k10m)->Iterations(1)->Unit(benchmark::kMillisecond)

BENCHMARK(BM_wheel_start_cancel)->Apply(sizes);
// At 10M the skiplist set-up takes about a minute (see BM_rte_fill): a fixed
// iteration count runs the benchmark function once instead of once per estimate.
BENCHMARK(BM_rte_start_cancel)->Arg(k1k)->Arg(k1m)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_rte_start_cancel)->Arg(k10m)->Iterations(3000000)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_wheel_start_cancel_lag)->Apply(sizes);
SIPEDGE_EXPIRE_BENCH(BM_wheel_expire);
SIPEDGE_EXPIRE_BENCH(BM_rte_expire);
SIPEDGE_EXPIRE_BENCH(BM_wheel_start_fire);
SIPEDGE_EXPIRE_BENCH(BM_rte_start_fire);
BENCHMARK(BM_wheel_steady_ticks)->Apply(sizes);
BENCHMARK(BM_wheel_fill)->Arg(k1m)->Arg(2 * k1m)->Arg(4 * k1m)->Arg(k10m)->Iterations(1);
BENCHMARK(BM_rte_fill)->Arg(k1m)->Arg(2 * k1m)->Arg(4 * k1m)->Iterations(1);

} // namespace

int main(int argc, char** argv) {
    // EAL first (DPDK-NOTES.md: no hugepages here, no PCI probing, lcore 1).
    char arg0[] = "timer_bench";
    char a1[] = "-l";
    char a2[] = "1";
    char a3[] = "--no-pci";
    char a4[] = "--no-huge";
    char a5[] = "-m";
    char a6[] = "512";
    char a7[] = "--no-shconf";
    char a8[] = "--no-telemetry";
    char a9[] = "--log-level=*:warning";
    char* eal_argv[] = {arg0, a1, a2, a3, a4, a5, a6, a7, a8, a9};
    if (rte_eal_init(static_cast<int>(std::size(eal_argv)), eal_argv) < 0) {
        std::fprintf(stderr, "rte_eal_init failed\n");
        return 1;
    }
    if (rte_timer_subsystem_init() < 0) {
        std::fprintf(stderr, "rte_timer_subsystem_init failed\n");
        return 1;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    rte_timer_subsystem_finalize();
    rte_eal_cleanup();
    return 0;
}
