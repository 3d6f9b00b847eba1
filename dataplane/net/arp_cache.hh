#pragma once
// Per-lcore ARP resolver: IPv4 next hop -> MAC, learnt from the ARP traffic we
// see and from our own requests. A packet for a next hop not yet known waits
// briefly (a few per next hop) while a request is out; it is sent when the
// answer arrives, or freed and counted when none does.
//
// Set-associative table (4 ways per set) in preallocated memory: no allocation
// after construction, bounded work per operation.

#include "common/counters.hh"

#include <cstdint>
#include <memory>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <span>

namespace sipedge::dataplane {

class arp_cache {
public:
    struct config {
        std::uint32_t entries = 4096;         // rounded up to a multiple of the ways
        std::uint32_t reachable_ms = 300'000; // how long a learnt MAC is trusted
        std::uint32_t retry_ms = 200;         // between requests for one next hop
        std::uint32_t give_up_ms = 1'000;     // packets waiting longer are dropped
    };
    static constexpr unsigned max_waiting = 4; // packets held per unresolved next hop

    arp_cache(const config& cfg, std::uint64_t tsc_hz);

    // The MAC of a resolved, still reachable next hop, else null.
    const rte_ether_addr* lookup(rte_be32_t ip, std::uint64_t now);

    // Records ip -> mac. Returns the packets that were waiting for it: the
    // caller sets their destination MAC and sends them. The span stays valid
    // until the next call on this cache.
    std::span<rte_mbuf*> learn(rte_be32_t ip, const rte_ether_addr& mac, std::uint64_t now);

    enum class hold_result : std::uint8_t {
        held_send_request, // held; the caller sends an ARP request now
        held,              // held; a request is already out
        dropped,           // too many waiting, or no room: m was freed and counted
    };
    // Keeps m until ip resolves (or gives up). Takes ownership.
    hold_result hold(rte_be32_t ip, rte_mbuf* m, std::uint64_t now, counter_block& counters);

    // Drops waiting packets of next hops that did not answer in time; returns
    // the next hops that still wait and are due another request (up to out.size()).
    std::size_t expire(std::uint64_t now, counter_block& counters, std::span<rte_be32_t> retry);

    ~arp_cache();
    arp_cache(const arp_cache&) = delete;
    arp_cache& operator=(const arp_cache&) = delete;

private:
    enum class state : std::uint8_t { empty, resolving, resolved };
    struct entry {
        rte_be32_t ip = 0;
        state st = state::empty;
        std::uint8_t waiting = 0;
        rte_ether_addr mac{};
        std::uint64_t deadline = 0; // resolved: stale after; resolving: give up after
        std::uint64_t last_request = 0;
        rte_mbuf* held[max_waiting] = {};
    };
    static constexpr unsigned ways = 4;

    entry* find(rte_be32_t ip);
    entry* claim(rte_be32_t ip, std::uint64_t now, counter_block* counters);
    void drop_waiting(entry& e, counter_block* counters);

    // Entries in state resolving: expire() scans the table (4096 entries by
    // default, every 50 ms) only when there is one, which is rare.
    std::uint32_t _resolving = 0;
    std::uint32_t _set_mask;
    std::uint64_t _reachable_tsc, _retry_tsc, _give_up_tsc;
    std::unique_ptr<entry[]> _entries;
    rte_mbuf* _released[max_waiting] = {};
};

// Builds a broadcast ARP request for target from us, or returns null when the
// pool is empty.
rte_mbuf* make_arp_request(rte_mempool* pool, const rte_ether_addr& our_mac, rte_be32_t our_ip,
                           rte_be32_t target);

} // namespace sipedge::dataplane
