#pragma once
// The shared-memory link between the dataplane (creator) and sipedge-control
// (attacher): one POSIX shared-memory file, e.g. /dev/shm/sipedge-<name>. Plain
// structs at fixed offsets, no pointers: each process maps the file at its own
// address and turns offsets into pointers. Both sides compile this header, so the
// header block carries a magic, a version and every size, and the attacher refuses
// a file whose layout differs from its own build.
//
// ## Layout (all offsets from the start of the file, each region 4 KiB aligned)
//
//   [0]               link_header (magic, version, sizes, region offsets,
//                     publication state, control status)
//   [lcores_offset]   lcore_state[lcore_count]       one cache line each: the lcore's
//                                                     quiescent epoch (QSBR)
//   [rings_offset]    for each lcore l: ring to_control(l), ring from_control(l)
//                     ring = ring_control (3 cache lines) + ring_slots * slot_bytes
//                     slot = slot_header (64 B) + payload (slot_payload bytes)
//   [location_offset]   snapshot_buffers * location_bytes      flat tables (flat_table.hh)
//   [credential_offset] snapshot_buffers * credential_bytes
//
// ## Rings
// One single-producer single-consumer ring per dataplane lcore and direction: the
// lcore produces into to_control(l) and consumes from_control(l); control is the
// other end of both. Indices are free-running 64-bit counters (never wrap). The
// producer writes the slot, then stores tail with release; the consumer loads tail
// with acquire, reads the slot, then stores head with release; the producer loads
// head with acquire before reusing a slot. So a slot's bytes are never read and
// written at the same time. A message longer than slot_payload is refused
// (push_result::too_large) so that the dataplane can answer 513 itself.
//
// ## Snapshots (location service and credential table) — QSBR
// Control is the only writer. Each table has snapshot_buffers (>= 2) buffers and a
// `current` word (generation << 8 | buffer index). Readers (dataplane lcores) load
// `current` with acquire and read that buffer in place, without locks or atomics
// on the data. Every lcore calls quiescent() once per poll pass, outside any use of
// snapshot data: it stores the global epoch it reads (acquire) into its own
// lcore_state::quiescent_epoch (release).
//
// Publishing (control): pick a buffer B that is neither current nor possibly in use
// (retired_epoch[B] <= min over online lcores of quiescent_epoch), write the table
// into B, set retired_epoch[old] = global_epoch + 1 (= E), store current = B
// (release), then global_epoch.fetch_add(1) (acq_rel) making it E.
//
// Why control never overwrites a buffer a reader still uses: control writes into
// `old` only after it sees (acquire) quiescent_epoch[l] >= E for every online lcore.
// That lcore stored E' >= E (release) after loading global_epoch == E' (acquire),
// which reads from control's fetch_add (or a later one), which is sequenced after
// the store of current = B. So (1) every read of `old` that the lcore made before
// that quiescent point happens-before control's new writes to it, and (2) every
// load of current the lcore makes after it returns B or newer. The retire epoch is
// stored before current changes, so a control that crashes mid-publish leaves a
// state a restarted control treats safely (it bumps the epoch when it attaches).
//
// An lcore that stops polling calls offline() (quiescent_epoch = offline_epoch: it
// holds no snapshot pointer); online() stores the current epoch and then issues a
// seq_cst fence before any lookup, paired with the seq_cst fence control issues
// before scanning the epochs, so that either control sees the lcore online or the
// lcore sees the new `current`.
//
// ## Lifetimes
// The dataplane creates the file under a temporary name and renames it into place
// when it is initialised, so an attacher never sees a half-built link. A restarted
// dataplane makes a new file (new inode): a running control notices with
// control_link::dataplane_replaced() and re-attaches and republishes. Control may
// stop at any time: `current` keeps naming the last published buffers, so the
// dataplane keeps routing to known contacts; a restarted control takes an
// exclusive flock() on the file (one control per link) and carries on.

#include "common/compiler.hh"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace sipedge::ipc {

inline constexpr std::uint64_t link_magic = 0x314b4e4c50495345ULL; // "ESIPLNK1"
inline constexpr std::uint32_t link_version = 1;
inline constexpr std::uint32_t max_snapshot_buffers = 8;
inline constexpr std::uint64_t offline_epoch = ~std::uint64_t{0};
inline constexpr std::size_t region_alignment = 4096;

