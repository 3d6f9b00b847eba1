#include "dataplane/timer/timer_wheel.hh"

#include "common/compiler.hh"

#include <bit>
#include <cstddef>
#include <cstring>
#include <new>
#include <sys/mman.h>
#include <utility>

namespace sipedge::timer {

namespace {

constexpr std::size_t huge_page = 2u << 20;
constexpr std::size_t small_page = 4u << 10;

// One anonymous mapping for all per-timer arrays. Large ones are 2 MiB aligned and
// marked for transparent huge pages: with millions of timers the node array spans
// hundreds of MiB, and 4 KiB pages would add a TLB miss to most node accesses. The
// kernel may ignore the advice; then it is ordinary memory.
void* map_region(std::size_t bytes, std::size_t& mapped) {
    if (bytes < huge_page) {
        mapped = (bytes + small_page - 1) / small_page * small_page;
        void* p =
            ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? nullptr : p;
    }
    const std::size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
    const std::size_t len = rounded + huge_page;
    void* raw = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        return nullptr;
    }
    // Trim to a 2 MiB-aligned window so the kernel can back it with huge pages.
    const auto base = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (base + huge_page - 1) & ~(std::uintptr_t{huge_page} - 1);
    if (aligned > base) {
        ::munmap(raw, aligned - base);
    }
    const std::uintptr_t end = base + len;
    const std::uintptr_t aligned_end = aligned + rounded;
    if (end > aligned_end) {
        ::munmap(reinterpret_cast<void*>(aligned_end), end - aligned_end);
    }
#ifdef MADV_HUGEPAGE
    ::madvise(reinterpret_cast<void*>(aligned), rounded, MADV_HUGEPAGE);
#endif
    mapped = rounded;
    return reinterpret_cast<void*>(aligned);
}

constexpr std::size_t align_up(std::size_t n, std::size_t a) {
    return (n + a - 1) / a * a;
}

// Signed distance a - b on the wrapping 64-bit tick line.
constexpr std::int64_t tick_diff(tick_t a, tick_t b) {
    return static_cast<std::int64_t>(a - b);
}

} // namespace

result<timer_wheel, timer_errc> timer_wheel::create(const timer_wheel_config& config) {
    if (config.capacity == 0 || config.capacity > max_capacity || config.kinds == 0) {
        return error{timer_errc::invalid_config, "timer wheel: capacity 1..2^28-1, kinds >= 1"};
    }
    static_assert(sizeof(node) == 24, "the node size is the memory-per-timer budget");
    // insert() picks a level from the delay's bit width and bumps it at most once;
    // max_delay must fit the top level without a bump.
    static_assert(std::bit_width(max_delay) <= level_bits + level_shift * (level_count - 1));
    timer_wheel w;
    w._capacity = config.capacity;
    w._kinds = config.kinds;
    w._now = config.start_tick;
    w._clock = config.start_tick;
    w._next = config.start_tick + no_next_distance;
    // The all-ones index (>= capacity) is never a node: the all-ones word is invalid.
    w._index_bits = static_cast<std::uint8_t>(std::bit_width(config.capacity));
    w._generation_step = std::uint32_t{1} << w._index_bits;
    w._index_mask = w._generation_step - 1;
    // Each slot owns one chunk (even when empty) plus one per 16 entries beyond the
    // first 16: at most ceil(count / 16) + 1, hence this many in all.
    w._chunk_count = (config.capacity + chunk_entries - 1) / chunk_entries + slot_total;

    const std::size_t node_bytes = align_up(sizeof(node) * w._capacity, cache_line_size);
    const std::size_t item_bytes =
        align_up(sizeof(std::uint32_t) * chunk_entries * w._chunk_count, cache_line_size);
    const std::size_t next_bytes = sizeof(std::uint32_t) * w._chunk_count;
    std::size_t mapped = 0;
    auto* base = static_cast<std::byte*>(map_region(node_bytes + item_bytes + next_bytes, mapped));
    if (base != nullptr) {
        w._map = {base, mapped}; // owned by w from here, also on the error path
    }
    w._handlers = new (std::nothrow) handler[config.kinds]();
    if (base == nullptr || w._handlers == nullptr) {
        return error{timer_errc::invalid_config, "timer wheel: out of memory at creation"};
    }
    w._nodes = reinterpret_cast<node*>(base);
    w._chunk_items = reinterpret_cast<std::uint32_t*>(base + node_bytes);
    w._chunk_next = reinterpret_cast<std::uint32_t*>(base + node_bytes + item_bytes);
    // Touch the chunk entries now (the loops below touch the rest), so that no page
    // fault lands on the fast path: start-up pays for them.
    std::memset(w._chunk_items, 0, item_bytes);

    // Free lists in index order, so a fresh wheel hands out nodes sequentially. A free
    // node's word is its next handle (generation 0: its index) with the index bits
    // inverted; its pos is the next free node's handle word.
    for (std::uint32_t i = 0; i < w._capacity; ++i) {
        node& n = w._nodes[i];
        n.data = 0;
        n.expiry_lo = 0;
        n.handle = i ^ w._index_mask;
        n.pos = i + 1 < w._capacity ? i + 1 : nil;
        n.kind = 0;
        n.slot = 0;
    }
    w._free_head = 0;
    // Chunk i < slot_total belongs to slot i for good; the rest are free.
    for (std::uint32_t c = 0; c < w._chunk_count; ++c) {
        w._chunk_next[c] = c >= slot_total && c + 1 < w._chunk_count ? c + 1 : nil;
    }
    w._free_chunk = slot_total < w._chunk_count ? slot_total : nil;
    for (unsigned i = 0; i < slot_total; ++i) {
        w._slot_tail[i] = i * chunk_entries;
    }
    return w;
}

