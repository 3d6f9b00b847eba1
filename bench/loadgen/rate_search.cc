#include "bench/loadgen/rate_search.hh"

namespace sipedge::loadgen {

std::uint64_t two_significant_digits(std::uint64_t rate) {
    std::uint64_t scale = 1;
    while (rate / scale >= 100) {
        scale *= 10;
    }
    return rate / scale * scale;
}

search_result search_rates(const search_config& cfg,
                           const std::function<step_outcome(std::uint64_t rate)>& run_step) {
    search_result r;
    auto step = [&](std::uint64_t rate) {
        const step_outcome o = run_step(rate);
        r.steps.push_back({rate, o});
        if (o == step_outcome::stop) {
            r.stopped = true;
        }
        return o;
    };
    std::uint64_t unclean = 0;
    for (std::uint64_t rate = cfg.start_rate; rate != 0 && rate <= cfg.max_rate;) {
        const step_outcome o = step(rate);
        if (o == step_outcome::stop) {
            return r;
        }
        if (o == step_outcome::unclean) {
            unclean = rate;
            break;
        }
        r.best_rate = rate;
        if (rate > cfg.max_rate / 2) {
            break; // doubling would pass the maximum
        }
        rate *= 2;
    }
    if (unclean == 0) {
        r.capped = r.best_rate != 0;
        return r;
    }
    for (unsigned i = 0; i < cfg.bisection_steps && r.best_rate != 0; ++i) {
        const std::uint64_t rate = two_significant_digits((r.best_rate + unclean) / 2);
        if (rate <= r.best_rate || rate >= unclean) {
            break; // nothing left between them at this resolution
        }
        const step_outcome o = step(rate);
        if (o == step_outcome::stop) {
            return r;
        }
        (o == step_outcome::clean ? r.best_rate : unclean) = rate;
    }
    return r;
}

} // namespace sipedge::loadgen
