#pragma once
// What every stage of one lcore's packet path shares: the local port's
// addresses, that lcore's counters and reassembly table, and the time of the
// current pass. One per lcore; nothing in it is shared with another lcore.

#include "common/counters.hh"

#include <cstdint>
#include <rte_ether.h>
#include <rte_mempool.h>

namespace sipedge::dataplane {

class arp_cache;
class ipv4_reassembly;
class tx_stage;

struct local_interface {
    rte_ether_addr mac{};
    rte_be32_t ipv4 = 0; // network byte order
    rte_be16_t sip_port = RTE_BE16(5060);
    std::uint16_t mtu = 1500; // IP packet size above which we fragment
    // Checksum offloads the port has enabled (software otherwise). RX: the
    // device's GOOD/BAD verdict on IPv4 and UDP checksums is trusted; TX: the
    // device fills the IPv4 header and UDP checksums of unfragmented datagrams.
    bool rx_checksum_offload = false;
    bool tx_checksum_offload = false;
};

struct packet_context {
    local_interface ifc;
    counter_block* counters = nullptr;
    ipv4_reassembly* reassembly = nullptr; // null: fragments are dropped, counted
    arp_cache* arp = nullptr;              // null: nothing learnt, nothing sent to peers
    tx_stage* tx = nullptr;                // where packets other than in-place replies go
    rte_mempool* pool = nullptr;           // for packets we originate
    std::uint64_t now_tsc = 0;             // read once per pass (STYLE.md)
    std::uint16_t next_ipv4_id = 0;        // identification of datagrams we originate
    // Called after this lcore learnt a neighbour from ARP, so that the other
    // lcores (whose ARP replies may land on this lcore's queue) learn it too.
    void (*arp_learnt)(void* user, rte_be32_t ip, const rte_ether_addr& mac) = nullptr;
    void* arp_learnt_user = nullptr;
};

// A UDP datagram for the SIP stage: where its payload is in the (possibly
// reassembled, multi-segment) mbuf and who sent it.
struct udp_delivery {
    rte_be32_t src_ip = 0;
    rte_be16_t src_port = 0;
    std::uint32_t payload_offset = 0; // from the start of the packet
    std::uint32_t payload_length = 0;
};

// What the loop does with a packet after the handlers have looked at it.
enum class verdict : std::uint8_t {
    transmit,    // the mbuf was rewritten in place into a reply
    drop,        // free it; the reason was counted
    consumed,    // a handler kept it (a fragment waiting for the rest)
    deliver_udp, // a checked datagram to the SIP port: see udp_delivery
};

} // namespace sipedge::dataplane