timer_wheel::timer_wheel(timer_wheel&& other) noexcept {
    *this = std::move(other);
}

timer_wheel& timer_wheel::operator=(timer_wheel&& other) noexcept {
    if (this != &other) {
        release();
        _map = std::exchange(other._map, {});
        _nodes = std::exchange(other._nodes, nullptr);
        _chunk_items = std::exchange(other._chunk_items, nullptr);
        _chunk_next = std::exchange(other._chunk_next, nullptr);
        _chunk_count = std::exchange(other._chunk_count, 0);
        _free_chunk = std::exchange(other._free_chunk, nil);
        _free_head = std::exchange(other._free_head, nil);
        _capacity = std::exchange(other._capacity, 0);
        _armed = std::exchange(other._armed, 0);
        _index_mask = std::exchange(other._index_mask, 0);
        _generation_step = std::exchange(other._generation_step, 0);
        _index_bits = std::exchange(other._index_bits, 0);
        _kinds = std::exchange(other._kinds, 0);
        _in_advance = std::exchange(other._in_advance, false);
        _resuming = std::exchange(other._resuming, false);
        _resume_level = other._resume_level;
        _now = other._now;
        _clock = other._clock;
        _next = other._next;
        std::memcpy(_occupied, other._occupied, sizeof(_occupied));
        std::memset(other._occupied, 0, sizeof(other._occupied));
        std::memcpy(_slot_tail, other._slot_tail, sizeof(_slot_tail));
        _handlers = std::exchange(other._handlers, nullptr);
    }
    return *this;
}

timer_wheel::~timer_wheel() {
    release();
}

void timer_wheel::release() {
    if (_map.addr != nullptr) {
        ::munmap(_map.addr, _map.bytes);
    }
    _map = {};
    delete[] _handlers;
    _handlers = nullptr;
}

status<timer_errc> timer_wheel::set_handler(std::uint16_t kind, timer_callback fn, void* context) {
    if (kind >= _kinds || fn == nullptr) {
        return error{timer_errc::unknown_kind, "timer kind out of range or null callback"};
    }
    _handlers[kind] = {fn, context, nullptr};
    return {};
}

status<timer_errc> timer_wheel::set_prefetch(std::uint16_t kind, timer_prefetch fn) {
    if (kind >= _kinds || _handlers[kind].fn == nullptr) {
        return error{timer_errc::unknown_kind, "timer kind out of range or without a handler"};
    }
    _handlers[kind].prefetch = fn;
    return {};
}

// The expiry lies within (now - 2^24, now + max_delay], well inside +-2^31, so its
// low 32 bits and now give it back exactly.
tick_t timer_wheel::full_expiry(const node& n) const {
    const auto delta = static_cast<std::int32_t>(n.expiry_lo - static_cast<std::uint32_t>(_now));
    return _now + static_cast<tick_t>(static_cast<std::int64_t>(delta));
}

