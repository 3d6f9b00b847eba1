#pragma once
// Per-lcore storage for message bytes kept for retransmission (a client
// transaction's request, a server transaction's last response, an ACK). Memory is
// preallocated as fixed 256-byte chunks, on transparent huge pages (huge_array.hh);
// a message takes ceil(len / 248) chunks chained by 32-bit links, so a 600-byte
// message costs 768 bytes rather than a worst-case 64 KiB slot. No allocation after
// construction; O(chunks) store, O(1) free (the chunks go back to the free list as
// a whole chain).

#include "common/compiler.hh"
#include "dataplane/transaction/huge_array.hh"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::txn {

struct stored_message {
    static constexpr std::uint32_t none = 0xffffffffu;
    std::uint32_t first = none;
    std::uint32_t last = none; // so that release() touches one chunk, not the chain
    std::uint32_t length = 0;
    bool empty() const { return first == none; }
};

class message_store {
public:
    static constexpr std::size_t chunk_size = 256;
    static constexpr std::size_t payload_per_chunk = chunk_size - sizeof(std::uint32_t);

    explicit message_store(std::uint32_t chunks);

    // Copies bytes in; an empty stored_message when there is no room.
    stored_message store(std::string_view bytes);
    // Frees the chunks and empties m. O(1).
    void release(stored_message& m);
    // Starts loading the chunk link release(m) writes.
    void prefetch_release(const stored_message& m) const {
        if (!m.empty() && m.last < _count) {
            SIPEDGE_PREFETCH_WRITE(&_chunks[m.last]);
        }
    }
    // Copies the message to out (capacity >= m.length).
    void copy_out(const stored_message& m, char* out) const;

    static std::uint32_t chunks_for(std::size_t length) {
        return length == 0 ? 1
                           : static_cast<std::uint32_t>((length + payload_per_chunk - 1) /
                                                        payload_per_chunk);
    }
    std::uint32_t chunks_free() const { return _free_count; }
    std::uint32_t chunks_total() const { return _count; }
    std::size_t memory_bytes() const { return std::size_t{_count} * chunk_size; }

private:
    void prefetch_chunk(std::uint32_t c) const;

    struct chunk {
        std::uint32_t next;
        char payload[payload_per_chunk];
    };
    static_assert(sizeof(chunk) == chunk_size);

    huge_array<chunk> _chunks;
    std::uint32_t _count;
    std::uint32_t _free_head;
    std::uint32_t _free_count;
};

} // namespace sipedge::txn
