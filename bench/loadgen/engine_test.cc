// The load generator's call engine on a simulated wire (no DPDK): calls
// complete, loss is recovered by RFC 3261 retransmission and counted, silence
// ends in timer B, the bounds stop the run, the table's limit is counted, and
// messages that fit no call are counted rather than trusted.

#include "bench/loadgen/call_engine.hh"
#include "bench/loadgen/stats.hh"
#include "bench/loadgen/test_wire.hh"
#include "parser/stage1.hh"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace sipedge::loadgen {
namespace {

using harness = wire_harness<call_engine>;

TEST(LoadgenEngine, DirectCallsAllSucceedWithoutRetransmission) {
    engine_config cfg = direct_config();
    cfg.rate = 1000;
    cfg.calls = 1000;
    harness h(cfg);
    ASSERT_TRUE(h.run(100'000, 60'000 * ms));
    EXPECT_EQ(h[stat_id::calls_attempted], 1000u);
    EXPECT_EQ(h[stat_id::calls_succeeded], 1000u);
    EXPECT_EQ(h[stat_id::calls_failed], 0u);
    EXPECT_EQ(h[stat_id::uas_answered], 1000u);
    EXPECT_EQ(h[stat_id::uas_ended], 1000u);
    EXPECT_EQ(h[stat_id::retrans_sent], 0u);
    EXPECT_EQ(h[stat_id::unexpected], 0u);
    EXPECT_EQ(h[stat_id::late], 0u);
    EXPECT_EQ(h[stat_id::parse_errors], 0u);
    // INVITE, 180, 200, ACK, BYE, 200 per call, every one delivered.
    EXPECT_EQ(h[stat_id::msgs_sent], 6000u);
    EXPECT_EQ(h[stat_id::msgs_received], 6000u);
    EXPECT_EQ(h[stat_id::requests_sent], 3000u);
    EXPECT_EQ(h[stat_id::responses_sent], 3000u);
    EXPECT_EQ(h.net.misrouted, 0u);
    EXPECT_EQ(h.engine->active(), 0u);
    // Setup latency: one sample per call, two one-way delays (INVITE, 200)
    // give or take a clock step.
    const stats_snapshot s = take_snapshot(h.stats);
    EXPECT_EQ(s.latency.total, 1000u);
    EXPECT_GE(s.latency.quantile_ns(0.5), 400'000u);
    EXPECT_LE(s.latency.quantile_ns(0.999), 520'000u);
}

TEST(LoadgenEngine, CallIdsTagsAndBranchesAreDistinct) {
    engine_config cfg = direct_config();
    cfg.rate = 1000;
    cfg.calls = 200;
    harness h(cfg);
    h.net.keep_log = true;
    ASSERT_TRUE(h.run(100'000, 60'000 * ms));
    auto value_of = [](const std::string& msg, std::string_view prefix) {
        const std::size_t at = msg.find(prefix);
        return at == std::string::npos ? std::string() : msg.substr(at, msg.find('\r', at) - at);
    };
    std::vector<std::string> call_ids, branches, from_lines;
    for (const std::string& m : h.net.log) {
        if (m.starts_with("INVITE ")) {
            call_ids.push_back(value_of(m, "Call-ID: "));
            branches.push_back(value_of(m, "branch="));
            from_lines.push_back(value_of(m, "From: "));
        } else if (m.starts_with("BYE ")) {
            branches.push_back(value_of(m, "branch="));
        }
    }
    ASSERT_EQ(call_ids.size(), 200u);
    for (auto* list : {&call_ids, &branches, &from_lines}) {
        std::sort(list->begin(), list->end());
        EXPECT_EQ(std::adjacent_find(list->begin(), list->end()), list->end());
    }
    EXPECT_EQ(branches.size(), 400u);
}

TEST(LoadgenEngine, LossIsRecoveredByRetransmission) {
    engine_config cfg = direct_config();
    cfg.rate = 500;
    cfg.calls = 500;
    cfg.t1_ms = 50; // shorter timers: the run stays short in simulated time
    cfg.t2_ms = 400;
    harness h(cfg);
    std::uint64_t lcg = 7;
    h.net.drop = [&lcg](const wire::packet&) {
        lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
        return (lcg >> 33) % 100 < 10; // 10 % each way
    };
    ASSERT_TRUE(h.run(100'000, 600'000 * ms));
    EXPECT_GT(h.net.dropped, 100u);
    EXPECT_EQ(h[stat_id::calls_attempted], 500u);
    EXPECT_EQ(h[stat_id::calls_succeeded], 500u)
        << "failed: setup timeout " << h[stat_id::fail_setup_timeout] << ", bye timeout "
        << h[stat_id::fail_bye_timeout];
    EXPECT_EQ(h[stat_id::calls_failed], 0u);
    EXPECT_GT(h[stat_id::retrans_invite], 0u);
    EXPECT_GT(h[stat_id::retrans_bye], 0u);
    EXPECT_GT(h[stat_id::retrans_200], 0u);
    EXPECT_GT(h[stat_id::retrans_received], 0u);
    EXPECT_GE(h[stat_id::retrans_sent],
              h[stat_id::retrans_invite] + h[stat_id::retrans_bye] + h[stat_id::retrans_200]);
    EXPECT_EQ(h[stat_id::unexpected], 0u);
    EXPECT_EQ(h[stat_id::parse_errors], 0u);
    EXPECT_EQ(h.engine->active(), 0u);
}

TEST(LoadgenEngine, SilenceEndsInTimerBAfterSixRetransmissions) {
    engine_config cfg = direct_config();
    cfg.rate = 100;
    cfg.calls = 20;
    harness h(cfg);
    h.net.drop = [](const wire::packet&) { return true; };
    ASSERT_TRUE(h.run(1 * ms, 120'000 * ms));
    EXPECT_EQ(h[stat_id::calls_failed], 20u);
    EXPECT_EQ(h[stat_id::fail_setup_timeout], 20u);
    // Timer A at 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s; timer B at 32 s.
    EXPECT_EQ(h[stat_id::retrans_invite], 6u * 20u);
    EXPECT_EQ(h[stat_id::msgs_sent], 7u * 20u);
    EXPECT_EQ(h.engine->active(), 0u);
}

TEST(LoadgenEngine, DurationBoundsThePlacing) {
    engine_config cfg = direct_config();
    cfg.rate = 200;
    cfg.duration_ms = 1500;
    harness h(cfg);
    ASSERT_TRUE(h.run(100'000, 60'000 * ms));
    EXPECT_EQ(h[stat_id::calls_attempted], 300u);
    EXPECT_EQ(h[stat_id::calls_succeeded], 300u);
}

// A duration is rate x duration calls, whenever the loop comes round: a pass
// that lands past the end (7 ms passes: at 1,498 ms, then 1,505 ms) still places
// the call due at 1,499 ms, and a loop too slow for the rate (40 due per 20 ms
// pass, at most 32 placed) places its backlog at the end and reports how late.
TEST(LoadgenEngine, DurationPlacesEveryCallDueWithinIt) {
    engine_config cfg = direct_config();
    cfg.rate = 1000;
    cfg.duration_ms = 1500;
    harness on_time(cfg);
    ASSERT_TRUE(on_time.run(7 * ms, 60'000 * ms));
    EXPECT_EQ(on_time[stat_id::calls_attempted], 1500u);
    EXPECT_EQ(on_time[stat_id::calls_succeeded], 1500u);
    EXPECT_LE(on_time.engine->final_schedule_lag(), 7 * ms);

    cfg.rate = 2000;
    harness behind(cfg);
    ASSERT_TRUE(behind.run(20 * ms, 60'000 * ms));
    EXPECT_EQ(behind[stat_id::calls_attempted], 3000u);
    EXPECT_EQ(behind[stat_id::calls_succeeded], 3000u);
    // 75 passes placed at most 2,400 by 1,480 ms; the oldest of the rest was
    // due at 1,200 ms or before.
    EXPECT_GE(behind.engine->final_schedule_lag(), 300 * ms);
}

TEST(LoadgenEngine, FullTableIsCountedAsFailure) {
    engine_config cfg = direct_config();
    cfg.rate = 1000;
    cfg.calls = 100;
    cfg.capacity = 10;
    cfg.hold_ms = 1000; // slots stay busy
    harness h(cfg);
    ASSERT_TRUE(h.run(100'000, 60'000 * ms));
    EXPECT_EQ(h[stat_id::calls_attempted], 100u);
    EXPECT_GT(h[stat_id::fail_table_full], 0u);
    EXPECT_EQ(h[stat_id::calls_succeeded] + h[stat_id::fail_table_full], 100u);
    EXPECT_EQ(h[stat_id::calls_failed], h[stat_id::fail_table_full]);
}

TEST(LoadgenEngine, HoldDelaysTheBye) {
    engine_config cfg = direct_config();
    cfg.rate = 10;
    cfg.calls = 1;
    cfg.hold_ms = 2000;
    harness h(cfg);
    ASSERT_TRUE(h.run(1 * ms, 60'000 * ms));
    EXPECT_EQ(h[stat_id::calls_succeeded], 1u);
    // The run ends with the BYE's 200: after the hold, late by at most the
    // wheel's bound for that delay (and a few steps of the simulated clock).
    const std::uint64_t late_ms = timer::timer_wheel::max_lateness(2000);
    EXPECT_GE(h.net.now - 1'000 * ms, 2000 * ms);
    EXPECT_LT(h.net.now - 1'000 * ms, (2000 + late_ms + 5) * ms);
}

TEST(LoadgenEngine, StrangersAreCountedNotTrusted) {
    engine_config cfg = direct_config();
    cfg.rate = 10;
    cfg.calls = 1;
    harness h(cfg);
    h.net.now = 5 * ms;
    h.engine->start(h.net.now);
    h.deliver("garbage\r\n\r\n", side::uas, uac_ip, 5061);
    EXPECT_EQ(h[stat_id::parse_errors], 1u);
    const std::string foreign =
        "BYE sip:uas1@198.51.100.3:5060 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 198.51.100.9:5060;branch=z9hG4bKforeign\r\n"
        "From: <sip:x@198.51.100.9>;tag=1\r\nTo: <sip:y@198.51.100.3>;tag=2\r\n"
        "Call-ID: not-one-of-ours@198.51.100.9\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n";
    h.deliver(foreign, side::uas, 0xc6336409, 5060);
    EXPECT_EQ(h[stat_id::unexpected], 1u);
    // One of ours in form, but for a slot that never held that call.
    std::string forged = foreign;
    forged.replace(forged.find("not-one-of-ours"), 15, "lg00000000.00000000.0123456789abcdef");
    h.deliver(forged, side::uas, 0xc6336409, 5060);
    EXPECT_EQ(h[stat_id::unexpected], 2u);
    EXPECT_EQ(h.net.sent, 0u); // nothing answered
}

// A Call-ID of our form is matched only when every digit is a hex digit: one
// that is not must not be read as some other digit of a live call.
TEST(LoadgenEngine, CallIdWithANonHexDigitIsNotALiveCall) {
    engine_config cfg = direct_config();
    cfg.rate = 10;
    cfg.calls = 1;
    harness h(cfg);
    h.net.keep_log = true;
    h.net.now = 5 * ms;
    h.engine->start(h.net.now);
    h.engine->on_pass(h.net.now); // places call 0: its INVITE is on the wire
    ASSERT_EQ(h.net.log.size(), 1u);
    const std::string& invite = h.net.log[0];
    auto line_of = [&](std::string_view name) {
        const std::size_t at = invite.find(name);
        return invite.substr(at, invite.find("\r\n", at) + 2 - at);
    };
    const std::string call_id = line_of("Call-ID: ");
    ASSERT_NE(call_id.find("lg00000000."), std::string::npos) << call_id;
    auto trying = [&](const std::string& call_id_line) {
        return "SIP/2.0 100 Trying\r\n" + line_of("Via: ") + line_of("From: ") + line_of("To: ") +
               call_id_line + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    };
    // 'g' is not a hex digit; its low four bits are those of the '0' it replaces.
    std::string not_hex = call_id;
    not_hex.replace(not_hex.find("lg0") + 2, 1, "g");
    h.deliver(trying(not_hex), side::uac, uas_ip, 5060);
    EXPECT_EQ(h[stat_id::unexpected], 1u);
    h.deliver(trying(call_id), side::uac, uas_ip, 5060);
    EXPECT_EQ(h[stat_id::unexpected], 1u); // the real one is the call's
}

TEST(LoadgenHistogram, BucketsBoundValuesWithinThreePercent) {
    for (std::uint64_t v : {0ull, 1ull, 63ull, 64ull, 65ull, 127ull, 128ull, 1000ull, 123456ull,
                            999'999'999ull, (1ull << 40) - 1}) {
        const std::size_t b = latency_histogram::bucket_of(v);
        const std::uint64_t hi = latency_histogram::upper_bound(b);
        EXPECT_GE(hi, v) << v;
        EXPECT_LE(static_cast<double>(hi - v), static_cast<double>(v) / 32.0 + 1) << v;
        if (b > 0) {
            EXPECT_LT(latency_histogram::upper_bound(b - 1), v) << v;
        }
    }
    EXPECT_EQ(latency_histogram::bucket_of(1ull << 41), latency_histogram::buckets - 1);
    histogram_snapshot s;
    for (std::uint64_t v = 1; v <= 1000; ++v) {
        ++s.counts[latency_histogram::bucket_of(v * 1000)];
        ++s.total;
    }
    EXPECT_NEAR(static_cast<double>(s.quantile_ns(0.5)), 500'000.0, 500'000.0 / 32);
    EXPECT_NEAR(static_cast<double>(s.quantile_ns(0.99)), 990'000.0, 990'000.0 / 32);
    EXPECT_GE(s.max_ns(), 1'000'000u);
}

} // namespace
} // namespace sipedge::loadgen
