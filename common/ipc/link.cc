#include "common/ipc/link.hh"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <new>
#include <random>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sipedge::ipc {

std::string_view link_error_name(link_error e) {
    switch (e) {
    case link_error::bad_argument:
        return "bad_argument";
    case link_error::io_error:
        return "io_error";
    case link_error::not_found:
        return "not_found";
    case link_error::bad_magic:
        return "bad_magic";
    case link_error::bad_version:
        return "bad_version";
    case link_error::bad_layout:
        return "bad_layout";
    case link_error::control_busy:
        return "control_busy";
    }
    return "unknown";
}

std::string_view publish_result_name(publish_result r) {
    switch (r) {
    case publish_result::ok:
        return "ok";
    case publish_result::busy:
        return "busy";
    case publish_result::too_large:
        return "too_large";
    }
    return "unknown";
}

// ---- mapping ----

link_mapping::~link_mapping() {
    if (_base != nullptr) {
        ::munmap(_base, _size);
    }
    if (_fd >= 0) {
        ::close(_fd);
    }
}

ring_control& link_mapping::ring(std::uint32_t lcore, bool to_control) const {
    const link_header& h = header();
    const std::uint64_t off =
        h.rings_offset + (std::uint64_t{lcore} * 2 + (to_control ? 0 : 1)) * h.ring_bytes;
    return *reinterpret_cast<ring_control*>(_base + off);
}

char* link_mapping::slot(std::uint32_t lcore, bool to_control, std::uint64_t index) const {
    const link_header& h = header();
    return reinterpret_cast<char*>(&ring(lcore, to_control)) + sizeof(ring_control) +
           (index & _mask) * h.slot_bytes;
}

lcore_state& link_mapping::lcore(std::uint32_t l) const {
    return reinterpret_cast<lcore_state*>(_base + header().lcores_offset)[l];
}

char* link_mapping::location_buffer(std::uint32_t b) const {
    return _base + header().location_offset + b * header().location_bytes;
}

char* link_mapping::credential_buffer(std::uint32_t b) const {
    return _base + header().credential_offset + b * header().credential_bytes;
}

