#include "dataplane/net/ipv4_reassembly.hh"

#include <rte_cycles.h>
#include <rte_ether.h>

namespace sipedge::dataplane {

result<std::unique_ptr<ipv4_reassembly>, reassembly_error>
ipv4_reassembly::create(const config& cfg, int socket_id) {
    constexpr std::uint32_t entries_per_bucket = 16; // rte_ip_frag's maximum associativity
    const std::uint32_t buckets = (cfg.max_datagrams + entries_per_bucket - 1) / entries_per_bucket;
    const std::uint64_t max_cycles = rte_get_tsc_hz() / 1000 * cfg.timeout_ms;
    std::unique_ptr<ipv4_reassembly> r(new ipv4_reassembly());
    r->_table = rte_ip_frag_table_create(buckets, entries_per_bucket, buckets * entries_per_bucket,
                                         max_cycles, socket_id);
    if (r->_table == nullptr) {
        return error{reassembly_error::table,
                     "rte_ip_frag_table_create failed: too little DPDK memory for the table"};
    }
    return r;
}

ipv4_reassembly::~ipv4_reassembly() {
    if (_table != nullptr) {
        rte_ip_frag_table_destroy(_table);
    }
}

rte_mbuf* ipv4_reassembly::add(rte_mbuf* m, rte_ipv4_hdr* ip, std::uint64_t now_tsc,
                               counter_block& counters) {
    m->l2_len = sizeof(rte_ether_hdr);
    m->l3_len = rte_ipv4_hdr_len(ip);
    counters.add(counter_id::ipv4_fragments);
    rte_mbuf* whole = rte_ipv4_frag_reassemble_packet(_table, &_death_row, m, now_tsc, ip);
    if (whole != nullptr) {
        counters.add(counter_id::ipv4_reassembled);
    }
    return whole;
}

void ipv4_reassembly::flush(counter_block& counters) {
    if (_death_row.cnt != 0) {
        counters.add(counter_id::drop_ipv4_fragment_expired, _death_row.cnt);
        rte_ip_frag_free_death_row(&_death_row, 3);
    }
}

} // namespace sipedge::dataplane
