#pragma once
// Hand-over between worker lcores (ARCHITECTURE.md, hot path step 3): every
// SIP message has one owning lcore, and a message received on another lcore's
// queue travels to its owner through a batched SPSC ring of mbuf pointers (with
// where the datagram sits in the mbuf). ARP knowledge travels the same way, so
// a reply that landed on one queue teaches every lcore.
//
// One ring per ordered pair of lcores: the sender is the only producer and the
// owner the only consumer, so nothing is locked.

#include "common/spsc_ring.hh"
#include "dataplane/net/packet_context.hh"

#include <memory>
#include <rte_mbuf.h>
#include <vector>

namespace sipedge::dataplane {

struct dispatched_datagram {
    rte_mbuf* mbuf;
    udp_delivery where;
};

struct learnt_neighbour {
    rte_be32_t ip;
    rte_ether_addr mac;
    std::uint8_t port_index; // the port whose link it is on
};

class dispatch_mesh {
public:
    // Start-up only (allocates). ring_size: datagrams in flight per lcore pair.
    dispatch_mesh(unsigned lcores, std::size_t ring_size);

    unsigned lcores() const { return _lcores; }
    spsc_ring<dispatched_datagram>& datagrams(unsigned from, unsigned to) {
        return *_datagrams[from * _lcores + to];
    }
    spsc_ring<learnt_neighbour>& neighbours(unsigned from, unsigned to) {
        return *_neighbours[from * _lcores + to];
    }
    // After the loops stopped: frees mbufs still in the rings.
    void drain_and_free();

private:
    unsigned _lcores;
    std::vector<std::unique_ptr<spsc_ring<dispatched_datagram>>> _datagrams;
    std::vector<std::unique_ptr<spsc_ring<learnt_neighbour>>> _neighbours;
};

} // namespace sipedge::dataplane