namespace {

std::uint32_t round_pow2(std::uint32_t n) {
    std::uint32_t p = 2;
    while (p < n) {
        p <<= 1;
    }
    return p;
}

struct computed_layout {
    std::uint64_t lcores_offset, rings_offset, ring_bytes, location_offset, credential_offset,
        total;
    std::uint32_t slot_bytes;
};

computed_layout compute_layout(std::uint32_t lcores, std::uint32_t slots, std::uint32_t payload,
                               std::uint32_t buffers, std::uint64_t loc, std::uint64_t cred) {
    computed_layout c{};
    c.slot_bytes = static_cast<std::uint32_t>(align_up(sizeof(slot_header) + payload, 64));
    c.lcores_offset = align_up(sizeof(link_header), region_alignment);
    c.rings_offset = align_up(c.lcores_offset + sizeof(lcore_state) * lcores, region_alignment);
    c.ring_bytes = align_up(sizeof(ring_control) + std::uint64_t{slots} * c.slot_bytes, 64);
    c.location_offset = align_up(c.rings_offset + c.ring_bytes * 2 * lcores, region_alignment);
    c.credential_offset = align_up(c.location_offset + loc * buffers, region_alignment);
    c.total = align_up(c.credential_offset + cred * buffers, region_alignment);
    return c;
}

// Producer side of one ring. cached_head: the producer's last view of head.
push_result ring_push(const link_mapping& m, std::uint32_t lcore, bool to_control,
                      std::uint64_t& cached_head, std::string_view bytes,
                      const message_meta& meta) {
    ring_control& r = m.ring(lcore, to_control);
    const link_header& h = m.header();
    if (bytes.size() > h.slot_payload) {
        r.refused_too_large.store(r.refused_too_large.load(std::memory_order_relaxed) + 1,
                                  std::memory_order_relaxed);
        return push_result::too_large;
    }
    const std::uint64_t tail = r.tail.load(std::memory_order_relaxed);
    if (tail - cached_head >= h.ring_slots) {
        cached_head = r.head.load(std::memory_order_acquire);
        if (tail - cached_head >= h.ring_slots) {
            r.refused_full.store(r.refused_full.load(std::memory_order_relaxed) + 1,
                                 std::memory_order_relaxed);
            return push_result::full;
        }
    }
    char* s = m.slot(lcore, to_control, tail);
    slot_header sh{};
    sh.length = static_cast<std::uint32_t>(bytes.size());
    sh.lcore = static_cast<std::uint16_t>(lcore);
    sh.transport = meta.transport;
    sh.kind = static_cast<std::uint8_t>(message_kind::sip);
    sh.source = meta.source;
    sh.destination = meta.destination;
    sh.token = meta.token;
    std::memcpy(s, &sh, sizeof sh);
    std::memcpy(s + sizeof(slot_header), bytes.data(), bytes.size());
    r.pushed.store(r.pushed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    r.tail.store(tail + 1, std::memory_order_release);
    return push_result::ok;
}

// Consumer side: releases a lent slot, then lends the next one.
void ring_release(const link_mapping& m, std::uint32_t lcore, bool to_control, bool& holding) {
    if (holding) {
        ring_control& r = m.ring(lcore, to_control);
        r.head.store(r.head.load(std::memory_order_relaxed) + 1, std::memory_order_release);
        holding = false;
    }
}

bool ring_pop(const link_mapping& m, std::uint32_t lcore, bool to_control,
              std::uint64_t& cached_tail, bool& holding, received_message& out) {
    ring_release(m, lcore, to_control, holding);
    ring_control& r = m.ring(lcore, to_control);
    const std::uint64_t head = r.head.load(std::memory_order_relaxed);
    // cached_tail may lag head (a restarted consumer starts from 0): reload then too.
    if (cached_tail <= head) {
        cached_tail = r.tail.load(std::memory_order_acquire);
        if (cached_tail <= head) {
            return false;
        }
    }
    const char* s = m.slot(lcore, to_control, head);
    slot_header sh;
    std::memcpy(&sh, s, sizeof sh);
    const std::uint32_t len = std::min(sh.length, m.header().slot_payload);
    out.bytes = {s + sizeof(slot_header), len};
    out.meta.source = sh.source;
    out.meta.destination = sh.destination;
    out.meta.transport = sh.transport;
    out.meta.token = sh.token;
    out.lcore = static_cast<std::uint16_t>(lcore);
    holding = true;
    return true;
}

const char* current_table(const link_mapping& m, const table_state& st, bool location) {
    const std::uint64_t cur = st.current.load(std::memory_order_acquire);
    if (current_generation(cur) == 0) {
        return nullptr;
    }
    const std::uint32_t b = current_buffer(cur);
    if (b >= m.header().snapshot_buffers) {
        return nullptr;
    }
    const char* base = location ? m.location_buffer(b) : m.credential_buffer(b);
    const std::size_t cap = location ? m.header().location_bytes : m.header().credential_bytes;
    return table_valid(base, cap) ? base : nullptr;
}

} // namespace

std::span<const contact_view> lookup_contacts(const link_mapping& m, std::string_view aor,
                                              std::int64_t now_unix, std::span<contact_view> out,
                                              std::size_t& total) {
    total = 0;
    const char* base = current_table(m, m.header().location, true);
    if (base == nullptr) {
        return {};
    }
    const table_entry* e = find_location(base, aor);
    if (e == nullptr) {
        return {};
    }
    const contact_record* recs = entry_contacts(base, e);
    std::size_t n = 0;
    for (std::uint32_t i = 0; i < e->value_count; ++i) {
        if (now_unix != 0 && recs[i].expires_at <= now_unix) {
            continue;
        }
        ++total;
        if (n < out.size()) {
            out[n++] = decode_contact(base, recs[i]);
        }
    }
    return out.first(n);
}

const credential_record* lookup_credential(const link_mapping& m, std::string_view user,
                                           std::string_view realm) {
    const char* base = current_table(m, m.header().credentials, false);
    if (base == nullptr) {
        return nullptr;
    }
    const table_entry* e = find_credential(base, user, realm);
    return e == nullptr ? nullptr : entry_credential(base, e);
}

// ---- dataplane side ----

link_result<std::unique_ptr<dataplane_link>> dataplane_link::create(const std::string& path,
                                                                    std::uint32_t lcore_count,
                                                                    const link_sizes& sizes) {
    if (path.empty() || lcore_count == 0 || lcore_count > 1024 || sizes.slot_payload == 0 ||
        sizes.slot_payload > (1u << 20) || sizes.snapshot_buffers < 2 ||
        sizes.snapshot_buffers > max_snapshot_buffers || sizes.ring_slots == 0 ||
        sizes.ring_slots > (1u << 20) || sizes.location_bytes < 4096 ||
        sizes.credential_bytes < 4096 || sizes.location_bytes > (1ull << 32) ||
        sizes.credential_bytes > (1ull << 32)) {
        return error{link_error::bad_argument, "invalid link sizes"};
    }
    const std::uint32_t slots = round_pow2(sizes.ring_slots);
    const computed_layout c =
        compute_layout(lcore_count, slots, sizes.slot_payload, sizes.snapshot_buffers,
                       align_up(sizes.location_bytes, 64), align_up(sizes.credential_bytes, 64));

    const std::string tmp = path + ".tmp";
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
    if (fd < 0) {
        return error{link_error::io_error, "cannot create the link file"};
    }
    if (::ftruncate(fd, static_cast<off_t>(c.total)) != 0) {
        ::close(fd);
        ::unlink(tmp.c_str());
        return error{link_error::io_error, "cannot size the link file"};
    }
    void* p = ::mmap(nullptr, c.total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        ::close(fd);
        ::unlink(tmp.c_str());
        return error{link_error::io_error, "cannot map the link file"};
    }
    std::unique_ptr<dataplane_link> link(new dataplane_link());
    link->_m._base = static_cast<char*>(p);
    link->_m._size = c.total;
    link->_m._fd = fd;
    link->_m._mask = slots - 1;
    link->_path = path;

    // The file is fresh (all zero); construct the atomics in place.
    auto* h = new (p) link_header();
    h->version = link_version;
    h->header_bytes = sizeof(link_header);
    h->lcore_count = lcore_count;
    h->ring_slots = slots;
    h->slot_payload = sizes.slot_payload;
    h->slot_bytes = c.slot_bytes;
    h->slot_header_bytes = sizeof(slot_header);
    h->snapshot_buffers = sizes.snapshot_buffers;
    h->location_bytes = align_up(sizes.location_bytes, 64);
    h->credential_bytes = align_up(sizes.credential_bytes, 64);
    h->lcores_offset = c.lcores_offset;
    h->rings_offset = c.rings_offset;
    h->ring_bytes = c.ring_bytes;
    h->location_offset = c.location_offset;
    h->credential_offset = c.credential_offset;
    h->total_bytes = c.total;
    h->dataplane_pid = static_cast<std::uint64_t>(::getpid());
    h->created_unix = ::time(nullptr);
    h->instance_id = std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
    h->global_epoch.store(1, std::memory_order_relaxed);
    for (std::uint32_t l = 0; l < lcore_count; ++l) {
        new (&link->_m.lcore(l)) lcore_state();
        link->_m.lcore(l).quiescent_epoch.store(0, std::memory_order_relaxed);
        for (const bool dir : {true, false}) {
            new (&link->_m.ring(l, dir)) ring_control();
        }
    }
    h->magic.store(link_magic, std::memory_order_release);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return error{link_error::io_error, "cannot rename the link file into place"};
    }