static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "shared-memory atomics must be lock-free to work across processes");

// An IP address and port. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d), the same
// bytes as txn::endpoint, so the dataplane converts with two copies.
struct endpoint {
    std::array<std::uint8_t, 16> addr{};
    std::uint16_t port = 0;

    // host_order: a.b.c.d == 0xaabbccdd.
    static endpoint ipv4(std::uint32_t host_order, std::uint16_t port) {
        endpoint e;
        e.addr[10] = e.addr[11] = 0xff;
        for (int i = 0; i < 4; ++i) {
            e.addr[12 + i] = static_cast<std::uint8_t>(host_order >> (24 - 8 * i));
        }
        e.port = port;
        return e;
    }
    friend bool operator==(const endpoint&, const endpoint&) = default;
};

// 64 bytes in front of every message in a ring slot.
struct slot_header {
    std::uint32_t length;   // payload bytes
    std::uint16_t lcore;    // dataplane lcore the message came from / goes out on
    std::uint8_t transport; // txn::transport value (0 = UDP)
    std::uint8_t kind;      // message_kind
    endpoint source;        // to_control: the peer; from_control: our local address
    endpoint destination;   // to_control: our local address; from_control: the peer
    std::uint8_t pad[4];
    std::uint64_t token; // opaque to the other side, echoed in replies
    std::uint64_t reserved;
};
static_assert(sizeof(slot_header) == 64);

enum class message_kind : std::uint8_t { sip = 0 };

// Ring indices, each on its own cache line. Refusal counters are written by the
// producer only.
struct ring_control {
    alignas(cache_line_size) std::atomic<std::uint64_t> tail; // producer
    alignas(cache_line_size) std::atomic<std::uint64_t> head; // consumer
    alignas(cache_line_size) std::atomic<std::uint64_t> refused_full;
    std::atomic<std::uint64_t> refused_too_large;
    std::atomic<std::uint64_t> pushed;
};
static_assert(sizeof(ring_control) == 3 * cache_line_size);

struct alignas(cache_line_size) lcore_state {
    std::atomic<std::uint64_t> quiescent_epoch; // offline_epoch when offline
};

// Publication state of one snapshot table.
struct alignas(cache_line_size) table_state {
    std::atomic<std::uint64_t> current; // generation << 8 | buffer; generation 0: none yet
    std::array<std::atomic<std::uint64_t>, max_snapshot_buffers> retired_epoch;
};

struct link_header {
    std::atomic<std::uint64_t> magic; // stored last (release) by the creator
    std::uint32_t version;
    std::uint32_t header_bytes; // sizeof(link_header) of the creator's build
    std::uint32_t lcore_count;
    std::uint32_t ring_slots; // power of two
    std::uint32_t slot_payload;
    std::uint32_t slot_bytes;
    std::uint32_t snapshot_buffers;
    std::uint32_t slot_header_bytes;
    std::uint64_t location_bytes;   // per buffer
    std::uint64_t credential_bytes; // per buffer
    std::uint64_t lcores_offset;
    std::uint64_t rings_offset;
    std::uint64_t ring_bytes; // ring_control + slots, one direction of one lcore
    std::uint64_t location_offset;
    std::uint64_t credential_offset;
    std::uint64_t total_bytes;
    std::uint64_t dataplane_pid;
    std::int64_t created_unix;
    std::uint64_t instance_id; // random per creation

    alignas(cache_line_size) std::atomic<std::uint64_t> global_epoch;
    table_state location;
    table_state credentials;

    // Written by control, read by the dataplane and tools.
    alignas(cache_line_size) std::atomic<std::uint64_t> control_pid;
    std::atomic<std::int64_t> control_started_unix;
    std::atomic<std::int64_t> control_heartbeat_unix;
    std::atomic<std::uint64_t> control_attach_count;
};

constexpr std::uint64_t align_up(std::uint64_t v, std::uint64_t a) {
    return (v + a - 1) / a * a;
}

constexpr std::uint8_t current_buffer(std::uint64_t current) {
    return static_cast<std::uint8_t>(current & 0xff);
}
constexpr std::uint64_t current_generation(std::uint64_t current) {
    return current >> 8;
}

} // namespace sipedge::ipc
