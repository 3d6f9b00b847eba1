#pragma once
// What every stage of one lcore's packet path shares: one local port's
// addresses, that lcore's counters and reassembly table, and the time of the
// current pass. One per lcore and port; nothing in it is shared with another
// lcore.

#include "common/counters.hh"

#include <array>
#include <cstdint>
#include <rte_ether.h>
#include <rte_mempool.h>

namespace sipedge::dataplane {

class arp_cache;
class ipv4_reassembly;
class tx_stage;

// Ports one dataplane drives (and so local addresses it answers on).
inline constexpr std::size_t max_local_ports = 8;

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
    std::uint8_t port_index = 0; // rank of the port in the configuration
    // Subnet on this port (0: every destination is on-link) and the next hop
    // for destinations outside it (0: none; they are then asked for directly).
    rte_be32_t subnet_mask = 0;
    rte_be32_t gateway = 0;
    // Every address of this dataplane: a datagram for any of them is ours on
    // any port (the weak host model), so a peer may reach the proxy's address
    // on one port through another.
    std::array<rte_be32_t, max_local_ports> local_addresses{};
    std::uint8_t local_address_count = 0;

    bool is_local(rte_be32_t a) const {
        if (a == ipv4) {
            return true;
        }
        for (std::uint8_t i = 0; i < local_address_count; ++i) {
            if (local_addresses[i] == a) {
                return true;
            }
        }
        return false;
    }
    bool on_subnet(rte_be32_t a) const { return (a & subnet_mask) == (ipv4 & subnet_mask); }
    // Whose MAC a datagram for `dst` is sent to.
    rte_be32_t next_hop(rte_be32_t dst) const {
        return on_subnet(dst) || gateway == 0 ? dst : gateway;
    }
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
    void (*arp_learnt)(void* user, std::uint8_t port_index, rte_be32_t ip,
                       const rte_ether_addr& mac) = nullptr;
    void* arp_learnt_user = nullptr;
};

// A UDP datagram for the SIP stage: where its payload is in the (possibly
// reassembled, multi-segment) mbuf and who sent it.
struct udp_delivery {
    rte_be32_t src_ip = 0;
    rte_be16_t src_port = 0;
    std::uint32_t payload_offset = 0; // from the start of the packet
    std::uint32_t payload_length = 0;
    std::uint8_t port_index = 0; // the port it arrived on
};

// What the loop does with a packet after the handlers have looked at it.
enum class verdict : std::uint8_t {
    transmit,    // the mbuf was rewritten in place into a reply
    drop,        // free it; the reason was counted
    consumed,    // a handler kept it (a fragment waiting for the rest)
    deliver_udp, // a checked datagram to the SIP port: see udp_delivery
};

} // namespace sipedge::dataplane
