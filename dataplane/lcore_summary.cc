#include "dataplane/lcore_summary.hh"

#include "dataplane/transaction/transaction_layer.hh"

#include <algorithm>
#include <cstring>

namespace sipedge::dataplane {

void lcore_summary::publish(const lcore_summary_data& d) {
    rte_seqcount_write_begin(&_seq);
    _data = d;
    rte_seqcount_write_end(&_seq);
}

lcore_summary_data lcore_summary::read() const {
    lcore_summary_data copy;
    std::uint32_t sn;
    do {
        sn = rte_seqcount_read_begin(&_seq);
        copy = _data;
    } while (rte_seqcount_read_retry(&_seq, sn));
    return copy;
}

void fill_transactions(const txn::transaction_layer& layer, std::uint32_t& cursor,
                       lcore_summary_data& d) {
    d.transactions = layer.size();
    d.transaction_capacity = layer.capacity();
    d.transaction_samples = 0;
    const std::uint32_t cap = layer.capacity();
    if (d.transactions == 0 || cap == 0) {
        return;
    }
    const std::uint32_t scan = cap < summary_scan_limit ? cap : summary_scan_limit;
    std::uint32_t id = cursor % cap;
    for (std::uint32_t i = 0; i < scan && d.transaction_samples < summary_samples; ++i) {
        if (layer.live(id)) {
            const txn::transaction& t = layer.get(id);
            transaction_sample& s = d.transaction_list[d.transaction_samples++];
            s.kind = static_cast<std::uint8_t>(t.kind);
            s.state = static_cast<std::uint8_t>(t.state);
            s.last_status = t.last_status;
            s.peer_ipv4 = t.peer.is_ipv4() ? static_cast<std::uint32_t>(t.peer.addr[12]) << 24 |
                                                 static_cast<std::uint32_t>(t.peer.addr[13]) << 16 |
                                                 static_cast<std::uint32_t>(t.peer.addr[14]) << 8 |
                                                 t.peer.addr[15]
                                           : 0;
            s.peer_port = t.peer.port;
        }
        id = id + 1 == cap ? 0 : id + 1;
    }
    cursor = id;
}

void fill_dialogs(const proxy::dialog_table& table, timer::tick_t now,
                  std::uint64_t ticks_per_second, std::uint32_t& cursor, lcore_summary_data& d) {
    d.dialogs = table.size();
    std::array<proxy::dialog_sample, summary_samples> found;
    const std::size_t n =
        table.sample(found, now, ticks_per_second, cursor, summary_scan_limit, &cursor);
    d.dialog_samples = static_cast<std::uint32_t>(n);
    for (std::size_t i = 0; i < n; ++i) {
        dialog_sample& s = d.dialog_list[i];
        const std::size_t len = std::min<std::size_t>(found[i].call_id_length, 64);
        std::memcpy(s.call_id, found[i].call_id, len);
        s.call_id[len] = '\0';
        s.interval_s = found[i].interval;
        s.refresher_uas = found[i].refresher == parser::refresher::uas;
        s.seconds_left = found[i].seconds_left;
    }
}

} // namespace sipedge::dataplane
