// Cost of the per-lcore telemetry summary (dataplane/lcore_summary.hh): what an
// lcore spends once a second to publish it, and what the telemetry thread spends
// to read it. The scan case is the worst one for the lcore: one live
// transaction in a table of 8192, so the bounded scan (4096 slots) runs to its
// limit without filling the sample.

#include "dataplane/lcore_summary.hh"
#include "dataplane/transaction/transaction_layer.hh"

#include <benchmark/benchmark.h>

namespace {

using namespace sipedge;

void BM_summary_publish(benchmark::State& state) {
    dataplane::lcore_summary s;
    dataplane::lcore_summary_data d;
    d.transactions = 8;
    d.transaction_samples = 8;
    for (auto _ : state) {
        ++d.published_tsc;
        s.publish(d);
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_summary_publish);

void BM_summary_read(benchmark::State& state) {
    dataplane::lcore_summary s;
    s.publish({});
    for (auto _ : state) {
        benchmark::DoNotOptimize(s.read());
    }
}
BENCHMARK(BM_summary_read);

void BM_fill_transactions_sparse_table(benchmark::State& state) {
    txn::transaction_layer_config cfg;
    cfg.capacity = 8192;
    auto wheel =
        timer::timer_wheel::create({.capacity = 3 * cfg.capacity, .start_tick = 0, .kinds = 1})
            .value();
    counter_block counters;
    txn::transaction_layer layer(cfg, wheel, counters, {});
    for (std::uint64_t k = 1; k <= 2; ++k) {
        (void)layer.create_server({k, k}, true, txn::transport::udp,
                                  txn::endpoint::ipv4(192, 0, 2, 10, 5060));
    }
    dataplane::lcore_summary_data d;
    std::uint32_t cursor = 0;
    for (auto _ : state) {
        dataplane::fill_transactions(layer, cursor, d);
        benchmark::DoNotOptimize(d);
    }
    state.counters["live"] = d.transactions;
}
BENCHMARK(BM_fill_transactions_sparse_table);

} // namespace

BENCHMARK_MAIN();
