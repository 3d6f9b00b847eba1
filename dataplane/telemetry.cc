#include "dataplane/telemetry.hh"

#include <charconv>
#include <cstdio>
#include <rte_cycles.h>
#include <rte_telemetry.h>
#include <string>
#include <string_view>

namespace sipedge::dataplane {

namespace {

telemetry_sources registered;

constexpr const char* kind_names[] = {"ICT", "NICT", "IST", "NIST"};
constexpr const char* state_names[] = {"idle",      "calling",  "trying",    "proceeding",
                                       "completed", "accepted", "confirmed", "terminated"};

// "" or "N": which lcore the caller asked for. false on anything else.
bool lcore_param(const char* params, bool& one, unsigned& lcore) {
    one = false;
    if (params == nullptr || *params == '\0') {
        return true;
    }
    const std::string_view p(params);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), lcore);
    one = true;
    return ec == std::errc() && end == p.data() + p.size();
}

// Index of the lcore in the registered lists, or -1.
int index_of(unsigned lcore) {
    for (std::size_t i = 0; i < registered.counters.size(); ++i) {
        if (registered.counters[i].lcore_id == lcore) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int list_lcores(const char*, const char*, rte_tel_data* d) {
    rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
    for (const lcore_counters& l : registered.counters) {
        rte_tel_data_add_array_int(d, static_cast<int>(l.lcore_id));
    }
    return 0;
}

int show_counters(const char*, const char* params, rte_tel_data* d) {
    bool one = false;
    unsigned lcore = 0;
    if (!lcore_param(params, one, lcore) || (one && index_of(lcore) < 0)) {
        return -1;
    }
    counter_block total;
    for (const lcore_counters& l : registered.counters) {
        if (one && l.lcore_id != lcore) {
            continue;
        }
        for (std::size_t i = 0; i < counter_count; ++i) {
            total.values[i] += l.counters->load(i);
        }
    }
    rte_tel_data_start_dict(d);
    for (std::size_t i = 0; i < counter_count; ++i) {
        const std::string name(counter_names[i]);
        rte_tel_data_add_dict_u64(d, name.c_str(), total.values[i]);
    }
    return 0;
}

// Milliseconds since the lcore last published (-1: never).
long long age_ms(const lcore_summary_data& s) {
    if (s.published_tsc == 0) {
        return -1;
    }
    const std::uint64_t now = rte_rdtsc();
    return now > s.published_tsc
               ? static_cast<long long>((now - s.published_tsc) * 1000 / rte_get_tsc_hz())
               : 0;
}

// Without a parameter: {"LCORE": {count fields}} for every lcore.
template <typename Fill>
int per_lcore_counts(rte_tel_data* d, Fill&& fill) {
    rte_tel_data_start_dict(d);
    for (std::size_t i = 0; i < registered.summaries.size(); ++i) {
        rte_tel_data* c = rte_tel_data_alloc();
        if (c == nullptr) {
            return -1;
        }
        rte_tel_data_start_dict(c);
        const lcore_summary_data s = registered.summaries[i]->read();
        fill(c, s);
        rte_tel_data_add_dict_int(c, "age_ms", static_cast<int>(age_ms(s)));
        const std::string key = std::to_string(registered.counters[i].lcore_id);
        rte_tel_data_add_dict_container(d, key.c_str(), c, 0);
    }
    return 0;
}

// /sipedge/transactions and /sipedge/dialogs: without a parameter the counts of
// every lcore; with one, that lcore's counts and its sample, one dict each.
template <typename Counts, typename Sample>
int show_summary(const char* params, rte_tel_data* d, Counts&& counts, Sample&& sample) {
    bool one = false;
    unsigned lcore = 0;
    if (!lcore_param(params, one, lcore)) {
        return -1;
    }
    if (!one) {
        return per_lcore_counts(d, counts);
    }
    const int i = index_of(lcore);
    if (i < 0) {
        return -1;
    }
    const lcore_summary_data s = registered.summaries[static_cast<std::size_t>(i)]->read();
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_int(d, "lcore", static_cast<int>(lcore));
    counts(d, s);
    rte_tel_data_add_dict_int(d, "age_ms", static_cast<int>(age_ms(s)));
    for (std::uint32_t k = 0;; ++k) {
        rte_tel_data* c = rte_tel_data_alloc();
        if (c == nullptr) {
            return -1;
        }
        rte_tel_data_start_dict(c);
        if (!sample(s, k, c)) {
            rte_tel_data_free(c);
            return 0;
        }
        rte_tel_data_add_dict_container(d, ("sample_" + std::to_string(k)).c_str(), c, 0);
    }
}

int show_transactions(const char*, const char* params, rte_tel_data* d) {
    auto counts = [](rte_tel_data* c, const lcore_summary_data& s) {
        rte_tel_data_add_dict_u64(c, "count", s.transactions);
        rte_tel_data_add_dict_u64(c, "capacity", s.transaction_capacity);
    };
    auto sample = [](const lcore_summary_data& s, std::uint32_t k, rte_tel_data* c) {
        if (k >= s.transaction_samples || k >= summary_samples) {
            return false;
        }
        const transaction_sample& t = s.transaction_list[k];
        rte_tel_data_add_dict_string(c, "kind", t.kind < 4 ? kind_names[t.kind] : "?");
        rte_tel_data_add_dict_string(c, "state", t.state < 8 ? state_names[t.state] : "?");
        rte_tel_data_add_dict_int(c, "last_status", t.last_status);
        char peer[32];
        std::snprintf(peer, sizeof peer, "%u.%u.%u.%u:%u", t.peer_ipv4 >> 24,
                      (t.peer_ipv4 >> 16) & 0xff, (t.peer_ipv4 >> 8) & 0xff, t.peer_ipv4 & 0xff,
                      t.peer_port);
        rte_tel_data_add_dict_string(c, "peer", peer);
        return true;
    };
    return show_summary(params, d, counts, sample);
}

int show_dialogs(const char*, const char* params, rte_tel_data* d) {
    auto counts = [](rte_tel_data* c, const lcore_summary_data& s) {
        rte_tel_data_add_dict_u64(c, "count", s.dialogs);
    };
    auto sample = [](const lcore_summary_data& s, std::uint32_t k, rte_tel_data* c) {
        if (k >= s.dialog_samples || k >= summary_samples) {
            return false;
        }
        const dialog_sample& g = s.dialog_list[k];
        rte_tel_data_add_dict_string(c, "call_id", g.call_id);
        rte_tel_data_add_dict_u64(c, "interval_s", g.interval_s);
        rte_tel_data_add_dict_string(c, "refresher", g.refresher_uas ? "uas" : "uac");
        rte_tel_data_add_dict_u64(c, "seconds_left", g.seconds_left);
        return true;
    };
    return show_summary(params, d, counts, sample);
}

// A list of strings as a container of d under key.
int add_strings(rte_tel_data* d, const char* key, const std::vector<std::string>& v) {
    rte_tel_data* c = rte_tel_data_alloc();
    if (c == nullptr) {
        return -1;
    }
    rte_tel_data_start_array(c, RTE_TEL_STRING_VAL);
    for (const std::string& s : v) {
        rte_tel_data_add_array_string(c, s.c_str());
    }
    rte_tel_data_add_dict_container(d, key, c, 0);
    return 0;
}

int show_routes(const char*, const char*, rte_tel_data* d) {
    if (registered.config == nullptr) {
        return -1;
    }
    const config_snapshot s = registered.config->get();
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "file", s.file.c_str());
    rte_tel_data_add_dict_u64(d, "reload_generation", s.reload_generation);
    return add_strings(d, "domains", s.domains) | add_strings(d, "routes", s.routes) |
           add_strings(d, "hosts", s.hosts);
}

int show_reload(const char*, const char*, rte_tel_data* d) {
    if (registered.config == nullptr) {
        return -1;
    }
    const config_snapshot s = registered.config->get();
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "generation", s.reload_generation);
    rte_tel_data_add_dict_int(d, "ok", s.reload_ok ? 1 : 0);
    rte_tel_data_add_dict_string(d, "error", s.reload_error.substr(0, 120).c_str());
    return add_strings(d, "applied", s.applied) | add_strings(d, "restart", s.restart);
}

} // namespace

bool register_telemetry(const telemetry_sources& sources) {
    registered = sources;
    return rte_telemetry_register_cmd("/sipedge/lcores", list_lcores,
                                      "Worker lcore ids. No parameters.") == 0 &&
           rte_telemetry_register_cmd(
               "/sipedge/counters", show_counters,
               "Counters summed over the worker lcores, or of one. Parameter: lcore id.") == 0 &&
           rte_telemetry_register_cmd("/sipedge/transactions", show_transactions,
                                      "Transactions per lcore; of one lcore with a sample. "
                                      "Parameter: lcore id.") == 0 &&
           rte_telemetry_register_cmd("/sipedge/dialogs", show_dialogs,
                                      "Dialogs per lcore; of one lcore with a sample. "
                                      "Parameter: lcore id.") == 0 &&
           rte_telemetry_register_cmd("/sipedge/routes", show_routes,
                                      "Domains, static routes and hosts in use.") == 0 &&
           rte_telemetry_register_cmd("/sipedge/reload", show_reload,
                                      "Outcome of the last SIGHUP reload.") == 0;
}

} // namespace sipedge::dataplane
