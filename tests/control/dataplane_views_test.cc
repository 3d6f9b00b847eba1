// sipedgectl's dataplane views fed telemetry replies as sipedge sends them.

#include "control/cli/dataplane_views.hh"

#include <gtest/gtest.h>
#include <sstream>

namespace sipedge::control::cli {
namespace {

using nlohmann::json;

TEST(stats_document, totals_per_lcore_and_rates_over_the_interval) {
    const std::vector<json> first = {{{"rx_packets", 100}, {"drop_no_mbuf", 0}},
                                     {{"rx_packets", 50}, {"drop_no_mbuf", 0}}};
    const std::vector<json> second = {{{"rx_packets", 300}, {"drop_no_mbuf", 0}},
                                      {{"rx_packets", 150}, {"drop_no_mbuf", 0}}};
    const json s = stats_document({1, 2}, first, second, 2.0);
    EXPECT_EQ(s["total"]["rx_packets"], 450u);
    EXPECT_EQ(s["per_lcore"]["2"]["rx_packets"], 150);
    EXPECT_DOUBLE_EQ(s["rate"]["rx_packets"].get<double>(), 150.0); // (450-150)/2
    EXPECT_DOUBLE_EQ(s["rate"]["drop_no_mbuf"].get<double>(), 0.0);

    std::ostringstream out;
    print_stats(out, s, false);
    EXPECT_NE(out.str().find("2 worker lcore(s); rates over 2.0 s"), std::string::npos);
    EXPECT_NE(out.str().find("COUNTER     TOTAL  PER-SECOND  LCORE 1  LCORE 2"), std::string::npos)
        << out.str();
    EXPECT_NE(out.str().find("rx_packets  450    150         300      150"), std::string::npos)
        << out.str();
    EXPECT_EQ(out.str().find("drop_no_mbuf"), std::string::npos);
    EXPECT_NE(out.str().find("(1 counters at zero not shown"), std::string::npos);
    std::ostringstream all;
    print_stats(all, s, true);
    EXPECT_NE(all.str().find("drop_no_mbuf"), std::string::npos);
}

TEST(stats_document, a_counter_that_went_back_rates_zero) {
    // The dataplane restarted between the samples.
    const json s = stats_document({1}, {{{"rx_packets", 1000}}}, {{{"rx_packets", 10}}}, 1.0);
    EXPECT_EQ(s["total"]["rx_packets"], 10u);
    EXPECT_DOUBLE_EQ(s["rate"]["rx_packets"].get<double>(), 0.0);
}

TEST(summary_document, counts_and_samples_per_lcore) {
    const json l1 = {{"lcore", 1},
                     {"count", 2},
                     {"capacity", 8192},
                     {"age_ms", 120},
                     {"sample_0",
                      {{"kind", "IST"},
                       {"state", "proceeding"},
                       {"last_status", 100},
                       {"peer", "198.51.100.2:5061"}}}};
    const json l2 = {{"lcore", 2}, {"count", 0}, {"capacity", 8192}, {"age_ms", 40}};
    const json d = summary_document({1, 2}, {l1, l2});
    EXPECT_EQ(d["total"], 2u);
    EXPECT_EQ(d["lcores"][0]["sample"].size(), 1u);
    EXPECT_EQ(d["lcores"][1]["sample"].size(), 0u);
    std::ostringstream out;
    print_transactions(out, d);
    EXPECT_NE(out.str().find("2 transaction(s)"), std::string::npos);
    EXPECT_NE(out.str().find("1      IST   proceeding  100          198.51.100.2:5061"),
              std::string::npos)
        << out.str();
}

TEST(summary_document, zero_dialogs_shown_as_zero) {
    const json d = summary_document({1}, {{{"lcore", 1}, {"count", 0}, {"age_ms", 10}}});
    std::ostringstream out;
    print_dialogs(out, d);
    EXPECT_EQ(out.str().rfind("0 dialog(s)\n", 0), 0u) << out.str();
    EXPECT_EQ(out.str().find("sample:"), std::string::npos);
}

TEST(print_routes, tables_of_routes_and_hosts) {
    const json r = {{"file", "/etc/sipedge/sipedge.toml"},
                    {"reload_generation", 1},
                    {"domains", {"biloxi.example.com"}},
                    {"routes", {"atlanta.example.com 198.51.100.7:5060"}},
                    {"hosts", json::array()}};
    std::ostringstream out;
    print_routes(out, r);
    EXPECT_NE(out.str().find("domains  biloxi.example.com"), std::string::npos);
    EXPECT_NE(out.str().find("atlanta.example.com  198.51.100.7:5060"), std::string::npos)
        << out.str();
    EXPECT_NE(out.str().find("no static hosts"), std::string::npos);
}

} // namespace
} // namespace sipedge::control::cli
