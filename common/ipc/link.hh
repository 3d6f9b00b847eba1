#pragma once
// Both ends of the dataplane ↔ control shared-memory link (layout and the memory-
// ordering argument: common/ipc/layout.hh; table format: flat_table.hh).
//
// Dataplane side (dataplane_link): created once at start-up, then used from the
// lcores without locks or allocation. Each lcore touches only its own rings, its own
// lcore_state line and its own scratch array. Per poll pass, lcore `l` does:
//
//   link.quiescent(l);                       // first: drop last pass's snapshot views
//   ... for each REGISTER (or TCP/TLS-bound message) of the burst:
//       switch (link.push_to_control(l, bytes, meta)) {
//       case push_result::too_large: answer 513 Message Too Large; break;
//       case push_result::full:      drop (counted) — the client retransmits; break;
//       case push_result::ok:        break; }
//   ... for each INVITE to route:  auto contacts = link.lookup(l, aor, now_unix);
//       (views valid until this lcore's next quiescent())
//   ... for an INVITE from our user: link.find_credential(l, user, realm), then
//       digest::check_nonce + digest::verify (digest_check.hh; 407 when either fails)
//   received_message m;
//   while (n < burst && link.pop_from_control(l, m)) { copy m.bytes to an mbuf,
//       send to m.meta.destination from m.meta.source; }
//   link.release_from_control(l);            // optional: frees the last slot now
//
// Control side (control_link): attaches to the file, drains to_control rings,
// pushes replies, publishes snapshots. Single-threaded.

#include "common/ipc/flat_table.hh"
#include "common/ipc/layout.hh"
#include "common/result.hh"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::ipc {

enum class link_error : std::uint8_t {
    bad_argument,
    io_error,     // open/ftruncate/mmap/rename failed (see errno_value())
    not_found,    // attach: no file at the path (dataplane not running)
    bad_magic,    // not a link file, or not initialised
    bad_version,  // built from a different layout version
    bad_layout,   // sizes disagree with this build
    control_busy, // another control process holds the link
};
std::string_view link_error_name(link_error e);

template <typename T>
using link_result = sipedge::result<T, link_error>;

struct link_sizes {
    std::uint32_t ring_slots = 256;    // per lcore and direction; rounded up to a power of 2
    std::uint32_t slot_payload = 8192; // largest SIP message carried
    std::uint32_t snapshot_buffers = 3;
    std::uint64_t location_bytes = 16u << 20;  // per buffer
    std::uint64_t credential_bytes = 4u << 20; // per buffer
    std::uint32_t lookup_scratch = 1024;       // dataplane, per lcore: contacts per pass
};

struct message_meta {
    endpoint source;
    endpoint destination;
    std::uint8_t transport = 0;
    std::uint64_t token = 0;
};

struct received_message {
    std::string_view bytes; // into the ring slot; valid until the next pop/release
    message_meta meta;
    std::uint16_t lcore = 0;
};

enum class push_result : std::uint8_t { ok, full, too_large };

struct ring_stats {
    std::uint64_t pushed = 0;
    std::uint64_t refused_full = 0;
    std::uint64_t refused_too_large = 0;
    std::uint64_t queued = 0;
};

// A mapping of the link file; shared by both ends.
class link_mapping {
public:
    link_mapping() = default;
    link_mapping(const link_mapping&) = delete;
    link_mapping& operator=(const link_mapping&) = delete;
    ~link_mapping();

    link_header& header() const { return *reinterpret_cast<link_header*>(_base); }
    char* base() const { return _base; }
    std::size_t size() const { return _size; }
    int fd() const { return _fd; }

    ring_control& ring(std::uint32_t lcore, bool to_control) const;
    char* slot(std::uint32_t lcore, bool to_control, std::uint64_t index) const;
    lcore_state& lcore(std::uint32_t l) const;
    char* location_buffer(std::uint32_t b) const;
    char* credential_buffer(std::uint32_t b) const;

    char* _base = nullptr;
    std::size_t _size = 0;
    int _fd = -1;
    std::uint64_t _mask = 0;
};

// Reader helpers over a mapping (used by the dataplane; control uses them in tests).
std::span<const contact_view> lookup_contacts(const link_mapping& m, std::string_view aor,
                                              std::int64_t now_unix, std::span<contact_view> out,
                                              std::size_t& total);
const credential_record* lookup_credential(const link_mapping& m, std::string_view user,
                                           std::string_view realm);

class dataplane_link {
public:
    // Creates (or replaces) the link file at path: built under path + ".tmp" and
    // renamed into place once initialised. lcore_count >= 1 (worker lcores, indexed
    // 0..lcore_count-1). All lcores start online at epoch 0.
    static link_result<std::unique_ptr<dataplane_link>>
    create(const std::string& path, std::uint32_t lcore_count, const link_sizes& sizes = {});

