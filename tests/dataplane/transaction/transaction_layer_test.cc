// Transaction state machines (RFC 3261 §17 + RFC 6026), driven with parsed
// messages and a manually advanced timer wheel (1 ms ticks, T1 = 500 ms).

#include "dataplane/transaction/transaction_layer.hh"
#include "tests/dataplane/transaction/sip_test_util.hh"

#include <algorithm>
#include <array>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace sipedge::txn {
namespace {

using test::parse;
using test::wire;

std::string invite_text(std::string_view branch = "z9hG4bKabc", std::string_view method = "INVITE",
                        std::string_view to_tag = "") {
    std::string s = std::string(method) +
                    " sip:bob@biloxi.example.com SIP/2.0\n"
                    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=" +
                    std::string(branch) +
                    "\n"
                    "Max-Forwards: 70\n"
                    "From: <sip:alice@atlanta.example.com>;tag=1\n"
                    "To: <sip:bob@biloxi.example.com>" +
                    (to_tag.empty() ? "" : ";tag=" + std::string(to_tag)) +
                    "\n"
                    "Call-ID: call1@atlanta.example.com\n"
                    "CSeq: 1 " +
                    std::string(method == "ACK" ? "ACK" : method) +
                    "\n"
                    "Content-Length: 0\n\n";
    return wire(s);
}

std::string response_text(int status, std::string_view method = "INVITE",
                          std::string_view branch = "z9hG4bKabc", std::string_view tag = "b1") {
    return wire("SIP/2.0 " + std::to_string(status) +
                " Whatever\n"
                "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=" +
                std::string(branch) +
                "\n"
                "From: <sip:alice@atlanta.example.com>;tag=1\n"
                "To: <sip:bob@biloxi.example.com>;tag=" +
                std::string(tag) +
                "\n"
                "Call-ID: call1@atlanta.example.com\n"
                "CSeq: 1 " +
                std::string(method) +
                "\n"
                "Content-Length: 0\n\n");
}

timer::timer_wheel make_wheel() {
    return timer::timer_wheel::create({.capacity = 4096, .start_tick = 0, .kinds = 1}).value();
}

class transaction_test : public ::testing::Test {
protected:
    transaction_test()
        : wheel(make_wheel()),
          layer(transaction_layer_config{.capacity = 8}, wheel, counters,
                tu_hooks{this, &transaction_test::on_failed, &transaction_test::on_terminated}),
          bytes(1 << 20), out(msgs, bytes) {}

