#include "dataplane/net/arp_cache.hh"

#include <cstring>
#include <rte_arp.h>

namespace sipedge::dataplane {

namespace {

std::uint32_t hash_ip(rte_be32_t ip) {
    // Fibonacci hashing: addresses in one subnet differ in the low bits only.
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(ip) * 0x9E3779B97F4A7C15ull) >>
                                      32);
}

} // namespace

arp_cache::arp_cache(const config& cfg, std::uint64_t tsc_hz)
    : _reachable_tsc(tsc_hz / 1000 * cfg.reachable_ms), _retry_tsc(tsc_hz / 1000 * cfg.retry_ms),
      _give_up_tsc(tsc_hz / 1000 * cfg.give_up_ms) {
    std::uint32_t sets = 1;
    while (sets * ways < cfg.entries) {
        sets <<= 1;
    }
    _set_mask = sets - 1;
    _entries = std::make_unique<entry[]>(static_cast<std::size_t>(sets) * ways);
}

arp_cache::~arp_cache() {
    for (std::uint32_t i = 0; i < (_set_mask + 1) * ways; ++i) {
        drop_waiting(_entries[i], nullptr);
    }
}

arp_cache::entry* arp_cache::find(rte_be32_t ip) {
    entry* set = &_entries[static_cast<std::size_t>(hash_ip(ip) & _set_mask) * ways];
    for (unsigned w = 0; w < ways; ++w) {
        if (set[w].st != state::empty && set[w].ip == ip) {
            return &set[w];
        }
    }
    return nullptr;
}

// An entry for ip: an empty way, else the stalest resolved one. A set full of
// next hops still resolving gives null (their packets are not thrown out).
arp_cache::entry* arp_cache::claim(rte_be32_t ip, std::uint64_t now, counter_block* counters) {
    entry* set = &_entries[static_cast<std::size_t>(hash_ip(ip) & _set_mask) * ways];
    entry* victim = nullptr;
    for (unsigned w = 0; w < ways; ++w) {
        entry& e = set[w];
        if (e.st == state::empty) {
            victim = &e;
            break;
        }
        if (e.st == state::resolved && (victim == nullptr || e.deadline < victim->deadline)) {
            victim = &e;
        }
        if (e.st == state::resolving && e.deadline <= now) {
            drop_waiting(e, counters);
            --_resolving;
            victim = &e;
            break;
        }
    }
    if (victim != nullptr) {
        *victim = entry{};
        victim->ip = ip;
    }
    return victim;
}

void arp_cache::drop_waiting(entry& e, counter_block* counters) {
    for (unsigned i = 0; i < e.waiting; ++i) {
        rte_pktmbuf_free(e.held[i]);
    }
    if (counters != nullptr && e.waiting != 0) {
        counters->add(counter_id::drop_arp_unresolved, e.waiting);
    }
    e.waiting = 0;
}

const rte_ether_addr* arp_cache::lookup(rte_be32_t ip, std::uint64_t now) {
    entry* e = find(ip);
    if (e == nullptr || e->st != state::resolved || e->deadline <= now) {
        return nullptr;
    }
    return &e->mac;
}

std::span<rte_mbuf*> arp_cache::learn(rte_be32_t ip, const rte_ether_addr& mac, std::uint64_t now) {
    entry* e = find(ip);
    if (e == nullptr) {
        e = claim(ip, now, nullptr);
        if (e == nullptr) {
            return {};
        }
    }
    std::size_t released = 0;
    for (; released < e->waiting; ++released) {
        _released[released] = e->held[released];
    }
    e->waiting = 0;
    if (e->st == state::resolving) {
        --_resolving;
    }
    e->st = state::resolved;
    e->mac = mac;
    e->deadline = now + _reachable_tsc;
    return {_released, released};
}

arp_cache::hold_result arp_cache::hold(rte_be32_t ip, rte_mbuf* m, std::uint64_t now,
                                       counter_block& counters) {
    entry* e = find(ip);
    if (e == nullptr || e->st == state::resolved) {
        // Unknown, or known but stale: resolve (again).
        if (e == nullptr) {
            e = claim(ip, now, &counters);
        }
        if (e == nullptr) {
            rte_pktmbuf_free(m);
            counters.add(counter_id::drop_arp_unresolved);
            return hold_result::dropped;
        }
        e->st = state::resolving;
        ++_resolving;
        e->deadline = now + _give_up_tsc;
        e->last_request = 0;
    }
    if (e->waiting == max_waiting) {
        rte_pktmbuf_free(m);
        counters.add(counter_id::drop_arp_unresolved);
        return hold_result::dropped;
    }
    e->held[e->waiting++] = m;
    if (e->last_request == 0 || now - e->last_request >= _retry_tsc) {
        e->last_request = now == 0 ? 1 : now;
        counters.add(counter_id::arp_requests_sent);
        return hold_result::held_send_request;
    }
    return hold_result::held;
}

std::size_t arp_cache::expire(std::uint64_t now, counter_block& counters,
                              std::span<rte_be32_t> retry) {
    std::size_t n = 0;
    for (std::uint32_t i = 0; _resolving != 0 && i < (_set_mask + 1) * ways; ++i) {
        entry& e = _entries[i];
        if (e.st != state::resolving) {
            continue;
        }
        if (e.deadline <= now) {
            drop_waiting(e, &counters);
            e = entry{};
            --_resolving;
        } else if (now - e.last_request >= _retry_tsc && n < retry.size()) {
            e.last_request = now;
            counters.add(counter_id::arp_requests_sent);
            retry[n++] = e.ip;
        }
    }
    return n;
}

rte_mbuf* make_arp_request(rte_mempool* pool, const rte_ether_addr& our_mac, rte_be32_t our_ip,
                           rte_be32_t target) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr) {
        return nullptr;
    }
    auto* eth = reinterpret_cast<rte_ether_hdr*>(
        rte_pktmbuf_append(m, sizeof(rte_ether_hdr) + sizeof(rte_arp_hdr)));
    std::memset(&eth->dst_addr, 0xff, sizeof eth->dst_addr);
    rte_ether_addr_copy(&our_mac, &eth->src_addr);
    eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
    auto* arp = reinterpret_cast<rte_arp_hdr*>(eth + 1);
    arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
    arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
    arp->arp_hlen = RTE_ETHER_ADDR_LEN;
    arp->arp_plen = sizeof(rte_be32_t);
    arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
    rte_ether_addr_copy(&our_mac, &arp->arp_data.arp_sha);
    arp->arp_data.arp_sip = our_ip;
    std::memset(&arp->arp_data.arp_tha, 0, sizeof arp->arp_data.arp_tha);
    arp->arp_data.arp_tip = target;
    return m;
}

} // namespace sipedge::dataplane
