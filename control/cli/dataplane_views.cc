#include "control/cli/dataplane_views.hh"

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace sipedge::control::cli {

using nlohmann::json;

void print_table(std::ostream& out, const std::vector<std::string>& head,
                 const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> w(head.size());
    for (std::size_t c = 0; c < head.size(); ++c) {
        w[c] = head[c].size();
        for (const auto& r : rows) {
            w[c] = std::max(w[c], r[c].size());
        }
    }
    auto line = [&](const std::vector<std::string>& r) {
        std::string s;
        for (std::size_t c = 0; c < r.size(); ++c) {
            s += r[c];
            if (c + 1 < r.size()) {
                s.append(w[c] - r[c].size() + 2, ' ');
            }
        }
        out << s << "\n";
    };
    line(head);
    for (const auto& r : rows) {
        line(r);
    }
}

namespace {

std::uint64_t u64(const json& dict, const std::string& key) {
    const auto it = dict.find(key);
    return it != dict.end() && it->is_number_unsigned() ? it->get<std::uint64_t>()
           : it != dict.end() && it->is_number_integer() && it->get<std::int64_t>() > 0
               ? static_cast<std::uint64_t>(it->get<std::int64_t>())
               : 0;
}

std::string rate_text(double r) {
    char b[32];
    std::snprintf(b, sizeof b, r >= 100 || r == 0 ? "%.0f" : "%.1f", r);
    return b;
}

std::string text(const json& v) {
    return v.is_string() ? v.get<std::string>() : v.is_null() ? "-" : v.dump();
}

} // namespace

json stats_document(const std::vector<int>& lcores, const std::vector<json>& first,
                    const std::vector<json>& second, double interval_s) {
    json doc = {{"lcores", lcores}, {"interval_s", interval_s}};
    json per = json::object();
    json total = json::object();
    json before = json::object();
    for (std::size_t i = 0; i < lcores.size() && i < second.size(); ++i) {
        per[std::to_string(lcores[i])] = second[i];
        for (const auto& [name, v] : second[i].items()) {
            total[name] = u64(total, name) + u64(second[i], name);
            const std::uint64_t was = i < first.size() ? u64(first[i], name) : 0;
            before[name] = u64(before, name) + was;
        }
    }
    json rate = json::object();
    for (const auto& [name, v] : total.items()) {
        const std::uint64_t now = v.get<std::uint64_t>();
        const std::uint64_t was = u64(before, name);
        rate[name] =
            interval_s > 0 && now >= was ? static_cast<double>(now - was) / interval_s : 0.0;
    }
    doc["per_lcore"] = per;
    doc["total"] = total;
    doc["rate"] = rate;
    return doc;
}

void print_stats(std::ostream& out, const json& s, bool all) {
    std::vector<std::string> head = {"COUNTER", "TOTAL", "PER-SECOND"};
    std::vector<std::string> ids;
    for (const auto& l : s["lcores"]) {
        ids.push_back(std::to_string(l.get<int>()));
        head.push_back("LCORE " + ids.back());
    }
    std::vector<std::vector<std::string>> rows;
    std::size_t hidden = 0;
    for (const auto& [name, v] : s["total"].items()) {
        const double r = s["rate"].value(name, 0.0);
        if (!all && v.get<std::uint64_t>() == 0) {
            ++hidden;
            continue;
        }
        std::vector<std::string> row = {name, std::to_string(v.get<std::uint64_t>()), rate_text(r)};
        for (const std::string& id : ids) {
            row.push_back(std::to_string(u64(s["per_lcore"][id], name)));
        }
        rows.push_back(std::move(row));
    }
    char interval[32];
    std::snprintf(interval, sizeof interval, "%.1f", s.value("interval_s", 0.0));
    out << ids.size() << " worker lcore(s); rates over " << interval << " s\n";
    print_table(out, head, rows);
    if (hidden != 0) {
        out << "(" << hidden << " counters at zero not shown; --all shows them)\n";
    }
}

json summary_document(const std::vector<int>& lcores, const std::vector<json>& per_lcore) {
    json list = json::array();
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < lcores.size() && i < per_lcore.size(); ++i) {
        const json& r = per_lcore[i];
        json entry = {{"lcore", lcores[i]}, {"sample", json::array()}};
        for (const auto& [key, v] : r.items()) {
            if (key.rfind("sample_", 0) == 0) {
                entry["sample"].push_back(v);
            } else if (key != "lcore") {
                entry[key] = v;
            }
        }
        total += u64(r, "count");
        list.push_back(std::move(entry));
    }
    return json{{"lcores", list}, {"total", total}};
}

void print_transactions(std::ostream& out, const json& doc) {
    out << doc["total"].get<std::uint64_t>() << " transaction(s)\n";
    std::vector<std::vector<std::string>> counts, sample;
    for (const auto& l : doc["lcores"]) {
        const std::string id = std::to_string(l["lcore"].get<int>());
        counts.push_back({id, text(l.value("count", json())), text(l.value("capacity", json())),
                          text(l.value("age_ms", json()))});
        for (const auto& t : l["sample"]) {
            sample.push_back(
                {id, text(t["kind"]), text(t["state"]), text(t["last_status"]), text(t["peer"])});
        }
    }
    print_table(out, {"LCORE", "COUNT", "CAPACITY", "PUBLISHED-MS-AGO"}, counts);
    if (!sample.empty()) {
        out << "sample:\n";
        print_table(out, {"LCORE", "KIND", "STATE", "LAST-STATUS", "PEER"}, sample);
    }
}

void print_dialogs(std::ostream& out, const json& doc) {
    out << doc["total"].get<std::uint64_t>() << " dialog(s)\n";
    std::vector<std::vector<std::string>> counts, sample;
    for (const auto& l : doc["lcores"]) {
        const std::string id = std::to_string(l["lcore"].get<int>());
        counts.push_back({id, text(l.value("count", json())), text(l.value("age_ms", json()))});
        for (const auto& g : l["sample"]) {
            sample.push_back({id, text(g["call_id"]), text(g["interval_s"]), text(g["refresher"]),
                              text(g["seconds_left"])});
        }
    }
    print_table(out, {"LCORE", "COUNT", "PUBLISHED-MS-AGO"}, counts);
    if (!sample.empty()) {
        out << "sample:\n";
        print_table(out, {"LCORE", "CALL-ID", "INTERVAL-S", "REFRESHER", "SECONDS-LEFT"}, sample);
    }
}

void print_routes(std::ostream& out, const json& r) {
    out << "file     " << text(r.value("file", json()))
        << " (reloads: " << text(r.value("reload_generation", json())) << ")\n";
    std::string domains;
    for (const auto& d : r.value("domains", json::array())) {
        domains += (domains.empty() ? "" : ", ") + text(d);
    }
    out << "domains  " << (domains.empty() ? "none" : domains) << "\n";
    auto pairs = [&](const char* key, const char* a, const char* b) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& e : r.value(key, json::array())) {
            const std::string s = text(e);
            const std::size_t sp = s.find(' ');
            rows.push_back({s.substr(0, sp), sp == std::string::npos ? "" : s.substr(sp + 1)});
        }
        if (rows.empty()) {
            out << "no static " << key << "\n";
        } else {
            print_table(out, {a, b}, rows);
        }
    };
    pairs("routes", "ROUTE-DOMAIN", "NEXT-HOP");
    pairs("hosts", "HOST", "ADDRESS");
}

} // namespace sipedge::control::cli