    static void on_failed(void* self, txn_id id, std::uint16_t status) {
        static_cast<transaction_test*>(self)->failed.emplace_back(id, status);
    }
    static void on_terminated(void* self, txn_id id) {
        static_cast<transaction_test*>(self)->terminated.push_back(id);
    }
    void advance_to(timer::tick_t ms) {
        layer.set_timer_outbox(&out);
        wheel.advance(ms);
    }
    // The wheel fires a timer with delay d at most max_lateness(d) ticks late and
    // never early (timer_wheel.hh); deadlines are checked within that bound.
    static timer::tick_t late(timer::tick_t d) { return timer::timer_wheel::max_lateness(d); }
    // Steps the wheel one tick at a time until `until`, recording the ticks at which
    // something was sent.
    std::vector<timer::tick_t> send_ticks(timer::tick_t until) {
        std::vector<timer::tick_t> ticks;
        for (timer::tick_t t = wheel.now() + 1; t <= until; ++t) {
            const std::size_t before = out.size();
            advance_to(t);
            for (std::size_t i = before; i < out.size(); ++i) {
                ticks.push_back(t);
            }
        }
        return ticks;
    }
    // Intervals between consecutive sends match `expected` within the wheel's bound.
    static void expect_intervals(timer::tick_t first, const std::vector<timer::tick_t>& ticks,
                                 const std::vector<timer::tick_t>& expected) {
        ASSERT_GE(ticks.size(), expected.size());
        timer::tick_t prev = first;
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const timer::tick_t gap = ticks[i] - prev;
            EXPECT_GE(gap, expected[i]) << "send " << i;
            EXPECT_LE(gap, expected[i] + late(expected[i])) << "send " << i;
            prev = ticks[i];
        }
    }
    // What happened, tick by tick, from the tick after now() to `until`: when
    // something was sent, when the TU was told of a failure, when the transaction
    // ended (0: not within the run).
    struct timeline {
        std::vector<timer::tick_t> sends;
        timer::tick_t failed_at = 0;
        timer::tick_t terminated_at = 0;
    };
    timeline run_until(timer::tick_t until) {
        timeline tl;
        for (timer::tick_t t = wheel.now() + 1; t <= until; ++t) {
            const std::size_t before = out.size();
            const std::size_t failed_before = failed.size();
            const std::size_t terminated_before = terminated.size();
            advance_to(t);
            for (std::size_t i = before; i < out.size(); ++i) {
                tl.sends.push_back(t);
            }
            if (failed.size() != failed_before) {
                EXPECT_EQ(tl.failed_at, 0u) << "failed twice";
                tl.failed_at = t;
            }
            if (terminated.size() != terminated_before) {
                EXPECT_EQ(tl.terminated_at, 0u) << "terminated twice";
                tl.terminated_at = t;
            }
        }
        return tl;
    }
    // RFC 3261 §17 retransmission schedule against its timeout: the k-th retransmission
    // comes interval(k) after the one before (the first after t0), within the wheel's
    // bound; the timeout ends the transaction `timeout` after t0, never early and at
    // most max_lateness(timeout) late; nothing is sent after it. Every retransmission
    // whose latest possible tick is before the timeout must have happened; none whose
    // earliest is after the timeout's latest may.
    template <typename Interval>
    static void expect_schedule(timer::tick_t t0, const timeline& tl, Interval interval,
                                timer::tick_t timeout, timer::tick_t ended_at) {
        ASSERT_GE(ended_at, t0 + timeout) << "timeout early";
        ASSERT_LE(ended_at, t0 + timeout + late(timeout)) << "timeout late";
        std::size_t must = 0;
        std::size_t may = 0;
        timer::tick_t earliest = t0;
        timer::tick_t latest = t0;
        for (std::size_t k = 0;; ++k) {
            earliest += interval(k);
            latest += interval(k) + late(interval(k));
            if (latest < t0 + timeout) {
                ++must;
            }
            if (earliest > t0 + timeout + late(timeout)) {
                break;
            }
            ++may;
        }
        EXPECT_GE(tl.sends.size(), must);
        EXPECT_LE(tl.sends.size(), may);
        timer::tick_t prev = t0;
        for (std::size_t k = 0; k < tl.sends.size(); ++k) {
            EXPECT_GE(tl.sends[k] - prev, interval(k)) << "retransmission " << k;
            EXPECT_LE(tl.sends[k] - prev, interval(k) + late(interval(k)))
                << "retransmission " << k;
            EXPECT_LE(tl.sends[k], ended_at) << "sent after the timeout";
            prev = tl.sends[k];
        }
    }
    static timer::tick_t doubling(std::size_t k) { return timer::tick_t{500} << k; } // A
    static timer::tick_t doubling_to_t2(std::size_t k) {                             // E, G
        return k < 3 ? timer::tick_t{500} << k : timer::tick_t{4000};
    }
    bool is_terminated(txn_id id) const {
        return std::find(terminated.begin(), terminated.end(), id) != terminated.end();
    }
    std::string sent(std::size_t i) const { return std::string(out.bytes(out[i])); }

    txn_id client(bool invite, transport tp = transport::udp) {
        const std::string req = invite_text("z9hG4bKabc", invite ? "INVITE" : "OPTIONS");
        return layer.create_client(
            layer.keys().client_key("z9hG4bKabc", invite ? "INVITE" : "OPTIONS"), invite, tp,
            endpoint::ipv4(192, 0, 2, 9, 5060), req, 7, 1, out);
    }
    client_disposition respond(txn_id id, int status, std::string_view method = "INVITE",
                               std::string_view tag = "b1") {
        auto r = parse(response_text(status, method, "z9hG4bKabc", tag));
        EXPECT_TRUE(r.ok);
        return layer.on_response(id, *r, out);
    }

    counter_block counters;
    timer::timer_wheel wheel;
    transaction_layer layer;
    std::array<outgoing_message, 256> msgs;
    std::vector<char> bytes;
    outbox out;
    std::vector<std::pair<txn_id, std::uint16_t>> failed;
    std::vector<txn_id> terminated;
};

// ---------------------------------------------------------------- INVITE client