    link->_local.resize(lcore_count);
    link->_scratch_per_lcore = std::max<std::uint32_t>(sizes.lookup_scratch, 1);
    link->_scratch.resize(std::size_t{lcore_count} * link->_scratch_per_lcore);
    for (std::uint32_t l = 0; l < lcore_count; ++l) {
        link->_local[l].scratch = link->_scratch.data() + std::size_t{l} * link->_scratch_per_lcore;
    }
    return link;
}

dataplane_link::~dataplane_link() {
    struct stat by_path {};
    struct stat by_fd {};
    if (_m.fd() >= 0 && ::stat(_path.c_str(), &by_path) == 0 && ::fstat(_m.fd(), &by_fd) == 0 &&
        by_path.st_ino == by_fd.st_ino && by_path.st_dev == by_fd.st_dev) {
        ::unlink(_path.c_str());
    }
}

push_result dataplane_link::push_to_control(std::uint16_t lcore, std::string_view bytes,
                                            const message_meta& meta) {
    return ring_push(_m, lcore, true, _local[lcore].cached_head_to_control, bytes, meta);
}

bool dataplane_link::pop_from_control(std::uint16_t lcore, received_message& out) {
    local_lcore& l = _local[lcore];
    return ring_pop(_m, lcore, false, l.cached_tail_from_control, l.holding, out);
}

