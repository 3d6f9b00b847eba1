#pragma once
// Per-lcore transaction table: a pool of `transaction` preallocated at start-up
// (capacity from configuration), indexed by 32-bit handles, with an open-addressing
// hash index on the 128-bit match key. No allocation after construction; a full
// table is reported to the caller (an overload: the proxy answers 503).
//
// The index is a compact array of 8-byte entries (32 bits of the key and the
// handle), linearly probed, at most half full: a lookup touches one cache line of
// it, and a transaction's slot only when those 32 bits match. A lookup of an absent
// key (every new request) therefore reads no transaction at all, where a chained
// index read each transaction of the bucket's chain (cold slots, 96 bytes apart).
// Removal shifts later entries of the run back (no tombstones), which needs only
// the stored bits, not the slots.

#include "common/compiler.hh"
#include "dataplane/transaction/huge_array.hh"
#include "dataplane/transaction/transaction.hh"

#include <cstdint>
#include <memory>

namespace sipedge::txn {

class transaction_table {
public:
    // capacity >= 1.
    explicit transaction_table(std::uint32_t capacity);

    // Takes a free slot and stores key, entered in the index unless lookup is
    // by_handle. no_txn when full. The slot is value-initialised except for its
    // generation.
    txn_id allocate(const txn_key& key, txn_lookup lookup = txn_lookup::by_key);
    // Removes from the index (when there) and frees; the generation moves on so
    // stale references are detected.
    void release(txn_id id);
    // Live transaction with this key entered in the index, or no_txn.
    txn_id find(const txn_key& key) const;
    // Starts loading the index line that find/allocate/release of key will touch
    // first (random in a large array: a cache miss), so that work done meanwhile
    // overlaps it.
    void prefetch(const txn_key& key) const {
        SIPEDGE_PREFETCH_WRITE(&_index[bits_of(key) & _index_mask]);
    }
    // The slot the next allocate() will return (no_txn when full), so that a caller
    // can name it (e.g. in a Via branch) before creating it.
    txn_id next_free() const { return _free_head; }

    transaction& operator[](txn_id id) { return _slots[id]; }
    const transaction& operator[](txn_id id) const { return _slots[id]; }
    bool live(txn_id id) const { return id < _capacity && _slots[id].state != txn_state::idle; }

    std::uint32_t size() const { return _size; }
    std::uint32_t capacity() const { return _capacity; }
    std::size_t memory_bytes() const;

private:
    // id == no_txn: empty. `bits` are the key's low 32 bits (key.lo): its home
    // position (bits & _index_mask) and a filter before the slot is read.
    struct index_entry {
        std::uint32_t bits;
        txn_id id;
    };
    static std::uint32_t bits_of(const txn_key& key) { return static_cast<std::uint32_t>(key.lo); }
    void unindex(txn_id id, const txn_key& key);

    huge_array<transaction> _slots; // on huge pages where the kernel gives them
    huge_array<index_entry> _index;
    std::uint32_t _capacity;
    std::uint32_t _index_mask;
    std::uint32_t _free_head;
    std::uint32_t _size = 0;
};

} // namespace sipedge::txn