result<tick_t, timer_errc> timer_wheel::expiry(timer_handle h) const {
    const node* n = lookup(h);
    if (n == nullptr) {
        return error{timer_errc::stale_handle, "timer not armed"};
    }
    return full_expiry(*n);
}

std::optional<tick_t> timer_wheel::next_expiry_hint() const {
    if (_armed == 0) {
        return std::nullopt;
    }
    return _next;
}

std::size_t timer_wheel::memory_bytes() const {
    return _map.bytes + sizeof(*this) + sizeof(handler) * _kinds;
}

// Earliest slot tick over all levels. Level n's occupied slots cover the granules
// after the one holding now, so rotating its bitmap to start just after that granule
// makes the first set bit the earliest one. No slot of level n is earlier than the
// first granule boundary of level n after now, and those boundaries only move later
// with the level: once a level's boundary is no earlier than the best found, stop.
// A set bit may be stale (its slot emptied by cancels, see remove()). Only the
// winner's slot is looked at: if it is empty, its bit is cleared and the search runs
// again (a stale bit that does not win changes nothing). Each stale bit is cleared
// once, so this costs O(1) per cancel that emptied a slot, and the result is exact.
bool timer_wheel::compute_next(tick_t& next) {
    for (;;) {
        bool found = false;
        tick_t best_delta = 0;
        unsigned best_slot = 0;
        for (unsigned level = 0; level < level_count; ++level) {
            const std::uint64_t bits = _occupied[level];
            if (bits == 0) {
                continue;
            }
            const unsigned shift = level * level_shift;
            const tick_t first = (_now >> shift) + 1;
            if (found && (first << shift) - _now >= best_delta) {
                break;
            }
            const std::uint64_t rotated =
                std::rotr(bits, static_cast<int>(first & (slots_per_level - 1)));
            const tick_t granule = first + static_cast<tick_t>(std::countr_zero(rotated));
            const tick_t delta = (granule << shift) - _now;
            if (!found || delta < best_delta) {
                best_delta = delta;
                best_slot = level * slots_per_level +
                            static_cast<unsigned>(granule & (slots_per_level - 1));
                found = true;
            }
        }
        if (!found) {
            return false;
        }
        if (_slot_tail[best_slot] != best_slot * chunk_entries) {
            next = _now + best_delta;
            return true;
        }
        _occupied[best_slot / slots_per_level] &=
            ~(std::uint64_t{1} << (best_slot % slots_per_level));
    }
}

// The timer `distance` pops after `last` in the slot being fired (the same chunk, or
// the end of the next older one, which is full), handed to its kind's prefetch hint.
// Its node was requested prefetch_far or more pops before.
void timer_wheel::prefetch_ahead(std::uint32_t last, std::uint32_t older, unsigned distance,
                                 unsigned stage) const {
    const unsigned entry = last & (chunk_entries - 1);
    std::uint32_t at;
    if (entry >= distance) {
        at = last - distance;
    } else if (older != nil) {
        at = older * chunk_entries + chunk_entries - (distance - entry);
    } else {
        return;
    }
    const node& n = _nodes[_chunk_items[at]];
    const handler& hd = _handlers[n.kind];
    if (hd.prefetch != nullptr) {
        hd.prefetch(hd.context, n.data, stage);
    }
}