void dataplane_link::release_from_control(std::uint16_t lcore) {
    ring_release(_m, lcore, false, _local[lcore].holding);
}

std::span<const contact_view> dataplane_link::lookup(std::uint16_t lcore, std::string_view aor,
                                                     std::int64_t now_unix) {
    local_lcore& l = _local[lcore];
    std::span<contact_view> room(l.scratch + l.scratch_used, _scratch_per_lcore - l.scratch_used);
    std::size_t total = 0;
    const auto found = lookup_contacts(_m, aor, now_unix, room, total);
    if (found.size() < total) {
        ++l.scratch_exhausted;
        return {};
    }
    l.scratch_used += static_cast<std::uint32_t>(found.size());
    return found;
}

const credential_record* dataplane_link::find_credential(std::uint16_t, std::string_view user,
                                                         std::string_view realm) {
    return lookup_credential(_m, user, realm);
}

void dataplane_link::quiescent(std::uint16_t lcore) {
    _local[lcore].scratch_used = 0;
    const std::uint64_t e = _m.header().global_epoch.load(std::memory_order_acquire);
    lcore_state& s = _m.lcore(lcore);
    if (s.quiescent_epoch.load(std::memory_order_relaxed) != e) {
        s.quiescent_epoch.store(e, std::memory_order_release);
    }
}

void dataplane_link::offline(std::uint16_t lcore) {
    _local[lcore].scratch_used = 0;
    _m.lcore(lcore).quiescent_epoch.store(offline_epoch, std::memory_order_release);
}

