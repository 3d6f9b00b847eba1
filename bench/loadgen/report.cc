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
};

} // namespace

void print_interval_header(std::FILE* out) {
    std::fprintf(out, "%8s %9s %9s %7s %7s %9s %9s %7s %6s %8s %8s %8s\n", "t(s)", "attempted",
                 "succeeded", "failed", "active", "sent/s", "recv/s", "retrans", "unexp", "p50(ms)",
                 "p99(ms)", "p99.9(ms)");
}

void print_interval(std::FILE* out, const interval_report& r, bool json) {
    const stats_snapshot& d = *r.delta;
    const histogram_snapshot& h = d.latency;
    if (json) {
        std::fprintf(out,
                     "{\"type\":\"interval\",\"t_s\":%.3f,\"length_s\":%.3f,\"active\":%u,"
                     "\"msgs_sent_per_s\":%.1f,\"msgs_received_per_s\":%.1f,"
                     "\"setup_latency_ms\":{\"p50\":%.4f,\"p99\":%.4f,\"p999\":%.4f,"
                     "\"samples\":%" PRIu64 "}",
                     r.t_s, r.length_s, r.active, per_s(d[stat_id::msgs_sent], r.length_s),
                     per_s(d[stat_id::msgs_received], r.length_s), ms(h.quantile_ns(0.5)),
                     ms(h.quantile_ns(0.99)), ms(h.quantile_ns(0.999)), h.total);
        for (std::size_t i = 0; i < stat_count; ++i) {
            std::fprintf(out, ",\"%.*s\":%" PRIu64, static_cast<int>(stat_names[i].size()),
                         stat_names[i].data(), d.values[i]);
        }
        std::fputs("}\n", out);
    } else {
        std::fprintf(out,
                     "%8.1f %9" PRIu64 " %9" PRIu64 " %7" PRIu64 " %7u %9.0f %9.0f %7" PRIu64
                     " %6" PRIu64 " %8.3f %8.3f %8.3f\n",
                     r.t_s, d[stat_id::calls_attempted], d[stat_id::calls_succeeded],
                     d[stat_id::calls_failed], r.active, per_s(d[stat_id::msgs_sent], r.length_s),
                     per_s(d[stat_id::msgs_received], r.length_s), d[stat_id::retrans_sent],
                     d[stat_id::unexpected], ms(h.quantile_ns(0.5)), ms(h.quantile_ns(0.99)),
                     ms(h.quantile_ns(0.999)));
    }
    std::fflush(out);
}

void print_final(std::FILE* out, const final_report& r, bool json) {
    const stats_snapshot& t = *r.total;
    const histogram_snapshot& h = t.latency;
    const double placed_rate = per_s(t[stat_id::calls_attempted], r.placing_s);
    if (json) {
        std::fprintf(out,
                     "{\"type\":\"final\",\"mode\":\"%s\",\"target\":\"%s\",\"rate\":%" PRIu64
                     ",\"placed_per_s\":%.1f,\"placing_s\":%.3f,\"elapsed_s\":%.3f,"
                     "\"schedule_lag_s\":%.4f,\"rate_reached\":%s,\"interrupted\":%s,\"verdict\":"
                     "\"%s\",\"exit_status\":%d,"
                     "\"calls_per_s\":%.1f,\"msgs_sent_per_s\":%.1f,\"msgs_received_per_s\":%.1f,"
                     "\"setup_latency_ms\":{\"p50\":%.4f,\"p99\":%.4f,\"p999\":%.4f,\"max\":%.4f,"
                     "\"samples\":%" PRIu64 "}",
                     r.mode.c_str(), r.target.c_str(), r.rate, placed_rate, r.placing_s,
                     r.elapsed_s, r.schedule_lag_s, r.rate_reached ? "true" : "false",
                     r.interrupted ? "true" : "false", r.verdict.c_str(), r.exit_status,
                     per_s(t[stat_id::calls_succeeded], r.placing_s),
                     per_s(t[stat_id::msgs_sent], r.elapsed_s),
                     per_s(t[stat_id::msgs_received], r.elapsed_s), ms(h.quantile_ns(0.5)),
                     ms(h.quantile_ns(0.99)), ms(h.quantile_ns(0.999)), ms(h.max_ns()), h.total);
        for (std::size_t i = 0; i < stat_count; ++i) {
            std::fprintf(out, ",\"%.*s\":%" PRIu64, static_cast<int>(stat_names[i].size()),
                         stat_names[i].data(), t.values[i]);
        }
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
    std::fprintf(out, "sipedge-loadgen: final report (%s to %s)%s\n", r.mode.c_str(),
                 r.target.c_str(), r.interrupted ? " -- interrupted" : "");
    std::fprintf(out,
                 "  rate            target %" PRIu64
                 " calls/s, placed %.1f calls/s for %.3f s; run %.3f s\n",
                 r.rate, placed_rate, r.placing_s, r.elapsed_s);
    std::fprintf(out, "                  last call placed %.1f ms behind schedule: rate %s\n",
                 r.schedule_lag_s * 1e3, r.rate_reached ? "reached" : "NOT reached");
    std::fprintf(
        out, "  calls           attempted %" PRIu64 ", succeeded %" PRIu64 ", failed %" PRIu64 "\n",
        t[stat_id::calls_attempted], t[stat_id::calls_succeeded], t[stat_id::calls_failed]);
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
    std::fprintf(out,
                 "  retransmissions sent %" PRIu64 " (INVITE %" PRIu64 ", BYE %" PRIu64
                 ", 200 %" PRIu64 "), repeats received %" PRIu64 "\n",
                 t[stat_id::retrans_sent], t[stat_id::retrans_invite], t[stat_id::retrans_bye],
                 t[stat_id::retrans_200], t[stat_id::retrans_received]);
    std::fprintf(out,
                 "  anomalies       unexpected %" PRIu64 ", late %" PRIu64 ", parse errors %" PRIu64
                 ", send errors %" PRIu64 ", UAS ACK timeouts %" PRIu64 "\n",
                 t[stat_id::unexpected], t[stat_id::late], t[stat_id::parse_errors],
                 t[stat_id::send_errors], t[stat_id::uas_ack_timeouts]);
    std::fprintf(out,
                 "  setup latency   p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms (%" PRIu64
                 " calls; INVITE sent to 2xx received)\n",
                 ms(h.quantile_ns(0.5)), ms(h.quantile_ns(0.99)), ms(h.quantile_ns(0.999)),
                 ms(h.max_ns()), h.total);
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

} // namespace sipedge::loadgen
