// SIP timer values against RFC 3261 Table 4, RFC 6026 §8 and RFC 4028 §10.

#include "dataplane/timer/sip_timers.hh"

#include <chrono>
#include <gtest/gtest.h>

namespace sipedge::timer {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
constexpr auto udp = sip_transport::unreliable;
constexpr auto tcp = sip_transport::reliable;

TEST(sip_timers, rfc3261_table_4_defaults_unreliable) {
    EXPECT_EQ(sip_timer_duration(sip_timer::a, udp), milliseconds(500));
    EXPECT_EQ(sip_timer_duration(sip_timer::b, udp), seconds(32));
    EXPECT_GT(sip_timer_duration(sip_timer::c, udp), std::chrono::minutes(3));
    EXPECT_EQ(sip_timer_duration(sip_timer::d, udp), seconds(32));
    EXPECT_EQ(sip_timer_duration(sip_timer::e, udp), milliseconds(500));
    EXPECT_EQ(sip_timer_duration(sip_timer::f, udp), seconds(32));
    EXPECT_EQ(sip_timer_duration(sip_timer::g, udp), milliseconds(500));
    EXPECT_EQ(sip_timer_duration(sip_timer::h, udp), seconds(32));
    EXPECT_EQ(sip_timer_duration(sip_timer::i, udp), seconds(5));
    EXPECT_EQ(sip_timer_duration(sip_timer::j, udp), seconds(32));
    EXPECT_EQ(sip_timer_duration(sip_timer::k, udp), seconds(5));
    EXPECT_EQ(sip_timer_duration(sip_timer::l, udp), seconds(32));
    EXPECT_EQ(sip_timer_duration(sip_timer::m, udp), seconds(32));
}

TEST(sip_timers, reliable_transport_zeroes_d_i_j_k_and_drops_retransmits) {
    for (sip_timer t : {sip_timer::d, sip_timer::i, sip_timer::j, sip_timer::k}) {
        EXPECT_EQ(sip_timer_duration(t, tcp), milliseconds(0)) << sip_timer_name(t);
        EXPECT_TRUE(sip_timer_applies(t, tcp));
    }
    for (sip_timer t : {sip_timer::a, sip_timer::e, sip_timer::g}) {
        EXPECT_FALSE(sip_timer_applies(t, tcp)) << sip_timer_name(t);
        EXPECT_TRUE(sip_timer_applies(t, udp));
        EXPECT_EQ(sip_timer_duration(t, tcp), milliseconds(0));
    }
    // Transaction timeouts and RFC 6026's L and M do not depend on the transport.
    for (sip_timer t : {sip_timer::b, sip_timer::f, sip_timer::h, sip_timer::l, sip_timer::m}) {
        EXPECT_EQ(sip_timer_duration(t, tcp), seconds(32)) << sip_timer_name(t);
    }
    EXPECT_EQ(sip_timer_duration(sip_timer::c, tcp), sip_timer_duration(sip_timer::c, udp));
}

TEST(sip_timers, values_follow_t1_t2_t4) {
    const sip_timer_config c{
        .t1 = milliseconds(100), .t2 = milliseconds(1000), .t4 = milliseconds(2500)};
    EXPECT_EQ(sip_timer_duration(sip_timer::a, udp, c), milliseconds(100));
    EXPECT_EQ(sip_timer_duration(sip_timer::b, udp, c), milliseconds(6400));
    EXPECT_EQ(sip_timer_duration(sip_timer::j, udp, c), milliseconds(6400));
    EXPECT_EQ(sip_timer_duration(sip_timer::k, udp, c), milliseconds(2500));
    EXPECT_EQ(sip_timer_duration(sip_timer::l, tcp, c), milliseconds(6400));
    EXPECT_EQ(sip_retransmit_next(sip_timer::e, milliseconds(800), c), milliseconds(1000));
}

TEST(sip_timers, timer_a_doubles_without_cap) {
    milliseconds a = sip_timer_duration(sip_timer::a, udp);
    const milliseconds expected[] = {milliseconds(1000), milliseconds(2000), milliseconds(4000),
                                     milliseconds(8000), milliseconds(16000)};
    for (milliseconds e : expected) {
        a = sip_retransmit_next(sip_timer::a, a);
        EXPECT_EQ(a, e);
    }
}

TEST(sip_timers, timers_e_and_g_double_up_to_t2) {
    for (sip_timer t : {sip_timer::e, sip_timer::g}) {
        milliseconds v = sip_timer_duration(t, udp);
        const milliseconds expected[] = {milliseconds(1000), milliseconds(2000), milliseconds(4000),
                                         milliseconds(4000)};
        for (milliseconds e : expected) {
            v = sip_retransmit_next(t, v);
            EXPECT_EQ(v, e) << sip_timer_name(t);
        }
    }
    EXPECT_EQ(sip_timer_e_proceeding(), milliseconds(4000));
    EXPECT_EQ(sip_retransmit_next(sip_timer::b, seconds(32)), seconds(32)) << "B does not repeat";
}

TEST(sip_timers, validate) {
    EXPECT_TRUE(validate(sip_timer_config{}).ok());
    EXPECT_FALSE(validate(sip_timer_config{.t1 = milliseconds(0)}).ok());
    EXPECT_FALSE(validate(sip_timer_config{.t1 = milliseconds(500), .t2 = milliseconds(400)}).ok());
    EXPECT_FALSE(validate(sip_timer_config{.t4 = milliseconds(0)}).ok());
    EXPECT_FALSE(validate(sip_timer_config{.timer_c = std::chrono::minutes(3)}).ok());
    EXPECT_FALSE(validate(sip_timer_config{.timer_d = seconds(31)}).ok());
    EXPECT_EQ(validate(sip_timer_config{.timer_d = seconds(31)}).error_code(),
              timer_errc::invalid_config);
}

TEST(sip_timers, tick_table_rounds_up) {
    const sip_timer_ticks one_ms(sip_timer_config{}, tick_scale(milliseconds(1)));
    EXPECT_EQ(one_ms.initial(sip_timer::a, udp), 500u);
    EXPECT_EQ(one_ms.initial(sip_timer::b, udp), 32000u);
    EXPECT_EQ(one_ms.initial(sip_timer::k, tcp), 0u);
    EXPECT_EQ(one_ms.initial(sip_timer::k, udp), 5000u);
    EXPECT_EQ(one_ms.next_retransmit(sip_timer::a, 4000), 8000u);
    EXPECT_EQ(one_ms.next_retransmit(sip_timer::g, 2000), 4000u);
    EXPECT_EQ(one_ms.next_retransmit(sip_timer::g, 4000), 4000u);
    EXPECT_EQ(one_ms.e_proceeding(), 4000u);

    const sip_timer_ticks three_ms(sip_timer_config{}, tick_scale(milliseconds(3)));
    EXPECT_EQ(three_ms.initial(sip_timer::a, udp), 167u) << "500/3 rounded up";
    EXPECT_EQ(three_ms.e_proceeding(), 1334u);
    for (std::size_t t = 0; t < sip_timer_count; ++t) {
        for (sip_transport tp : {udp, tcp}) {
            const auto timer = static_cast<sip_timer>(t);
            EXPECT_LE(three_ms.initial(timer, tp), timer_wheel::max_delay);
            EXPECT_GE(three_ms.initial(timer, tp) * 3,
                      static_cast<tick_t>(sip_timer_duration(timer, tp).count()));
        }
    }
}

TEST(sip_timers, names) {
    EXPECT_EQ(sip_timer_name(sip_timer::a), "A");
    EXPECT_EQ(sip_timer_name(sip_timer::m), "M");
}

TEST(session_timers, rfc4028_deadlines) {
    const auto d = session_deadlines(seconds(1800));
    EXPECT_EQ(d.refresh, seconds(900));
    EXPECT_EQ(d.bye, seconds(1768)) << "margin min(32 s, SE/3) = 32 s";
    EXPECT_EQ(d.expire, seconds(1800));

    const auto m = session_deadlines(session_min_se_floor);
    EXPECT_EQ(m.refresh, seconds(45));
    EXPECT_EQ(m.bye, seconds(60)) << "SE/3 = 30 s < 32 s";

    EXPECT_EQ(session_bye_margin(seconds(96)), seconds(32));
    EXPECT_EQ(session_bye_margin(seconds(91)), milliseconds(30333));
    EXPECT_EQ(session_bye_margin(seconds(86400)), seconds(32));
    EXPECT_EQ(session_default_se, seconds(1800));
}

TEST(session_timers, ticks_never_overrun_the_bye_deadline) {
    const tick_scale scale(milliseconds(1));
    for (long se : {90L, 91L, 600L, 1800L, 7200L, 86400L}) {
        const auto t = session_deadline_ticks(seconds(se), scale);
        const auto d = session_deadlines(seconds(se));
        EXPECT_EQ(t.refresh, static_cast<tick_t>(d.refresh.count()));
        EXPECT_EQ(t.expire, static_cast<tick_t>(d.expire.count()));
        EXPECT_LE(t.bye + timer_wheel::max_lateness(t.bye), static_cast<tick_t>(d.bye.count()))
            << "SE " << se;
        EXPECT_GT(t.bye, t.refresh) << "BYE deadline after the refresh point, SE " << se;
        EXPECT_LE(t.expire, timer_wheel::max_delay) << "24 h sessions fit the wheel";
    }
}

} // namespace
} // namespace sipedge::timer