void dataplane_link::online(std::uint16_t lcore) {
    const std::uint64_t e = _m.header().global_epoch.load(std::memory_order_acquire);
    _m.lcore(lcore).quiescent_epoch.store(e, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

std::uint64_t dataplane_link::scratch_exhausted(std::uint16_t lcore) const {
    return _local[lcore].scratch_exhausted;
}

bool dataplane_link::control_alive(std::int64_t now_unix, std::int64_t max_age) const {
    const link_header& h = _m.header();
    if (h.control_pid.load(std::memory_order_acquire) == 0) {
        return false;
    }
    return now_unix - h.control_heartbeat_unix.load(std::memory_order_relaxed) <= max_age;
}

std::uint64_t dataplane_link::location_generation() const {
    return current_generation(_m.header().location.current.load(std::memory_order_acquire));
}

// ---- control side ----

link_result<std::unique_ptr<control_link>> control_link::attach(const std::string& path,
                                                                std::int64_t now_unix) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            return error{link_error::not_found, "no link file (is the dataplane running?)"};
        }
        return error{link_error::io_error, "cannot open the link file"};
    }
    std::unique_ptr<control_link> link(new control_link());
    link->_m._fd = fd;
    link->_path = path;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return error{link_error::io_error, "cannot stat the link file"};
    }
    link->_ino = st.st_ino;
    link->_dev = st.st_dev;
    if (static_cast<std::size_t>(st.st_size) < sizeof(link_header)) {
        return error{link_error::bad_magic, "link file too small"};
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        return error{link_error::control_busy, "another control process holds the link"};
    }
    // Map the header first to learn the size.
    void* hp = ::mmap(nullptr, sizeof(link_header), PROT_READ, MAP_SHARED, fd, 0);
    if (hp == MAP_FAILED) {
        return error{link_error::io_error, "cannot map the link header"};
    }
    link_header* hh = static_cast<link_header*>(hp);
    const std::uint64_t magic = hh->magic.load(std::memory_order_acquire);
    const std::uint32_t version = hh->version;
    const std::uint64_t total = hh->total_bytes;
    const bool layout_ok =
        hh->header_bytes == sizeof(link_header) && hh->slot_header_bytes == sizeof(slot_header);
    ::munmap(hp, sizeof(link_header));
    if (magic != link_magic) {
        return error{link_error::bad_magic, "not a sipedge link file"};
    }
    if (version != link_version) {
        return error{link_error::bad_version, "link file from another layout version"};
    }
    if (!layout_ok || total != static_cast<std::uint64_t>(st.st_size)) {
        return error{link_error::bad_layout, "link file layout differs from this build"};
    }
    void* p = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        return error{link_error::io_error, "cannot map the link file"};
    }
    link->_m._base = static_cast<char*>(p);
    link->_m._size = total;
    link_header& h = link->_m.header();
    const computed_layout c =
        compute_layout(h.lcore_count, h.ring_slots, h.slot_payload, h.snapshot_buffers,
                       h.location_bytes, h.credential_bytes);
    if (h.lcore_count == 0 || h.ring_slots == 0 || (h.ring_slots & (h.ring_slots - 1)) != 0 ||
        h.snapshot_buffers < 2 || h.snapshot_buffers > max_snapshot_buffers || c.total != total ||
        c.rings_offset != h.rings_offset || c.location_offset != h.location_offset ||
        c.credential_offset != h.credential_offset || c.slot_bytes != h.slot_bytes) {
        return error{link_error::bad_layout, "link file sizes are inconsistent"};
    }
    link->_m._mask = h.ring_slots - 1;
    link->_local.resize(h.lcore_count);
    // A previous control may have died between retiring a buffer and advancing the
    // epoch (layout.hh): advancing once more makes that retire epoch reachable.
    h.global_epoch.fetch_add(1, std::memory_order_acq_rel);
    h.control_pid.store(static_cast<std::uint64_t>(::getpid()), std::memory_order_relaxed);
    h.control_started_unix.store(now_unix, std::memory_order_relaxed);
    h.control_heartbeat_unix.store(now_unix, std::memory_order_relaxed);
    h.control_attach_count.fetch_add(1, std::memory_order_release);
    return link;
}

control_link::~control_link() {
    if (_m.base() != nullptr) {
        _m.header().control_pid.store(0, std::memory_order_release);
    }
}

bool control_link::pop_from_dataplane(std::uint16_t lcore, received_message& out) {
    local_lcore& l = _local[lcore];
    return ring_pop(_m, lcore, true, l.cached_tail_to_control, l.holding, out);
}

void control_link::release_from_dataplane(std::uint16_t lcore) {
    ring_release(_m, lcore, true, _local[lcore].holding);
}

push_result control_link::push_to_dataplane(std::uint16_t lcore, std::string_view bytes,
                                            const message_meta& meta) {
    return ring_push(_m, lcore, false, _local[lcore].cached_head_from_control, bytes, meta);
}

