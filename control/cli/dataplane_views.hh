#pragma once
// sipedgectl's views of the dataplane (stats, transactions, dialogs, routes):
// turning telemetry replies into the --json documents and the human tables.
// Pure functions, so the unit tests feed them replies and check the output.

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sipedge::control::cli {

// Left-aligned columns, two spaces apart.
void print_table(std::ostream& out, const std::vector<std::string>& head,
                 const std::vector<std::vector<std::string>>& rows);

// lcores: ids; first/second: per lcore (same order) the /sipedge/counters,L
// dicts taken interval_s apart. Result: {"lcores", "interval_s", "per_lcore":
// {"L": {...}}, "total": {...}, "rate": {name: per second of the total}}.
// A counter that went backwards (dataplane restarted between samples) rates 0.
nlohmann::json stats_document(const std::vector<int>& lcores,
                              const std::vector<nlohmann::json>& first,
                              const std::vector<nlohmann::json>& second, double interval_s);
// One row per counter that is not zero (all: every counter): total, rate, lcores.
void print_stats(std::ostream& out, const nlohmann::json& stats, bool all);

// per_lcore: the /sipedge/transactions,L (or dialogs) dicts. Result:
// {"lcores": [{"lcore", "count", ... , "sample": [...]}], "total": N}.
nlohmann::json summary_document(const std::vector<int>& lcores,
                                const std::vector<nlohmann::json>& per_lcore);
void print_transactions(std::ostream& out, const nlohmann::json& doc);
void print_dialogs(std::ostream& out, const nlohmann::json& doc);

void print_routes(std::ostream& out, const nlohmann::json& routes);

} // namespace sipedge::control::cli