TEST_F(transaction_test, invite_client_retransmits_with_timer_a_doubling_over_udp) {
    const txn_id id = client(true);
    ASSERT_NE(id, no_txn);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].txn, id);
    // A: T1, then doubling without a cap until B (64*T1) ends the transaction.
    // (The sixth, due at 31.5 s, may land just after B with the wheel's lateness.)
    const auto ticks = send_ticks(31000);
    expect_intervals(0, ticks, {500, 1000, 2000, 4000, 8000});
    EXPECT_EQ(ticks.size(), 5u);
    EXPECT_EQ(sent(3), sent(0));
    EXPECT_EQ(layer.get(id).state, txn_state::calling);
}

TEST_F(transaction_test, new_timer_values_apply_to_transactions_started_afterwards) {
    // A live reload halves T1: the next INVITE retransmits at 250, 500, 1000 ...
    // and times out at 64 * 250 ms.
    timer::sip_timer_config halved;
    halved.t1 = std::chrono::milliseconds(250);
    layer.set_timers(halved, std::chrono::milliseconds(1));
    const txn_id id = client(true);
    ASSERT_NE(id, no_txn);
    const auto ticks = send_ticks(15900);
    expect_intervals(0, ticks, {250, 500, 1000, 2000, 4000});
    EXPECT_TRUE(failed.empty());
    advance_to(16000 + late(16000));
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0], std::make_pair(id, std::uint16_t{408}));
}

TEST_F(transaction_test, invite_client_timer_b_reports_408_and_ends) {
    const txn_id id = client(true);
    advance_to(31999);
    EXPECT_TRUE(failed.empty());
    advance_to(32000 + late(32000)); // B = 64*T1
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0], std::make_pair(id, std::uint16_t{408}));
    EXPECT_TRUE(is_terminated(id));
    EXPECT_EQ(layer.size(), 0u);
}

TEST_F(transaction_test, invite_client_over_tcp_never_retransmits) {
    const txn_id id = client(true, transport::tcp);
    advance_to(20000);
    EXPECT_EQ(out.size(), 1u);
    advance_to(32000 + late(32000));
    EXPECT_EQ(failed.size(), 1u);
    EXPECT_TRUE(is_terminated(id));
}

TEST_F(transaction_test, invite_client_provisional_stops_retransmissions_and_timer_b) {
    const txn_id id = client(true);
    EXPECT_EQ(respond(id, 180), client_disposition::pass_up);
    EXPECT_EQ(layer.get(id).state, txn_state::proceeding);
    advance_to(100000);
    EXPECT_EQ(out.size(), 1u);
    EXPECT_TRUE(failed.empty());
    EXPECT_FALSE(is_terminated(id));
}

// RFC 6026 §8.4: 2xx -> Accepted; later 2xx (other forks) still pass up; Timer M ends.
TEST_F(transaction_test, invite_client_accepted_passes_every_2xx_until_timer_m) {
    const txn_id id = client(true);
    EXPECT_EQ(respond(id, 180), client_disposition::pass_up);
    EXPECT_EQ(respond(id, 200, "INVITE", "fork1"), client_disposition::pass_up);
    EXPECT_EQ(layer.get(id).state, txn_state::accepted);
    EXPECT_EQ(out.size(), 1u); // no ACK for a 2xx: that is the UAC core's job
    EXPECT_EQ(respond(id, 200, "INVITE", "fork1"), client_disposition::pass_up); // retransmission
    EXPECT_EQ(respond(id, 200, "INVITE", "fork2"), client_disposition::pass_up); // second fork
    EXPECT_EQ(respond(id, 486), client_disposition::absorbed);
    advance_to(31999);
    EXPECT_FALSE(is_terminated(id));
    advance_to(32000 + late(32000)); // Timer M = 64*T1
    EXPECT_TRUE(is_terminated(id));
    EXPECT_EQ(layer.find(layer.keys().client_key("z9hG4bKabc", "INVITE")), no_txn);
}