void timer_wheel::fire_slot(unsigned slot_id, std::size_t& fired, std::size_t budget) {
    std::uint32_t& tail = _slot_tail[slot_id];
    const std::uint32_t empty = slot_id * chunk_entries;
    // With millions of timers the nodes, the chunks and the chunk links are all cache
    // misses. Keep them in flight: nodes 16 entries ahead (the same offset of the next
    // older chunk), chunk entries and links two chunks ahead. All are hints only:
    // callbacks may reshape the slot, and the loop re-reads it every time.
    if (tail != empty) {
        const std::uint32_t head = (tail - 1) / chunk_entries;
        for (std::uint32_t p = head * chunk_entries; p < tail; ++p) {
            SIPEDGE_PREFETCH_WRITE(&_nodes[_chunk_items[p]]);
        }
        const std::uint32_t older = _chunk_next[head];
        if (older != nil) {
            SIPEDGE_PREFETCH(&_chunk_items[older * chunk_entries]);
            SIPEDGE_PREFETCH(&_chunk_next[older]);
        }
    }
    // Pop from the end, re-reading the slot each time: a callback may cancel other
    // timers in this slot. No callback can add to it (new slots are >= 1 granule on).
    while (tail != empty && fired < budget) {
        const std::uint32_t last = tail - 1;
        const std::uint32_t head = last / chunk_entries;
        const unsigned entry = last & (chunk_entries - 1);
        const std::uint32_t index = _chunk_items[last];
        const std::uint32_t older = _chunk_next[head];
        // What the callbacks will touch (for the transaction layer: cold transaction
        // slots, index lines, stored messages) is as cold as the nodes.
        prefetch_ahead(last, older, prefetch_far, 0);
        prefetch_ahead(last, older, prefetch_near, 1);
        if (older != nil) {
            SIPEDGE_PREFETCH_WRITE(&_nodes[_chunk_items[older * chunk_entries + entry]]);
            if (entry == chunk_entries - 1) {
                const std::uint32_t older2 = _chunk_next[older];
                if (older2 != nil) {
                    SIPEDGE_PREFETCH(&_chunk_items[older2 * chunk_entries]);
                    SIPEDGE_PREFETCH(&_chunk_next[older2]);
                }
            }
        }
        node& n = _nodes[index];
        if (entry == 0 && last != empty) { // the slot keeps its own chunk
            _chunk_next[head] = _free_chunk;
            _free_chunk = head;
            tail = (older + 1) * chunk_entries;
        } else {
            tail = last;
        }
        const timer_event ev{{n.handle}, n.kind, n.data, full_expiry(n), _now};
        free_node(n.handle, n);
        --_armed;
        ++fired;
        const handler& hd = _handlers[ev.kind];
        hd.fn(hd.context, *this, ev);
    }
}

// Fires the slots at `tick` of levels top_level down to 0 (coarser first: their
// timers were rounded up and are on average the earlier ones). False when the budget
// ran out with one of them not empty: the next call resumes there.
bool timer_wheel::fire_tick(tick_t tick, unsigned top_level, std::size_t& fired,
                            std::size_t budget) {
    for (unsigned level = top_level + 1; level-- > 0;) {
        const unsigned shift = level * level_shift;
        if ((tick & ((tick_t{1} << shift) - 1)) != 0) {
            continue;
        }
        const unsigned index = static_cast<unsigned>((tick >> shift) & (slots_per_level - 1));
        if ((_occupied[level] >> index & 1) == 0) {
            continue;
        }
        const unsigned slot_id = level * slots_per_level + index;
        fire_slot(slot_id, fired, budget);
        if (_slot_tail[slot_id] != slot_id * chunk_entries) {
            _resuming = true;
            _resume_level = static_cast<std::uint8_t>(level);
            return false;
        }
        _occupied[level] &= ~(std::uint64_t{1} << index);
    }
    return true;
}

std::size_t timer_wheel::advance(tick_t now, std::size_t budget) {
    if (_in_advance) {
        return 0;
    }
    if (tick_diff(now, _clock) > 0) {
        _clock = now;
    }
    if (!_resuming && tick_diff(_clock, _now) <= 0) {
        return 0;
    }
    if (_clock - _now > max_backlog) {
        budget = unlimited;
    }
    std::size_t fired = 0;
    _in_advance = true;
    if (_resuming) {
        _resuming = false;
        if (!fire_tick(_now, _resume_level, fired, budget)) {
            _in_advance = false;
            return fired;
        }
    }
    while (tick_diff(_next, _clock) <= 0) {
        tick_t next;
        if (_armed == 0 || !compute_next(next)) {
            break;
        }
        _next = next; // exact now; cancels may have left the cached one early
        if (tick_diff(next, _clock) > 0) {
            break;
        }
        _now = next;
        if (!fire_tick(next, level_count - 1, fired, budget)) {
            _in_advance = false;
            return fired;
        }
        // Timers started by callbacks lowered _next below the cached value if needed;
        // the loop recomputes from the bitmaps anyway.
    }
    _now = _clock;
    if (_armed == 0) {
        _next = _now + no_next_distance;
    }
    _in_advance = false;
    return fired;
}

} // namespace sipedge::timer
