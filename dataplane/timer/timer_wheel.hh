#pragma once
// Per-lcore hierarchical timer wheel, built for timers that are cancelled before
// they fire (SIP transaction timers) and for a range from one tick to days (RFC
// 4028 session timers).
//
// Shape (idea from the Linux kernel/time/timer.c header comment, with a finer
// ratio): 13 levels of 64 slots; level n has a granularity of 4^n ticks. A timer is
// put once, in the lowest level whose 63-slot horizon holds its expiry rounded up to
// that level's granularity, and never moves again (no cascading): start, cancel and
// restart touch one node and one slot, and firing touches each timer once. Without
// cascading, levels cost almost nothing, so the wheel uses x4 per level rather than
// Linux's x8: that halves the worst-case lateness (below).
//
// Error bound (tested): a timer started at wheel tick T with delay d >= 1 expires at
// e = T + d and fires at the slot tick f = e rounded up to its level's granularity g:
//     e <= f <= e + max_lateness(d),  max_lateness(d) = g_max(d) - 1 < 2*d/31 (6.5 %),
// where g_max(d) is the coarsest granularity d can land in (level n is used only
// when level n-1 cannot hold it, which needs d >= 62 * 4^(n-1) + 2). So the bound is
// 0 for d <= 63 (level 0: exact) and below 1/8 of the delay at every level beyond
// (below 1/15.5, in fact). advance(now) fires, once, every timer whose f <= now, in
// order of f (timers with the same f in no particular order), so firing is in
// deadline order within the bound. It never fires a timer early (in wheel ticks).
//
// Slots hold arrays of node indices (chunks of 16), not linked lists, so that firing
// a slot walks memory sequentially and prefetches nodes ahead: with millions of live
// timers the nodes do not fit in cache and a list walk would be one DRAM miss per
// timer. Cancel removes by swapping the slot's last entry into the hole. Every slot
// keeps one chunk even when empty, so a start into an empty slot and its cancel do
// not go through the chunk free list, and a slot's whole state is one word (the
// position after its newest entry). The occupancy bitmaps that let advance() skip
// empty slots are cleared lazily: a cancel that empties a slot leaves its bit, and
// advance() (or its search for the next slot) drops the bit when it reaches the
// slot, so a start+cancel pair in an empty slot leaves the bitmap as it was.
//
// Handles: one 32-bit word, generation << index_bits | index. index_bits is the bit
// width of the capacity, fixed at create(); the all-ones index is never a node, so
// the all-ones word is the invalid (default) handle. The other k = 32 - index_bits
// bits are a generation (k = 8 at 10M timers, 12 at 1M; max_capacity keeps k >= 4).
// Firing or cancelling a timer adds 1 << index_bits to its node's word, so the
// generation wraps modulo 2^k (no node is ever retired). The free list holds these
// words, so start() hands out the list head without reading the node. An armed node
// stores its handle word; a free node stores the word it will be handed out under
// with the index bits inverted, which no handle reaching that node can equal. So
// cancel/restart/armed/expiry accept a handle iff it equals its node's word (one
// comparison), and only an armed timer's handle does. Stale-handle detection and its
// limit:
//   - a handle of a timer that fired or was cancelled is refused unless its node has
//     since been reused exactly a multiple of 2^k times and is armed again; in that
//     one case the handle names that newer timer (it cannot be told apart);
//   - whatever the handle, the wheel's structure is never corrupted: an out-of-range
//     index or an unarmed node is refused before anything is touched.
// Callers that forget a handle when its timer fires or is cancelled (the transaction
// layer does) never present a stale one. (8-byte handles with a 32-bit generation
// would push the limit to 2^32 reuses, at 12 more bytes per transaction.)
//
// Threading: one lcore owns a wheel and is the only one to call it. Other lcores
// send requests through an SPSC ring (timer_requests.hh).
//
// Memory: everything is allocated at construction (on transparent huge pages where
// the kernel allows); nothing afterwards. About 28.3 bytes per timer of capacity
// (24-byte node + 4-byte slot entry + chunk links) plus ~60 KiB of slots and their
// chunks.