    // Unmaps; removes the file if the path still names it.
    ~dataplane_link();

    std::uint32_t lcore_count() const { return _m.header().lcore_count; }
    std::uint32_t slot_payload() const { return _m.header().slot_payload; }
    const std::string& path() const { return _path; }

    // ---- called by lcore `lcore` only ----
    push_result push_to_control(std::uint16_t lcore, std::string_view bytes,
                                const message_meta& meta);
    // Next reply for this lcore; out.bytes stays valid until the next pop or release.
    bool pop_from_control(std::uint16_t lcore, received_message& out);
    void release_from_control(std::uint16_t lcore);

    // Contacts of an AOR ("user@host"; host compared without case) from the current
    // location snapshot, skipping those expired at now_unix (0: no expiry check).
    // The span and its views stay valid until this lcore's next quiescent(). Empty
    // when unknown (or the lcore's scratch for this pass is used up: counted).
    std::span<const contact_view> lookup(std::uint16_t lcore, std::string_view aor,
                                         std::int64_t now_unix = 0);
    // HA1s of user@realm from the current credential snapshot, valid until the
    // lcore's next quiescent(); null when unknown.
    const credential_record* find_credential(std::uint16_t lcore, std::string_view user,
                                             std::string_view realm);
    // Once per poll pass, outside any use of snapshot data.
    void quiescent(std::uint16_t lcore);
    void offline(std::uint16_t lcore);
    void online(std::uint16_t lcore);

    std::uint64_t scratch_exhausted(std::uint16_t lcore) const;
    // Control's last heartbeat is at most max_age seconds old.
    bool control_alive(std::int64_t now_unix, std::int64_t max_age) const;
    std::uint64_t location_generation() const;
    const link_mapping& mapping() const { return _m; }

private:
    dataplane_link() = default;
    struct alignas(cache_line_size) local_lcore {
        std::uint64_t cached_head_to_control = 0; // producer's view of control's head
        std::uint64_t cached_tail_from_control = 0;
        bool holding = false; // a from_control slot is lent out
        std::uint32_t scratch_used = 0;
        std::uint64_t scratch_exhausted = 0;
        contact_view* scratch = nullptr;
    };
    link_mapping _m;
    std::string _path;
    std::vector<local_lcore> _local;
    std::vector<contact_view> _scratch;
    std::uint32_t _scratch_per_lcore = 0;
};

enum class publish_result : std::uint8_t {
    ok,
    busy,      // every spare buffer may still be read: retry after the lcores pass
    too_large, // the table does not fit one buffer (link_sizes)
};
std::string_view publish_result_name(publish_result r);

struct link_status {
    std::uint32_t lcore_count = 0;
    std::uint64_t dataplane_pid = 0;
    std::int64_t created_unix = 0;
    std::uint64_t instance_id = 0;
    std::uint64_t global_epoch = 0;
    std::uint64_t location_generation = 0;
    std::uint64_t credential_generation = 0;
    std::uint64_t control_attach_count = 0;
    std::vector<ring_stats> to_control;
    std::vector<ring_stats> from_control;
};

class control_link {
public:
    // Maps an existing link file and takes the exclusive control lock.
    static link_result<std::unique_ptr<control_link>> attach(const std::string& path,
                                                             std::int64_t now_unix);
    ~control_link();

    std::uint32_t lcore_count() const { return _m.header().lcore_count; }
    std::uint32_t slot_payload() const { return _m.header().slot_payload; }

    bool pop_from_dataplane(std::uint16_t lcore, received_message& out);
    void release_from_dataplane(std::uint16_t lcore);
    push_result push_to_dataplane(std::uint16_t lcore, std::string_view bytes,
                                  const message_meta& meta);

    publish_result publish_location(const location_table_builder& table, std::int64_t now_unix);
    publish_result publish_credentials(const credential_table_builder& table,
                                       std::int64_t now_unix);

    // The path no longer names the file we mapped (dataplane restarted or gone).
    bool dataplane_replaced() const;
    void heartbeat(std::int64_t now_unix);
    link_status status() const;
    const link_mapping& mapping() const { return _m; }

private:
    control_link() = default;
    template <typename Builder>
    publish_result publish(table_state& state, bool location, const Builder& table,
                           std::int64_t now_unix);
    struct local_lcore {
        std::uint64_t cached_head_from_control = 0;
        std::uint64_t cached_tail_to_control = 0;
        bool holding = false;
    };
    link_mapping _m;
    std::string _path;
    std::uint64_t _ino = 0;
    std::uint64_t _dev = 0;
    std::vector<local_lcore> _local;
};

} // namespace sipedge::ipc
