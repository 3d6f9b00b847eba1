#include "bench/loadgen/report.hh"

#include <cinttypes>

namespace sipedge::loadgen {

namespace {

double ms(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

double per_s(std::uint64_t n, double s) {
    return s > 0 ? static_cast<double>(n) / s : 0.0;
}

// The packet-path counters worth a look after a run (non-zero ones are shown).
constexpr counter_id packet_path_shown[] = {
    counter_id::rx_packets,
    counter_id::tx_packets,
    counter_id::tx_full,
    counter_id::drop_no_mbuf,
    counter_id::drop_arp_unresolved,
    counter_id::drop_udp_bad_checksum,
    counter_id::drop_udp_wrong_port,
    counter_id::drop_ipv4_not_for_us,
    counter_id::drop_not_for_us_l2,
    counter_id::drop_ipv4_fragment,
    counter_id::arp_requests,
    counter_id::arp_replies,
    counter_id::loop_stalls_1ms,
    counter_id::loop_stalls_10ms,
};

// A counter is shown in JSON when it belongs to the run's scenario.
bool shown_for(scenario kind, std::size_t i) {
    return (stat_scopes[i] & (1u << static_cast<unsigned>(kind))) != 0;
}

void print_counters_json(std::FILE* out, scenario kind, const stats_snapshot& d) {
    for (std::size_t i = 0; i < stat_count; ++i) {
        if (shown_for(kind, i)) {
            std::fprintf(out, ",\"%.*s\":%" PRIu64, static_cast<int>(stat_names[i].size()),
                         stat_names[i].data(), d.values[i]);
        }
    }
}

} // namespace

scenario_words words_for(scenario s) {
    switch (s) {
    case scenario::register_:
        return {stat_id::reg_attempted, stat_id::reg_succeeded, stat_id::reg_failed,
                "registrations", "registrations_per_s", "first REGISTER sent to 200 received"};
    case scenario::options:
        return {stat_id::options_attempted, stat_id::options_succeeded, stat_id::options_failed,
                "OPTIONS", "options_per_s", "OPTIONS sent to 200 received"};
    case scenario::call:
        break;
    }
    return {stat_id::calls_attempted, stat_id::calls_succeeded, stat_id::calls_failed, "calls",
            "calls_per_s", "INVITE sent to 2xx received"};
}

void print_interval_header(std::FILE* out, scenario kind) {
    std::fprintf(out, "%s: attempted, succeeded and failed per interval\n", words_for(kind).noun);
    std::fprintf(out, "%8s %9s %9s %7s %7s %9s %9s %7s %6s %8s %8s %8s\n", "t(s)", "attempted",
                 "succeeded", "failed", "active", "sent/s", "recv/s", "retrans", "unexp", "p50(ms)",
                 "p99(ms)", "p99.9(ms)");
}

void print_interval(std::FILE* out, const interval_report& r, bool json) {
    const stats_snapshot& d = *r.delta;
    const histogram_snapshot& h = d.latency;
    const scenario_words sw = words_for(r.kind);
    if (json) {
        std::fprintf(out,
                     "{\"type\":\"interval\",\"scenario\":\"%.*s\",\"t_s\":%.3f,\"length_s\":%.3f,\"active\":%u,"
                     "\"msgs_sent_per_s\":%.1f,\"msgs_received_per_s\":%.1f,"
                     "\"setup_latency_ms\":{\"p50\":%.4f,\"p99\":%.4f,\"p999\":%.4f,"
                     "\"samples\":%" PRIu64 "}",
                     static_cast<int>(scenario_name(r.kind).size()), scenario_name(r.kind).data(),
                     r.t_s, r.length_s, r.active, per_s(d[stat_id::msgs_sent], r.length_s),
                     per_s(d[stat_id::msgs_received], r.length_s), ms(h.quantile_ns(0.5)),
                     ms(h.quantile_ns(0.99)), ms(h.quantile_ns(0.999)), h.total);
        print_counters_json(out, r.kind, d);
        std::fputs("}\n", out);
    } else {
        std::fprintf(out,
                     "%8.1f %9" PRIu64 " %9" PRIu64 " %7" PRIu64 " %7u %9.0f %9.0f %7" PRIu64
                     " %6" PRIu64 " %8.3f %8.3f %8.3f\n",
                     r.t_s, d[sw.attempted], d[sw.succeeded], d[sw.failed], r.active, per_s(d[stat_id::msgs_sent], r.length_s),
                     per_s(d[stat_id::msgs_received], r.length_s), d[stat_id::retrans_sent],
                     d[stat_id::unexpected], ms(h.quantile_ns(0.5)), ms(h.quantile_ns(0.99)),
                     ms(h.quantile_ns(0.999)));
    }
    std::fflush(out);
}

void print_final(std::FILE* out, const final_report& r, bool json) {
    const stats_snapshot& t = *r.total;
    const histogram_snapshot& h = t.latency;
    const scenario_words sw = words_for(r.kind);
    const double placed_rate = per_s(t[sw.attempted], r.placing_s);
    if (json) {
        std::fprintf(out, "{\"type\":\"%s\",\"scenario\":\"%.*s\",\"%s\":%.1f,", r.type,
                     static_cast<int>(scenario_name(r.kind).size()), scenario_name(r.kind).data(),
                     sw.rate_key, per_s(t[sw.succeeded], r.placing_s));
        std::fprintf(out,
                     "\"mode\":\"%s\",\"target\":\"%s\",\"rate\":%" PRIu64
                     ",\"placed_per_s\":%.1f,\"placing_s\":%.3f,\"elapsed_s\":%.3f,"
                     "\"schedule_lag_s\":%.4f,\"rate_reached\":%s,\"interrupted\":%s,\"verdict\":"
                     "\"%s\",\"exit_status\":%d,"
                     "\"succeeded_per_s\":%.1f,\"msgs_sent_per_s\":%.1f,\"msgs_received_per_s\":%.1f,"
                     "\"setup_latency_ms\":{\"p50\":%.4f,\"p99\":%.4f,\"p999\":%.4f,\"max\":%.4f,"
                     "\"samples\":%" PRIu64 "}",
                     r.mode.c_str(), r.target.c_str(), r.rate, placed_rate, r.placing_s,
                     r.elapsed_s, r.schedule_lag_s, r.rate_reached ? "true" : "false",
                     r.interrupted ? "true" : "false", r.verdict.c_str(), r.exit_status,
                     per_s(t[sw.succeeded], r.placing_s), per_s(t[stat_id::msgs_sent], r.elapsed_s),
                     per_s(t[stat_id::msgs_received], r.elapsed_s), ms(h.quantile_ns(0.5)),
                     ms(h.quantile_ns(0.99)), ms(h.quantile_ns(0.999)), ms(h.max_ns()), h.total);
        print_counters_json(out, r.kind, t);
        std::fputs(",\"packet_path\":{", out);
        bool first = true;
        for (counter_id id : packet_path_shown) {
            const std::string_view name = counter_names[static_cast<std::size_t>(id)];
            std::fprintf(out, "%s\"%.*s\":%" PRIu64, first ? "" : ",",
                         static_cast<int>(name.size()), name.data(), r.packet_path->get(id));
            first = false;
        }
        std::fputs("}}\n", out);
        std::fflush(out);
        return;
    }
    std::fprintf(out, "sipedge-loadgen: %s report, scenario %.*s (%s to %s)%s\n", r.type,
                 static_cast<int>(scenario_name(r.kind).size()), scenario_name(r.kind).data(),
                 r.mode.c_str(), r.target.c_str(), r.interrupted ? " -- interrupted" : "");
    std::fprintf(out,
                 "  rate            target %" PRIu64
                 " %s/s, started %.1f/s for %.3f s; run %.3f s; succeeded %.1f/s\n",
                 r.rate, sw.noun, placed_rate, r.placing_s, r.elapsed_s,
                 per_s(t[sw.succeeded], r.placing_s));
    std::fprintf(out, "                  last one started %.1f ms behind schedule: rate %s\n",
                 r.schedule_lag_s * 1e3, r.rate_reached ? "reached" : "NOT reached");
    std::fprintf(out,
                 "  %-15s attempted %" PRIu64 ", succeeded %" PRIu64 ", failed %" PRIu64 "\n",
                 sw.noun, t[sw.attempted], t[sw.succeeded], t[sw.failed]);
    for (std::size_t i = 0; i < stat_count; ++i) {
        if (stat_names[i].starts_with("fail_") && t.values[i] != 0) {
            std::fprintf(out, "    %-22.*s %10" PRIu64 "  %.*s\n",
                         static_cast<int>(stat_names[i].size()), stat_names[i].data(), t.values[i],
                         static_cast<int>(stat_descriptions[i].size()),
                         stat_descriptions[i].data());
        }
    }
    std::fprintf(out,
                 "  messages        sent %" PRIu64 " (%.0f/s), received %" PRIu64 " (%.0f/s)\n",
                 t[stat_id::msgs_sent], per_s(t[stat_id::msgs_sent], r.elapsed_s),
                 t[stat_id::msgs_received], per_s(t[stat_id::msgs_received], r.elapsed_s));
    if (r.kind == scenario::call) {
        std::fprintf(out,
                     "  retransmissions sent %" PRIu64 " (INVITE %" PRIu64 ", BYE %" PRIu64
                     ", 200 %" PRIu64 "), repeats received %" PRIu64 "\n",
                     t[stat_id::retrans_sent], t[stat_id::retrans_invite], t[stat_id::retrans_bye],
                     t[stat_id::retrans_200], t[stat_id::retrans_received]);
    } else {
        std::fprintf(out,
                     "  retransmissions sent %" PRIu64 " (REGISTER %" PRIu64 ", OPTIONS %" PRIu64
                     "), repeats received %" PRIu64 "\n",
                     t[stat_id::retrans_sent], t[stat_id::retrans_register],
                     t[stat_id::retrans_options], t[stat_id::retrans_received]);
    }
    if (r.kind == scenario::register_) {
        std::fprintf(out,
                     "  digest          challenges answered %" PRIu64 " (stale %" PRIu64
                     "), one round trip on a reused nonce %" PRIu64 "; UAS registrar: %" PRIu64
                     " challenges, %" PRIu64 " registered, %" PRIu64 " refused\n",
                     t[stat_id::reg_challenged], t[stat_id::reg_stale],
                     t[stat_id::reg_one_round_trip], t[stat_id::uas_challenges],
                     t[stat_id::uas_registered], t[stat_id::uas_auth_refused]);
    }
    std::fprintf(out,
                 "  anomalies       unexpected %" PRIu64 ", late %" PRIu64 ", parse errors %" PRIu64
                 ", send errors %" PRIu64 ", UAS ACK timeouts %" PRIu64 "\n",
                 t[stat_id::unexpected], t[stat_id::late], t[stat_id::parse_errors],
                 t[stat_id::send_errors], t[stat_id::uas_ack_timeouts]);
    std::fprintf(out,
                 "  setup latency   p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms (%" PRIu64
                 " %s; %s)\n",
                 ms(h.quantile_ns(0.5)), ms(h.quantile_ns(0.99)), ms(h.quantile_ns(0.999)),
                 ms(h.max_ns()), h.total, sw.noun, sw.latency);
    std::fputs("  packet path    ", out);
    for (counter_id id : packet_path_shown) {
        const std::uint64_t v = r.packet_path->get(id);
        const std::string_view name = counter_names[static_cast<std::size_t>(id)];
        if (v != 0 || id == counter_id::tx_full || id == counter_id::drop_no_mbuf) {
            std::fprintf(out, " %.*s %" PRIu64, static_cast<int>(name.size()), name.data(), v);
        }
    }
    std::fputs("\n", out);
    std::fprintf(out, "  verdict         %s (exit status %d)\n", r.verdict.c_str(), r.exit_status);
    std::fflush(out);
}

void print_search(std::FILE* out, const search_report& r, bool json) {
    const search_result& s = *r.result;
    const scenario_words sw = words_for(r.kind);
    if (json) {
        std::fprintf(out,
                     "{\"type\":\"search\",\"scenario\":\"%.*s\",\"start_rate\":%" PRIu64
                     ",\"max_rate\":%" PRIu64 ",\"best_rate\":%" PRIu64
                     ",\"capped\":%s,\"stopped\":%s,\"discarded_between_steps\":%" PRIu64
                     ",\"steps\":[",
                     static_cast<int>(scenario_name(r.kind).size()), scenario_name(r.kind).data(),
                     r.start_rate, r.max_rate, s.best_rate, s.capped ? "true" : "false",
                     s.stopped ? "true" : "false", r.discarded_between_steps);
        for (std::size_t i = 0; i < s.steps.size(); ++i) {
            std::fprintf(out, "%s{\"rate\":%" PRIu64 ",\"clean\":%s}", i == 0 ? "" : ",",
                         s.steps[i].rate,
                         s.steps[i].outcome == step_outcome::clean ? "true" : "false");
        }
        std::fputs("]}\n", out);
        std::fflush(out);
        return;
    }
    std::fprintf(out, "sipedge-loadgen: search from %" PRIu64 " to %" PRIu64 " %s/s:", r.start_rate,
                 r.max_rate, sw.noun);
    for (const search_step& step : s.steps) {
        std::fprintf(out, " %" PRIu64 " %s;", step.rate,
                     step.outcome == step_outcome::clean     ? "clean"
                     : step.outcome == step_outcome::unclean ? "not clean"
                                                             : "stopped");
    }
    std::fprintf(out, "\n  highest clean rate: %" PRIu64 " %s/s%s%s\n", s.best_rate, sw.noun,
                 s.capped ? " (every step was clean: the limit is above --max-rate)" : "",
                 s.stopped ? " (the search was stopped)" : "");
    if (r.discarded_between_steps != 0) {
        std::fprintf(out, "  %" PRIu64 " packets arrived between steps and were dropped\n",
                     r.discarded_between_steps);
    }
    std::fflush(out);
}

} // namespace sipedge::loadgen