#include "common/compiler.hh"
#include "common/result.hh"
#include "dataplane/timer/clock.hh"

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace sipedge::timer {

enum class timer_errc : std::uint8_t {
    capacity_exhausted = 1, // every node is armed
    delay_out_of_range,     // delay > timer_wheel::max_delay
    stale_handle,           // the timer was cancelled or has fired (or never existed)
    unknown_kind,           // kind >= config.kinds or no handler registered for it
    invalid_config,         // create(): capacity 0 or too large, kinds 0
};

// 32 bits: generation << index_bits | index (see the header comment). Opaque to
// users: compare, copy, keep; the wheel decodes it.
struct timer_handle {
    static constexpr std::uint32_t invalid_value = 0xffffffffu;

    std::uint32_t value = invalid_value;

    // False only for a default-constructed handle; says nothing about liveness
    // (use timer_wheel::armed()).
    bool valid() const { return value != invalid_value; }
    friend bool operator==(timer_handle, timer_handle) = default;
};
static_assert(sizeof(timer_handle) == 4);

// What a callback is told. The handle is already stale when the callback runs:
// the node has been freed, so the callback may start timers that reuse it.
struct timer_event {
    timer_handle handle;
    std::uint16_t kind;
    std::uint64_t data;
    tick_t expiry; // requested expiry tick (e)
    tick_t now;    // tick at which it fires (f); wheel.now() == now during the call
};

class timer_wheel;

// One callback per kind, fixed at start-up: a function pointer and a context, not a
// std::function per timer (which would cost 32 bytes and maybe an allocation).
using timer_callback = void (*)(void* context, timer_wheel& wheel, const timer_event& event);

// Optional, per kind: asked to start loading what the callback for a timer with this
// data will touch, while a slot fires, a few timers before that callback runs. Stage
// 0 comes about prefetch_far timers ahead, stage 1 about prefetch_near ahead, so
// stage 1 may read what stage 0 requested and request what that points to. Hints
// only: the timer may be cancelled (and its data stale) by the time it would fire.
using timer_prefetch = void (*)(void* context, std::uint64_t data, unsigned stage);

struct timer_wheel_config {
    std::uint32_t capacity = 0; // maximum number of armed timers, 1 .. max_capacity
    tick_t start_tick = 0;      // the wheel's now() at creation
    std::uint16_t kinds = 1;    // callback table size; kinds are 0 .. kinds-1
};

class timer_wheel {
public:
    static constexpr unsigned level_count = 13;
    static constexpr unsigned level_bits = 6;  // 64 slots per level
    static constexpr unsigned level_shift = 2; // granularity x4 per level
    static constexpr unsigned slots_per_level = 1u << level_bits;
    // Longest delay accepted: 62 granules of the top level (2^24 ticks each), which
    // always fits its 63-granule horizon. 1.04e9 ticks = 12 days at 1 ms ticks.
    static constexpr tick_t max_delay = tick_t{62} << (level_shift * (level_count - 1));
    // Keeps at least 4 generation bits in a handle (index_bits <= 28).
    static constexpr std::uint32_t max_capacity = (1u << 28) - 1;

    // Largest lateness the wheel allows itself for a delay (see the header comment).
    static constexpr tick_t max_lateness(tick_t delay) {
        unsigned level = 0;
        while (level + 1 < level_count && delay >= 62 * (tick_t{1} << (level_shift * level)) + 2) {
            ++level;
        }
        return (tick_t{1} << (level_shift * level)) - 1;
    }

    // Largest delay whose firing tick is guaranteed to be <= now() + deadline, for
    // deadlines that must not be overrun (e.g. a BYE before a session expires).
    static constexpr tick_t latest_delay_within(tick_t deadline) {
        tick_t lo = 0;
        tick_t hi = deadline < max_delay ? deadline : max_delay;
        while (lo < hi) {
            const tick_t mid = lo + (hi - lo + 1) / 2;
            if (mid + max_lateness(mid) <= deadline) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    static result<timer_wheel, timer_errc> create(const timer_wheel_config& config);

    timer_wheel(timer_wheel&& other) noexcept;
    timer_wheel& operator=(timer_wheel&& other) noexcept;
    timer_wheel(const timer_wheel&) = delete;
    timer_wheel& operator=(const timer_wheel&) = delete;
    ~timer_wheel();

    // Registers the callback for timers of `kind`. Start-up only; a kind without a
    // handler cannot be started.
    status<timer_errc> set_handler(std::uint16_t kind, timer_callback fn, void* context);
    // Adds a prefetch hint to the handler of `kind` (same context). Start-up only.
    status<timer_errc> set_prefetch(std::uint16_t kind, timer_prefetch fn);
    // Distances (in timers fired from one slot) of the two prefetch stages.
    static constexpr unsigned prefetch_far = 8;
    static constexpr unsigned prefetch_near = 4;

    // Arms a timer that expires at now() + delay (delay 0 counts as 1: a timer never
    // fires in the advance() call that starts it unless time moves). O(1).
    // Errors: delay_out_of_range, unknown_kind, capacity_exhausted.
    result<timer_handle, timer_errc> start(tick_t delay, std::uint16_t kind, std::uint64_t data);

    // Disarms. O(1). stale_handle if the timer already fired or was cancelled.
    status<timer_errc> cancel(timer_handle h);

    // Re-arms an armed timer to expire at now() + delay, keeping its handle, kind and
    // data. O(1). stale_handle if not armed (e.g. inside its own callback: start a
    // new timer there instead). delay_out_of_range leaves the timer as it was.
    status<timer_errc> restart(timer_handle h, tick_t delay);

    bool armed(timer_handle h) const;
    // Requested expiry tick of an armed timer.
    result<tick_t, timer_errc> expiry(timer_handle h) const;

    // Moves the wheel to tick `now` and fires every timer whose slot tick is <= now,
    // in slot-tick order, as if the wheel had stepped one tick at a time: during a
    // callback now() is that timer's slot tick, and timers started by callbacks are
    // relative to it (so they may fire within the same call). Empty stretches are
    // skipped through occupancy bitmaps, so a jump of days costs no more than the
    // slots it passes that hold timers. A `now` behind now() is ignored. Calls from
    // inside a callback do nothing and return 0. Returns the number fired.
    std::size_t advance(tick_t now) { return advance(now, unlimited); }

    // The same, firing at most `budget` timers. What is due and not fired stays due
    // and fires first on the next calls, in the same order; now() moves to `now`
    // anyway, so timers started meanwhile expire relative to it and never early. A
    // coarse slot fires a granule's worth of timers at once (a 32 s timer's slot is
    // 1,024 ticks wide): with a budget that work is spread over the caller's passes
    // instead of stalling one of them. Late by the backlog; a backlog of more than
    // max_backlog ticks is fired whole, so it cannot grow without bound. The bounds
    // in ticks (max_lateness, latest_delay_within) still hold for a timer's slot
    // tick (event.now); its callback may run up to max_backlog ticks after that.
    static constexpr std::size_t unlimited = ~std::size_t{0};
    static constexpr tick_t max_backlog = 256;
    std::size_t advance(tick_t now, std::size_t budget);
    // Ticks of due timers not fired yet (0 when none are left over from a budget).
    tick_t backlog() const { return _clock - _now; }

    // Outside a callback, the latest tick given to advance(); inside one, the
    // tick at which its timer fires.
    tick_t now() const { return _in_advance ? _now : _clock; }
    // A tick at or before the earliest slot tick of any armed timer (exact after
    // advance(); cancels can leave it early). nullopt when nothing is armed. Lets a
    // loop skip advance() until then.
    std::optional<tick_t> next_expiry_hint() const;

    std::uint32_t size() const { return _armed; }
    std::uint32_t capacity() const { return _capacity; }
    // Handle layout: index bits (bit width of the capacity) and generation bits (the
    // rest); a stale handle can be mistaken only after 2^generation_bits() reuses.
    unsigned index_bits() const { return _index_bits; }
    unsigned generation_bits() const { return 32 - _index_bits; }
    // The pool index a handle names (diagnostics and tests).
    std::uint32_t index_of(timer_handle h) const { return h.value & _index_mask; }
    // Bytes allocated for `capacity` timers, all structures included.
    std::size_t memory_bytes() const;

private:
    struct node;
    struct handler {
        timer_callback fn;
        void* context;
        timer_prefetch prefetch;
    };
    struct mapping {
        void* addr = nullptr;
        std::size_t bytes = 0;
    };

    timer_wheel() = default;
    void release();
    void insert(std::uint32_t index, node& n, tick_t delay);
    void remove(node& n);
    void free_node(std::uint32_t h, node& n);
    node* lookup(timer_handle h);
    const node* lookup(timer_handle h) const;
    void fire_slot(unsigned slot_id, std::size_t& fired, std::size_t budget);
    bool fire_tick(tick_t tick, unsigned top_level, std::size_t& fired, std::size_t budget);
    void prefetch_ahead(std::uint32_t last, std::uint32_t older, unsigned distance,
                        unsigned stage) const;
    bool compute_next(tick_t& next);
    tick_t full_expiry(const node& n) const;

    static constexpr std::uint32_t nil = 0xffffffffu;
    static constexpr unsigned chunk_entries = 16;
    static constexpr unsigned slot_total = level_count * slots_per_level;
    static constexpr tick_t no_next_distance = tick_t{1} << 62;
    // Granularity shift (2 * level) of the lowest level that can hold a delay d, by
    // floor(log2 d) = lg: level (lg - 4) / 2 for lg >= 6, else 0.
    // Indexed by countl_zero(d), i.e. lg = 63 - index.
    static constexpr auto base_shift = [] {
        std::array<std::uint8_t, 64> t{};
        for (unsigned clz = 0; clz < 64; ++clz) {
            const unsigned lg = 63 - clz;
            t[clz] = static_cast<std::uint8_t>(lg >= level_bits ? (lg - 4) & ~1u : 0u);
        }
        return t;
    }();

    mapping _map; // nodes, chunk entries and chunk links, in one mapping
    node* _nodes = nullptr;
    std::uint32_t* _chunk_items = nullptr; // chunk c holds _chunk_items[16c .. 16c+15]
    std::uint32_t* _chunk_next = nullptr;  // next older chunk of a slot, or free-list link
    std::uint32_t _chunk_count = 0;
    std::uint32_t _free_chunk = nil;
    std::uint32_t _free_head = nil; // handle word of the first free node, or nil
    std::uint32_t _capacity = 0;
    std::uint32_t _armed = 0;
    std::uint32_t _index_mask = 0;      // (1 << index_bits) - 1
    std::uint32_t _generation_step = 0; // 1 << index_bits
    std::uint8_t _index_bits = 0;
    std::uint16_t _kinds = 0;
    bool _in_advance = false;
    // A budget ran out at tick _now: the slots there of levels <= _resume_level
    // (the coarser ones went first) still hold due timers.
    bool _resuming = false;
    std::uint8_t _resume_level = 0;
    // _now is where firing has got to (every slot before it has fired); _clock is
    // the latest tick given to advance(), ahead of _now only while a budget leaves
    // due timers behind. Slots are placed relative to _now, expiries to _clock.
    tick_t _now = 0;
    tick_t _clock = 0;
    // Lower bound of the earliest slot tick of any armed timer; when none is armed,
    // possibly _now + no_next_distance (far ahead, so insert() needs one comparison).
    tick_t _next = 0;
    // Occupancy: bit i of _occupied[level] is set if slot i of that level may hold
    // timers (set by insert, cleared lazily: see remove()).
    std::uint64_t _occupied[level_count] = {};
    // One word per slot: the chunk position just past its newest entry. Slot i's
    // entries fill its own chunk i first, then chunks from the pool, each linked to
    // the one before it (_chunk_next); the newest chunk holds 1..16 entries, so
    // _slot_tail[i] is head_chunk * 16 + (1..16) -- or i * 16 exactly when the slot is
    // empty. (When the tail is a multiple of 16 and not i * 16, the head chunk is full.)
    std::uint32_t _slot_tail[slot_total] = {};
    handler* _handlers = nullptr;
};

// ---- hot paths, inline so that the transaction layer's calls compile to a few
// loads and stores ----

// 24 bytes: with the 4-byte slot entry and chunk links a timer costs ~28.3 bytes.
struct timer_wheel::node {
    std::uint64_t data;
    std::uint32_t expiry_lo; // low 32 bits of the expiry tick; max_delay < 2^31
    // Armed: its handle word (generation << index_bits | own index). Free: the word it
    // will be handed out under, with the index bits inverted, so that no handle (whose
    // index bits name this node) can equal it: lookup() needs one comparison.
    std::uint32_t handle;
    std::uint32_t pos; // armed: chunk * 16 + entry; free: the next free node's handle word
    std::uint16_t kind;
    std::uint16_t slot; // armed: level * 64 + index
};

// Puts node `index` in the lowest level whose horizon holds its expiry rounded up to
// the level's granularity. The horizon is 63 granules past the granule holding now,
// so a slot never aliases the one being fired. Wheel fields are read into locals
// once: the build has -fno-strict-aliasing, so every store through a node would
// otherwise make the compiler load them again.
SIPEDGE_ALWAYS_INLINE void timer_wheel::insert(std::uint32_t index, node& n, tick_t delay) {
    // The lowest level that can hold delay d needs d < 64 * 4^level: with
    // lg = floor(log2 d), level (lg - 4) / 2 for lg >= 6, else 0. The timer belongs
    // there or one level up (one level up it is under 16 granules). It fits iff the
    // granule of expiry - 1 is at most 62 past the granule of now (the rounded-up
    // expiry is then <= 63 granules on). delay >= 1. shift = 2 * level throughout.
    static_assert(level_shift == 2, "the level arithmetic below assumes x4 per level");
    const tick_t now = _now;
    const tick_t last = now + delay - 1;
    // By the count of leading zeros: a single bsr (std::countl_zero would handle 0).
    unsigned shift = base_shift[__builtin_clzll(delay)];
    // Measured from the start of now's granule, which is wrap-safe on the tick line.
    shift += ((last - (now & (~tick_t{0} << shift))) >> shift) >= slots_per_level - 1 ? 2u : 0u;
    // Expiry rounded up, in granules. Across the 2^64 wrap it is off by 2^(64 - shift),
    // a multiple of 64: the same slot, and the same slot tick modulo 2^64.
    const tick_t granule = (last >> shift) + 1;
    const unsigned index_in_level = static_cast<unsigned>(granule & (slots_per_level - 1));
    const unsigned slot_id = shift * (slots_per_level / level_shift) + index_in_level;
    std::uint32_t tail = _slot_tail[slot_id];
    if ((tail & (chunk_entries - 1)) == 0 && tail != slot_id * chunk_entries) {
        // The head chunk is full. create() sized the pool so this cannot run out.
        const std::uint32_t c = _free_chunk;
        _free_chunk = _chunk_next[c];
        _chunk_next[c] = tail / chunk_entries - 1;
        tail = c * chunk_entries;
    }
    _chunk_items[tail] = index;
    _slot_tail[slot_id] = tail + 1;
    n.pos = tail;
    n.slot = static_cast<std::uint16_t>(slot_id);
    _occupied[shift / level_shift] |= std::uint64_t{1} << index_in_level;

    // _next is a lower bound of every armed timer's slot tick (far ahead when none).
    const tick_t slot_tick = granule << shift;
    if (static_cast<std::int64_t>(slot_tick - _next) < 0) {
        _next = slot_tick;
    }
}

// Takes n out of its slot: the slot's last entry moves into n's place. An emptied
// slot keeps its occupancy bit (and its own chunk): compute_next() and advance()
// clear stale bits when they reach them, so a start and cancel in an empty slot
// leave the bitmap as they found it.
SIPEDGE_ALWAYS_INLINE void timer_wheel::remove(node& n) {
    const unsigned slot_id = n.slot;
    const std::uint32_t npos = n.pos;
    std::uint32_t last = _slot_tail[slot_id] - 1;
    // Cancelling the newest timer of a slot (common right after a start) moves nothing.
    if (npos != last) {
        std::uint32_t* const items = _chunk_items;
        const std::uint32_t moved = items[last];
        items[npos] = moved;
        _nodes[moved].pos = npos;
    }
    if ((last & (chunk_entries - 1)) == 0 && last != slot_id * chunk_entries) {
        // The head chunk is now empty and is not the slot's own: back to the pool; the
        // next older chunk is full.
        const std::uint32_t head = last / chunk_entries;
        const std::uint32_t older = _chunk_next[head];
        _chunk_next[head] = _free_chunk;
        _free_chunk = head;
        last = (older + 1) * chunk_entries;
    }
    _slot_tail[slot_id] = last;
}

// Puts node `index` (handle word h, armed until now) on the free list under the next
// generation (wrapping modulo 2^generation_bits; the index bits stay), so h is stale
// from here on.
SIPEDGE_ALWAYS_INLINE void timer_wheel::free_node(std::uint32_t h, node& n) {
    const std::uint32_t next = h + _generation_step;
    n.handle = next ^ _index_mask;
    n.pos = _free_head;
    _free_head = next;
}

// The node a handle names if it is armed with that handle's generation, else null.
SIPEDGE_ALWAYS_INLINE timer_wheel::node* timer_wheel::lookup(timer_handle h) {
    const std::uint32_t index = h.value & _index_mask;
    if (index >= _capacity) [[unlikely]] {
        return nullptr;
    }
    node& n = _nodes[index];
    return n.handle == h.value ? &n : nullptr;
}

SIPEDGE_ALWAYS_INLINE const timer_wheel::node* timer_wheel::lookup(timer_handle h) const {
    return const_cast<timer_wheel*>(this)->lookup(h);
}

// The free list holds handle words, so the handle comes from the list head: no load
// of the node's word, and the node is written, never read.
inline result<timer_handle, timer_errc> timer_wheel::start(tick_t delay, std::uint16_t kind,
                                                           std::uint64_t data) {
    if (delay > max_delay) [[unlikely]] {
        return error{timer_errc::delay_out_of_range, "timer delay beyond the wheel's range"};
    }
    if (kind >= _kinds || _handlers[kind].fn == nullptr) [[unlikely]] {
        return error{timer_errc::unknown_kind, "timer kind has no handler"};
    }
    const std::uint32_t h = _free_head;
    if (h == nil) [[unlikely]] {
        return error{timer_errc::capacity_exhausted, "timer wheel full"};
    }
    const std::uint32_t index = h & _index_mask;
    node& n = _nodes[index];
    _free_head = n.pos;
    // The next start() reads that node's link, and free nodes go cold (a slot's
    // worth are freed at once and handed out over many starts): request it now.
    // (An empty list gives an address past the array: a prefetch never faults.)
    SIPEDGE_PREFETCH_WRITE(&_nodes[_free_head & _index_mask]);
    n.data = data;
    n.handle = h;
    n.kind = kind;
    delay += delay == 0 ? 1 : 0;
    delay += _in_advance ? 0 : _clock - _now; // relative to now(), placed from _now
    n.expiry_lo = static_cast<std::uint32_t>(_now + delay);
    insert(index, n, delay);
    ++_armed;
    return timer_handle{h};
}

inline status<timer_errc> timer_wheel::cancel(timer_handle h) {
    node* n = lookup(h);
    if (n == nullptr) {
        return error{timer_errc::stale_handle, "timer already fired or cancelled"};
    }
    remove(*n);
    free_node(h.value, *n);
    --_armed;
    return {};
}

inline status<timer_errc> timer_wheel::restart(timer_handle h, tick_t delay) {
    node* const found = lookup(h);
    if (found == nullptr) {
        return error{timer_errc::stale_handle, "timer already fired or cancelled"};
    }
    node& n = *found;
    if (delay > max_delay) [[unlikely]] {
        return error{timer_errc::delay_out_of_range, "timer delay beyond the wheel's range"};
    }
    if (delay == 0) {
        delay = 1;
    }
    remove(n);
    delay += _in_advance ? 0 : _clock - _now;
    n.expiry_lo = static_cast<std::uint32_t>(_now + delay);
    insert(h.value & _index_mask, n, delay);
    return {};
}

inline bool timer_wheel::armed(timer_handle h) const {
    return lookup(h) != nullptr;
}

} // namespace sipedge::timer