// The TU drops a client's request once a 2xx has come: its chunks go back at once,
// and the transaction still passes later 2xx up until Timer M. Before the final
// response, and after a non-2xx, the request stays (retransmission, CANCEL, ACK).
TEST_F(transaction_test, drop_request_frees_the_request_only_after_a_2xx) {
    const std::uint32_t all_free = layer.store().chunks_free();
    const txn_id id = client(true);
    const std::uint32_t with_request = layer.store().chunks_free();
    ASSERT_LT(with_request, all_free);
    layer.drop_request(id); // Calling: still retransmits
    EXPECT_EQ(layer.store().chunks_free(), with_request);
    EXPECT_EQ(respond(id, 180), client_disposition::pass_up);
    layer.drop_request(id); // Proceeding: CANCEL may still need it
    EXPECT_EQ(layer.store().chunks_free(), with_request);
    EXPECT_EQ(respond(id, 200, "INVITE", "fork1"), client_disposition::pass_up);
    layer.drop_request(id);
    EXPECT_EQ(layer.store().chunks_free(), all_free);
    EXPECT_EQ(respond(id, 200, "INVITE", "fork2"), client_disposition::pass_up);
    advance_to(32000 + late(32000));
    EXPECT_TRUE(is_terminated(id));
    EXPECT_EQ(layer.store().chunks_free(), all_free);

    const txn_id nict = client(false);
    EXPECT_EQ(respond(nict, 200, "OPTIONS"), client_disposition::pass_up);
    layer.drop_request(nict); // NICT Completed after a 2xx
    EXPECT_EQ(layer.store().chunks_free(), all_free);

    const txn_id rejected = client(true);
    EXPECT_EQ(respond(rejected, 486), client_disposition::pass_up);
    const std::uint32_t with_ack = layer.store().chunks_free();
    layer.drop_request(rejected); // non-2xx: kept
    EXPECT_EQ(layer.store().chunks_free(), with_ack);
}

TEST_F(transaction_test, invite_client_non_2xx_generates_ack_and_absorbs_retransmissions) {
    const txn_id id = client(true);
    EXPECT_EQ(respond(id, 486), client_disposition::pass_up);
    EXPECT_EQ(layer.get(id).state, txn_state::completed);
    ASSERT_EQ(out.size(), 2u);
    auto ack = parse(sent(1));
    ASSERT_TRUE(ack.ok);
    EXPECT_EQ(ack->method(), "ACK");
    EXPECT_EQ(ack->request_uri(), "sip:bob@biloxi.example.com");
    EXPECT_EQ(ack.first(sip::header_id::cseq), "1 ACK");
    EXPECT_EQ(ack.first(sip::header_id::to), "<sip:bob@biloxi.example.com>;tag=b1");
    EXPECT_EQ(ack.values(sip::header_id::via).size(), 1u);
    EXPECT_EQ(ack.values(sip::header_id::via)[0], "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc");
    EXPECT_EQ(out[1].destination, endpoint::ipv4(192, 0, 2, 9, 5060));
    // A retransmitted final is not passed up; the ACK goes again.
    EXPECT_EQ(respond(id, 486), client_disposition::absorbed);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(sent(2), sent(1));
    advance_to(31999); // Timer D: 32 s on UDP
    EXPECT_FALSE(is_terminated(id));
    EXPECT_EQ(out.size(), 3u); // Timer A stopped
    advance_to(32000 + late(32000));
    EXPECT_TRUE(is_terminated(id));
}

TEST_F(transaction_test, invite_client_non_2xx_over_tcp_still_acks_and_ends_at_once) {
    const txn_id id = client(true, transport::tcp);
    EXPECT_EQ(respond(id, 603), client_disposition::pass_up);
    EXPECT_EQ(out.size(), 2u); // RFC 6026: ACK even on reliable transports
    advance_to(1);             // Timer D = 0 on TCP
    EXPECT_TRUE(is_terminated(id));
}

TEST_F(transaction_test, transport_error_fails_client_with_503) {
    const txn_id id = client(true);
    layer.on_transport_error(id);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].second, 503);
    EXPECT_TRUE(is_terminated(id));
}

// The whole A/B timeline, tick by tick, from several phases of the wheel: A at T1
// doubling from each firing, B at 64*T1 from the start (408, then the end).
TEST_F(transaction_test, invite_client_timeline_of_timers_a_and_b) {
    for (timer::tick_t phase : {0u, 5u, 250u, 1023u, 4095u}) {
        const timer::tick_t t0 = (wheel.now() / 65536 + 1) * 65536 + phase;
        advance_to(t0);
        out.clear();
        failed.clear();
        terminated.clear();
        const txn_id id = client(true);
        ASSERT_NE(id, no_txn);
        ASSERT_EQ(out.size(), 1u) << "the request, at once";
        const timeline tl = run_until(t0 + 34000);
        ASSERT_NE(tl.failed_at, 0u) << "t0 " << t0;
        EXPECT_EQ(tl.terminated_at, tl.failed_at);
        ASSERT_EQ(failed.size(), 1u);
        EXPECT_EQ(failed[0], std::make_pair(id, std::uint16_t{408}));
        expect_schedule(t0, tl, doubling, 32000, tl.failed_at);
        EXPECT_EQ(layer.size(), 0u);
    }
}

