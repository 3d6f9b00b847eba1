// RFC 4028 rules as pure functions: §8.1 request decisions, the §9 refresher table
// row by row, §8.2 response decisions and the §10 expiry margin.

#include "dataplane/proxy/session_timer_policy.hh"

#include <gtest/gtest.h>

namespace sipedge::proxy {
namespace {

using parser::refresher;

session_timer_config cfg(std::uint32_t min_se, bool insert = false) {
    session_timer_config c;
    c.min_se = min_se;
    c.insert_when_absent = insert;
    return c;
}

// What the proxy remembered from the request.
request_decision remembered(std::uint32_t se, bool uac_supports) {
    request_decision r;
    r.se = se;
    r.uac_supports = uac_supports;
    return r;
}

timer_headers req(std::uint32_t se, bool supports, refresher r = refresher::none) {
    timer_headers h;
    h.has_se = se != 0;
    h.se = se;
    h.refresher = r;
    h.supports_timer = supports;
    return h;
}

TEST(session_timer_policy, below_min_se_with_timer_support_is_422) {
    const request_decision d = decide_request(req(90, true), cfg(3600));
    EXPECT_TRUE(d.reject_422);
}

TEST(session_timer_policy, below_min_se_without_timer_support_is_raised_never_422) {
    for (const std::uint32_t se : {1u, 89u, 90u, 3599u}) {
        const request_decision d = decide_request(req(se, false), cfg(3600));
        EXPECT_FALSE(d.reject_422) << se;
        EXPECT_TRUE(d.write_se) << se;
        EXPECT_EQ(d.se, 3600u) << se;
        EXPECT_TRUE(d.write_min_se) << se; // Min-SE 3600 > 90 goes with it
        EXPECT_EQ(d.min_se, 3600u) << se;
    }
}

TEST(session_timer_policy, at_or_above_min_se_passes_unchanged) {
    const request_decision d = decide_request(req(3600, true), cfg(3600));
    EXPECT_FALSE(d.reject_422);
    EXPECT_FALSE(d.write_se);
    EXPECT_EQ(d.se, 3600u);
    EXPECT_TRUE(d.uac_supports);
}

TEST(session_timer_policy, lower_min_se_in_request_is_raised_to_ours) {
    timer_headers h = req(4000, true);
    h.has_min_se = true;
    h.min_se = 1000;
    const request_decision d = decide_request(h, cfg(3600));
    EXPECT_TRUE(d.write_min_se);
    EXPECT_EQ(d.min_se, 3600u);
    h.min_se = 4000; // a larger one upstream stays
    EXPECT_FALSE(decide_request(h, cfg(3600)).write_min_se);
}

TEST(session_timer_policy, absent_se_inserted_only_when_configured_and_not_below_minimums) {
    EXPECT_EQ(decide_request(req(0, false), cfg(90)).se, 0u);
    session_timer_config c = cfg(90, true);
    c.session_expires = 1800;
    request_decision d = decide_request(req(0, false), c);
    EXPECT_TRUE(d.write_se);
    EXPECT_EQ(d.se, 1800u);
    timer_headers h = req(0, true);
    h.has_min_se = true;
    h.min_se = 2400; // the request's Min-SE wins over our default
    EXPECT_EQ(decide_request(h, c).se, 2400u);
}

TEST(session_timer_policy, malformed_header_is_rejected) {
    timer_headers h;
    h.malformed = true;
    EXPECT_TRUE(decide_request(h, cfg(90)).reject_bad);
}

// RFC 4028 §9, Table 2, one test per row.
TEST(session_timer_table, row1_uac_without_timer_request_none_gives_uas) {
    EXPECT_EQ(table_refresher(false, refresher::none), refresher::uas);
}
TEST(session_timer_table, row2_uac_with_timer_request_none_gives_uas_or_uac) {
    EXPECT_EQ(table_refresher(true, refresher::none), refresher::uas); // our pick
    // The UAS may choose uac: the proxy keeps it.
    request_decision r;
    r.se = 1800;
    r.uac_supports = true;
    timer_headers resp = req(1800, true, refresher::uac);
    EXPECT_EQ(decide_response(r, resp).refresher, refresher::uac);
    EXPECT_FALSE(decide_response(r, resp).write_se);
}
TEST(session_timer_table, row3_request_uac_gives_uac) {
    EXPECT_EQ(table_refresher(true, refresher::uac), refresher::uac);
}
TEST(session_timer_table, row4_request_uas_gives_uas) {
    EXPECT_EQ(table_refresher(true, refresher::uas), refresher::uas);
}

TEST(session_timer_policy, response_without_se_uac_supports_gets_refresher_uac_and_require) {
    const response_decision d = decide_response(remembered(4000, true), timer_headers{});
    EXPECT_EQ(d.interval, 4000u);
    EXPECT_EQ(d.refresher, refresher::uac);
    EXPECT_TRUE(d.write_se);
    EXPECT_TRUE(d.add_require);
}

TEST(session_timer_policy, response_without_se_neither_supports_has_no_timer) {
    const response_decision d = decide_response(remembered(4000, false), timer_headers{});
    EXPECT_EQ(d.interval, 0u);
    EXPECT_FALSE(d.write_se);
    EXPECT_FALSE(d.add_require);
}

TEST(session_timer_policy, refresher_uac_for_uac_without_timer_is_corrected) {
    request_decision r;
    r.se = 1800;
    const response_decision d = decide_response(r, req(1800, true, refresher::uac));
    EXPECT_EQ(d.refresher, refresher::uas);
    EXPECT_TRUE(d.write_se);
}

TEST(session_timer_policy, expiry_margin_is_min_of_32_and_a_third) {
    EXPECT_EQ(expiry_after_seconds(90), 60u);     // 90/3 = 30 < 32
    EXPECT_EQ(expiry_after_seconds(96), 64u);     // 32
    EXPECT_EQ(expiry_after_seconds(1800), 1768u); // 32
    EXPECT_EQ(expiry_after_seconds(3), 2u);
}

TEST(session_timer_policy, expiry_delay_never_fires_after_the_deadline) {
    // Whatever level the wheel puts it in, the timer fires by `want`.
    for (timer::tick_t want = 1; want < 20'000'000; want = want * 5 / 4 + 1) {
        const timer::tick_t d = never_late_delay(want);
        EXPECT_GE(d, 1u);
        EXPECT_LE(d + timer::timer_wheel::max_lateness(d), want) << want;
        EXPECT_GE(d, want - want / 8) << want; // and at most one coarse granule early
    }
}

} // namespace
} // namespace sipedge::proxy