template <typename Builder>
publish_result control_link::publish(table_state& state, bool location, const Builder& table,
                                     std::int64_t now_unix) {
    link_header& h = _m.header();
    const std::uint64_t cap = location ? h.location_bytes : h.credential_bytes;
    if (table.required_bytes() > cap) {
        return publish_result::too_large;
    }
    // Oldest epoch any online lcore may still be reading from.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    std::uint64_t min_epoch = offline_epoch;
    for (std::uint32_t l = 0; l < h.lcore_count; ++l) {
        min_epoch =
            std::min(min_epoch, _m.lcore(l).quiescent_epoch.load(std::memory_order_acquire));
    }
    const std::uint64_t cur = state.current.load(std::memory_order_relaxed);
    const bool have_current = current_generation(cur) != 0;
    std::uint32_t chosen = h.snapshot_buffers;
    for (std::uint32_t b = 0; b < h.snapshot_buffers; ++b) {
        if (have_current && b == current_buffer(cur)) {
            continue;
        }
        if (state.retired_epoch[b].load(std::memory_order_relaxed) <= min_epoch) {
            chosen = b;
            break;
        }
    }
    if (chosen == h.snapshot_buffers) {
        return publish_result::busy;
    }
    char* dst = location ? _m.location_buffer(chosen) : _m.credential_buffer(chosen);
    const std::uint64_t generation = current_generation(cur) + 1;
    if (table.serialise(dst, cap, generation, now_unix) == 0) {
        return publish_result::too_large;
    }
    const std::uint64_t next_epoch = h.global_epoch.load(std::memory_order_relaxed) + 1;
    if (have_current) {
        state.retired_epoch[current_buffer(cur)].store(next_epoch, std::memory_order_relaxed);
    }
    state.retired_epoch[chosen].store(0, std::memory_order_relaxed);
    state.current.store(generation << 8 | chosen, std::memory_order_release);
    h.global_epoch.fetch_add(1, std::memory_order_acq_rel);
    return publish_result::ok;
}

publish_result control_link::publish_location(const location_table_builder& table,
                                              std::int64_t now_unix) {
    return publish(_m.header().location, true, table, now_unix);
}

publish_result control_link::publish_credentials(const credential_table_builder& table,
                                                 std::int64_t now_unix) {
    return publish(_m.header().credentials, false, table, now_unix);
}

bool control_link::dataplane_replaced() const {
    // The file we mapped was unlinked (the dataplane stopped): replaced even when
    // a new file at the path got the same inode number, which file systems reuse.
    struct stat mapped {};
    if (_m.fd() >= 0 && ::fstat(_m.fd(), &mapped) == 0 && mapped.st_nlink == 0) {
        return true;
    }
    struct stat st {};
    if (::stat(_path.c_str(), &st) != 0) {
        return true;
    }
    return st.st_ino != _ino || st.st_dev != _dev;
}

void control_link::heartbeat(std::int64_t now_unix) {
    _m.header().control_heartbeat_unix.store(now_unix, std::memory_order_relaxed);
}

link_status control_link::status() const {
    const link_header& h = _m.header();
    link_status s;
    s.lcore_count = h.lcore_count;
    s.dataplane_pid = h.dataplane_pid;
    s.created_unix = h.created_unix;
    s.instance_id = h.instance_id;
    s.global_epoch = h.global_epoch.load(std::memory_order_acquire);
    s.location_generation = current_generation(h.location.current.load(std::memory_order_acquire));
    s.credential_generation =
        current_generation(h.credentials.current.load(std::memory_order_acquire));
    s.control_attach_count = h.control_attach_count.load(std::memory_order_acquire);
    for (std::uint32_t l = 0; l < h.lcore_count; ++l) {
        for (const bool dir : {true, false}) {
            const ring_control& r = _m.ring(l, dir);
            ring_stats rs;
            rs.pushed = r.pushed.load(std::memory_order_relaxed);
            rs.refused_full = r.refused_full.load(std::memory_order_relaxed);
            rs.refused_too_large = r.refused_too_large.load(std::memory_order_relaxed);
            rs.queued =
                r.tail.load(std::memory_order_acquire) - r.head.load(std::memory_order_acquire);
            (dir ? s.to_control : s.from_control).push_back(rs);
        }
    }
    return s;
}

} // namespace sipedge::ipc