// ---------------------------------------------------------------- non-INVITE client

// E/F timelines: E at T1 doubling up to T2 in Trying; after a provisional the
// pending E fires as scheduled and then every T2; F at 64*T1 from the start either way.
TEST_F(transaction_test, non_invite_client_timeline_of_timers_e_and_f) {
    for (timer::tick_t phase : {0u, 5u, 250u, 1023u, 4095u}) {
        const timer::tick_t t0 = (wheel.now() / 65536 + 1) * 65536 + phase;
        advance_to(t0);
        out.clear();
        failed.clear();
        terminated.clear();
        const txn_id id = client(false);
        ASSERT_NE(id, no_txn);
        const timeline tl = run_until(t0 + 34000);
        ASSERT_NE(tl.failed_at, 0u) << "t0 " << t0;
        EXPECT_EQ(tl.terminated_at, tl.failed_at);
        ASSERT_EQ(failed.size(), 1u);
        EXPECT_EQ(failed[0], std::make_pair(id, std::uint16_t{408}));
        expect_schedule(t0, tl, doubling_to_t2, 32000, tl.failed_at);
    }
}

TEST_F(transaction_test, non_invite_client_timeline_after_a_provisional) {
    const timer::tick_t t0 = 777;
    advance_to(t0);
    const txn_id id = client(false);
    ASSERT_NE(id, no_txn);
    // Two retransmissions in Trying (T1, 2*T1), then a provisional before the third.
    timeline tl = run_until(t0 + 2000);
    ASSERT_EQ(tl.sends.size(), 2u);
    EXPECT_EQ(respond(id, 100, "OPTIONS"), client_disposition::pass_up);
    EXPECT_EQ(layer.get(id).state, txn_state::proceeding);
    const timeline rest = run_until(t0 + 34000);
    tl.sends.insert(tl.sends.end(), rest.sends.begin(), rest.sends.end());
    ASSERT_NE(rest.failed_at, 0u);
    // The E pending at the provisional (4*T1) stays; then T2, T2, ...
    auto interval = [](std::size_t k) {
        return k < 3 ? timer::tick_t{500} << k : timer::tick_t{4000};
    };
    expect_schedule(t0, tl, interval, 32000, rest.failed_at);
    EXPECT_EQ(failed.size(), 1u);
}

TEST_F(transaction_test, non_invite_client_timer_e_doubles_up_to_t2_then_f_times_out) {
    const txn_id id = client(false);
    // E: T1, doubling up to T2 (4 s), until F.
    const auto ticks = send_ticks(31000);
    expect_intervals(0, ticks, {500, 1000, 2000, 4000, 4000, 4000, 4000});
    EXPECT_TRUE(failed.empty());
    advance_to(32000 + late(32000)); // F = 64*T1
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].second, 408);
    EXPECT_TRUE(is_terminated(id));
}

TEST_F(transaction_test, non_invite_client_proceeding_retransmits_every_t2) {
    const txn_id id = client(false);
    EXPECT_EQ(respond(id, 100, "OPTIONS"), client_disposition::pass_up);
    // The pending E fires at T1; from then on the interval is T2.
    const auto ticks = send_ticks(9000);
    expect_intervals(0, ticks, {500, 4000, 4000});
    const std::size_t sent_before = out.size();
    EXPECT_EQ(respond(id, 200, "OPTIONS"), client_disposition::pass_up);
    EXPECT_EQ(respond(id, 200, "OPTIONS"), client_disposition::absorbed);
    advance_to(9000 + 5000 + late(5000)); // K = T4
    EXPECT_TRUE(is_terminated(id));
    EXPECT_EQ(out.size(), sent_before);
}

// ---------------------------------------------------------------- INVITE server

