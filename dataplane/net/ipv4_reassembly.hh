#pragma once
// Per-lcore IPv4 reassembly (rte_ip_frag): SIP over UDP regularly exceeds the
// MTU (INVITEs with large SDP), and arrives as fragments, in any order.
// Incomplete datagrams expire after a timeout; their fragments are freed and
// counted.

#include "common/counters.hh"
#include "common/result.hh"

#include <cstdint>
#include <memory>
#include <rte_ip_frag.h>

namespace sipedge::dataplane {

enum class reassembly_error { table };

class ipv4_reassembly {
public:
    struct config {
        std::uint32_t max_datagrams = 4096; // datagrams in flight at once
        std::uint32_t timeout_ms = 2000; // SIP's T1 is 500 ms: a datagram older than this is lost
    };

    // Start-up only: allocates the table.
    static result<std::unique_ptr<ipv4_reassembly>, reassembly_error> create(const config& cfg,
                                                                             int socket_id);
    ~ipv4_reassembly();
    ipv4_reassembly(const ipv4_reassembly&) = delete;
    ipv4_reassembly& operator=(const ipv4_reassembly&) = delete;

    // Takes a fragment (owned from here on). Returns the whole datagram as a
    // multi-segment mbuf once complete, else null (held, or dropped and counted).
    // Precondition: m holds Ethernet + IPv4 at ip.
    rte_mbuf* add(rte_mbuf* m, rte_ipv4_hdr* ip, std::uint64_t now_tsc, counter_block& counters);

    // Frees what expired or was rejected; call once per burst.
    void flush(counter_block& counters);

private:
    ipv4_reassembly() = default;
    rte_ip_frag_tbl* _table = nullptr;
    rte_ip_frag_death_row _death_row{};
};

} // namespace sipedge::dataplane
