#include "dataplane/dispatch.hh"

namespace sipedge::dataplane {

dispatch_mesh::dispatch_mesh(unsigned lcores, std::size_t ring_size) : _lcores(lcores) {
    constexpr std::size_t neighbour_ring = 64; // ARP news is rare and small
    for (unsigned i = 0; i < lcores * lcores; ++i) {
        _datagrams.push_back(std::make_unique<spsc_ring<dispatched_datagram>>(ring_size));
        _neighbours.push_back(std::make_unique<spsc_ring<learnt_neighbour>>(neighbour_ring));
    }
}

void dispatch_mesh::drain_and_free() {
    for (auto& ring : _datagrams) {
        dispatched_datagram d;
        while (ring->pop(d)) {
            rte_pktmbuf_free(d.mbuf);
        }
    }
}

} // namespace sipedge::dataplane