class server_test : public transaction_test {
protected:
    txn_id server(bool invite, transport tp = transport::udp) {
        auto req = parse(invite_text("z9hG4bKabc", invite ? "INVITE" : "OPTIONS"));
        return layer.create_server(layer.keys().server_key(*req, req.essentials()), invite, tp,
                                   endpoint::ipv4(192, 0, 2, 1, 5060));
    }
};

TEST_F(server_test, invite_server_resends_latest_provisional_on_retransmission) {
    const txn_id id = server(true);
    EXPECT_EQ(layer.on_request(id, false, out), server_disposition::absorbed); // nothing sent yet
    const std::string ringing = response_text(180);
    layer.send_response(id, 180, ringing, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(layer.on_request(id, false, out), server_disposition::retransmitted);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(sent(1), ringing);
}

// RFC 6026 §7.1: after a 2xx the transaction is Accepted: INVITE retransmissions are
// absorbed, further 2xx are sent, ACK goes to the TU, Timer L ends it.
TEST_F(server_test, invite_server_accepted_absorbs_retransmissions_until_timer_l) {
    const txn_id id = server(true);
    layer.send_response(id, 180, response_text(180), out);
    layer.send_response(id, 200, response_text(200), out);
    EXPECT_EQ(layer.get(id).state, txn_state::accepted);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(layer.on_request(id, false, out), server_disposition::absorbed);
    EXPECT_EQ(out.size(), 2u); // nothing resent: the UAS retransmits its own 2xx
    layer.send_response(id, 200, response_text(200, "INVITE", "z9hG4bKabc", "fork2"), out);
    EXPECT_EQ(out.size(), 3u);
    EXPECT_EQ(layer.on_request(id, true, out), server_disposition::ack_to_tu);
    advance_to(31999);
    EXPECT_FALSE(is_terminated(id));
    EXPECT_EQ(layer.on_request(id, false, out), server_disposition::absorbed);
    advance_to(32000 + late(32000)); // Timer L
    EXPECT_TRUE(is_terminated(id));
}

TEST_F(server_test, invite_server_non_2xx_timer_g_until_ack_then_timer_i) {
    const txn_id id = server(true);
    const std::string busy = response_text(486);
    layer.send_response(id, 486, busy, out);
    EXPECT_EQ(layer.get(id).state, txn_state::completed);
    // G: T1 doubling up to T2.
    const auto ticks = send_ticks(12000);
    expect_intervals(0, ticks, {500, 1000, 2000, 4000, 4000});
    for (std::size_t i = 1; i < out.size(); ++i) {
        EXPECT_EQ(sent(i), busy);
    }
    EXPECT_EQ(layer.on_request(id, false, out), server_disposition::retransmitted); // INVITE again
    EXPECT_EQ(layer.on_request(id, true, out), server_disposition::absorbed);       // ACK
    EXPECT_EQ(layer.get(id).state, txn_state::confirmed);
    const std::size_t n = out.size();
    advance_to(20000);
    EXPECT_EQ(out.size(), n); // G stopped
    EXPECT_EQ(layer.on_request(id, true, out), server_disposition::absorbed);
    advance_to(20000 + 5000 + late(5000)); // I = T4 after the ACK
    EXPECT_TRUE(is_terminated(id));
}

// G/H timeline of a non-2xx final response never ACKed: G at T1 doubling up to T2
// from each firing, H at 64*T1 after the final response; then the end.
TEST_F(server_test, invite_server_timeline_of_timers_g_and_h) {
    for (timer::tick_t phase : {0u, 5u, 250u, 1023u, 4095u}) {
        const timer::tick_t t0 = (wheel.now() / 65536 + 1) * 65536 + phase;
        advance_to(t0);
        out.clear();
        terminated.clear();
        const txn_id id = server(true);
        ASSERT_NE(id, no_txn);
        layer.send_response(id, 486, response_text(486), out);
        ASSERT_EQ(out.size(), 1u);
        const timeline tl = run_until(t0 + 34000);
        ASSERT_NE(tl.terminated_at, 0u) << "t0 " << t0;
        EXPECT_EQ(tl.failed_at, 0u);
        expect_schedule(t0, tl, doubling_to_t2, 32000, tl.terminated_at);
        EXPECT_EQ(layer.size(), 0u);
    }
}

TEST_F(server_test, invite_server_timer_h_ends_without_ack) {
    const txn_id id = server(true);
    layer.send_response(id, 404, response_text(404), out);
    advance_to(31999);
    EXPECT_FALSE(is_terminated(id));
    advance_to(32000 + late(32000));
    EXPECT_TRUE(is_terminated(id));
}

TEST_F(server_test, invite_server_over_tcp_sends_final_once) {
    const txn_id id = server(true, transport::tcp);
    layer.send_response(id, 486, response_text(486), out);
    advance_to(10000);
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(layer.on_request(id, true, out), server_disposition::absorbed);
    advance_to(10001); // I = 0 on TCP
    EXPECT_TRUE(is_terminated(id));
}

TEST_F(server_test, non_invite_server_absorbs_in_trying_and_resends_final) {
    const txn_id id = server(false);
    EXPECT_EQ(layer.on_request(id, false, out), server_disposition::absorbed);
    EXPECT_EQ(out.size(), 0u);
    const std::string ok = response_text(200, "OPTIONS");
    layer.send_response(id, 200, ok, out);
    EXPECT_EQ(layer.on_request(id, false, out), server_disposition::retransmitted);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(sent(1), ok);
    layer.send_response(id, 500, response_text(500, "OPTIONS"), out); // too late: ignored
    EXPECT_EQ(out.size(), 2u);
    advance_to(31999); // J = 64*T1 on UDP
    EXPECT_FALSE(is_terminated(id));
    advance_to(32000 + late(32000));
    EXPECT_TRUE(is_terminated(id));
}

// Each state runs on one wheel timer: A+B, E+F and G+H share one, and a state change
// moves it (D, I, K, L, M) rather than adding one.
TEST_F(server_test, one_wheel_timer_per_transaction_state) {
    const txn_id ict = client(true);
    EXPECT_EQ(wheel.size(), 1u) << "A and B";
    EXPECT_EQ(respond(ict, 180), client_disposition::pass_up);
    EXPECT_EQ(wheel.size(), 0u) << "Proceeding: none";
    EXPECT_EQ(respond(ict, 200), client_disposition::pass_up);
    EXPECT_EQ(wheel.size(), 1u) << "M";
    layer.terminate(ict);
    EXPECT_EQ(wheel.size(), 0u);

    const txn_id ict2 = client(true);
    EXPECT_EQ(respond(ict2, 486), client_disposition::pass_up);
    EXPECT_EQ(wheel.size(), 1u) << "D";
    layer.terminate(ict2);

    const txn_id nict = client(false);
    EXPECT_EQ(wheel.size(), 1u) << "E and F";
    EXPECT_EQ(respond(nict, 100, "OPTIONS"), client_disposition::pass_up);
    EXPECT_EQ(wheel.size(), 1u) << "E and F in Proceeding";
    EXPECT_EQ(respond(nict, 200, "OPTIONS"), client_disposition::pass_up);
    EXPECT_EQ(wheel.size(), 1u) << "K";
    layer.terminate(nict);
    EXPECT_EQ(wheel.size(), 0u);

    const txn_id ist = server(true);
    EXPECT_EQ(wheel.size(), 0u);
    layer.send_response(ist, 486, response_text(486), out);
    EXPECT_EQ(wheel.size(), 1u) << "G and H";
    EXPECT_EQ(layer.on_request(ist, true, out), server_disposition::absorbed);
    EXPECT_EQ(wheel.size(), 1u) << "I";
    layer.terminate(ist);
    EXPECT_EQ(wheel.size(), 0u);
}

TEST_F(server_test, full_table_refuses_new_transactions) {
    std::vector<txn_id> ids;
    for (int i = 0; i < 8; ++i) {
        auto req = parse(invite_text("z9hG4bKn" + std::to_string(i)));
        ids.push_back(layer.create_server(layer.keys().server_key(*req, req.essentials()), true,
                                          transport::udp, endpoint::ipv4(192, 0, 2, 1, 5060)));
        EXPECT_NE(ids.back(), no_txn);
    }
    EXPECT_TRUE(layer.full());
    auto req = parse(invite_text("z9hG4bKextra"));
    EXPECT_EQ(layer.create_server(layer.keys().server_key(*req, req.essentials()), true,
                                  transport::udp, endpoint::ipv4(192, 0, 2, 1, 5060)),
              no_txn);
    layer.terminate(ids[3]);
    EXPECT_FALSE(layer.full());
}

} // namespace
} // namespace sipedge::txn
