#include "dataplane/transaction/message_store.hh"

#include "common/compiler.hh"

#include <cstring>

namespace sipedge::txn {

message_store::message_store(std::uint32_t chunks)
    : _chunks(make_huge_array<chunk>(chunks == 0 ? 1 : chunks)), _count(chunks == 0 ? 1 : chunks),
      _free_head(0), _free_count(_count) {
    for (std::uint32_t i = 0; i < _count; ++i) {
        _chunks[i].next = i + 1 < _count ? i + 1 : stored_message::none;
    }
}

stored_message message_store::store(std::string_view bytes) {
    const std::uint32_t needed = chunks_for(bytes.size());
    if (needed > _free_count) {
        return {};
    }
    stored_message m{_free_head, _free_head, static_cast<std::uint32_t>(bytes.size())};
    std::uint32_t c = _free_head;
    std::size_t off = 0;
    for (std::uint32_t i = 0;; ++i) {
        // Free chunks are cold (freed long ago): the next one's link is read, and
        // its lines requested, before this one is filled, so the misses overlap.
        const std::uint32_t next = _chunks[c].next;
        if (i + 1 < needed) {
            prefetch_chunk(next);
        }
        const std::size_t n =
            bytes.size() - off < payload_per_chunk ? bytes.size() - off : payload_per_chunk;
        std::memcpy(_chunks[c].payload, bytes.data() + off, n);
        off += n;
        if (i + 1 == needed) {
            m.last = c;
            _free_head = next;
            _chunks[c].next = stored_message::none;
            break;
        }
        c = next;
    }
    _free_count -= needed;
    if (_free_head != stored_message::none) {
        prefetch_chunk(_free_head); // the next store() starts there
    }
    return m;
}

void message_store::prefetch_chunk(std::uint32_t c) const {
    const char* p = reinterpret_cast<const char*>(&_chunks[c]);
    for (std::size_t line = 0; line < chunk_size; line += 64) {
        SIPEDGE_PREFETCH_WRITE(p + line);
    }
}

void message_store::release(stored_message& m) {
    if (m.empty()) {
        return;
    }
    _chunks[m.last].next = _free_head;
    _free_head = m.first;
    _free_count += chunks_for(m.length);
    m = {};
}

void message_store::copy_out(const stored_message& m, char* out) const {
    std::uint32_t c = m.first;
    std::size_t left = m.length;
    while (left > 0 && c != stored_message::none) {
        const std::size_t n = left < payload_per_chunk ? left : payload_per_chunk;
        std::memcpy(out, _chunks[c].payload, n);
        out += n;
        left -= n;
        c = _chunks[c].next;
    }
}

} // namespace sipedge::txn
