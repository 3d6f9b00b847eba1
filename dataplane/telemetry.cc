#include "dataplane/telemetry.hh"

#include <charconv>
#include <rte_telemetry.h>
#include <string>
#include <string_view>

namespace sipedge::dataplane {

namespace {

std::span<const lcore_counters> registered;

int list_lcores(const char*, const char*, rte_tel_data* d) {
    rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
    for (const lcore_counters& l : registered) {
        rte_tel_data_add_array_int(d, static_cast<int>(l.lcore_id));
    }
    return 0;
}

int show_counters(const char*, const char* params, rte_tel_data* d) {
    bool one = false;
    unsigned lcore = 0;
    if (params != nullptr && *params != '\0') {
        const std::string_view p(params);
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), lcore);
        if (ec != std::errc() || end != p.data() + p.size()) {
            return -1;
        }
        one = true;
    }
    counter_block total;
    bool found = !one;
    for (const lcore_counters& l : registered) {
        if (one && l.lcore_id != lcore) {
            continue;
        }
        found = true;
        for (std::size_t i = 0; i < counter_count; ++i) {
            total.values[i] += l.counters->load(i);
        }
    }
    if (!found) {
        return -1;
    }
    rte_tel_data_start_dict(d);
    for (std::size_t i = 0; i < counter_count; ++i) {
        const std::string name(counter_names[i]);
        rte_tel_data_add_dict_u64(d, name.c_str(), total.values[i]);
    }
    return 0;
}

} // namespace

bool register_telemetry(std::span<const lcore_counters> lcores) {
    registered = lcores;
    return rte_telemetry_register_cmd("/sipedge/lcores", list_lcores,
                                      "Worker lcore ids. No parameters.") == 0 &&
           rte_telemetry_register_cmd(
               "/sipedge/counters", show_counters,
               "Counters summed over the worker lcores, or of one. Parameter: lcore id.") == 0;
}

} // namespace sipedge::dataplane
