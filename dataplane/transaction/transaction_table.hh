#pragma once
// Per-lcore transaction table: a pool of `transaction` preallocated at start-up
// (capacity from configuration), indexed by 32-bit handles, with a chained hash
// index on the 128-bit match key. No allocation after construction; a full table
// is reported to the caller (an overload: the proxy answers 503).

#include "dataplane/transaction/transaction.hh"

#include <cstdint>
#include <memory>

namespace sipedge::txn {

class transaction_table {
public:
    // capacity >= 1.
    explicit transaction_table(std::uint32_t capacity);

    // Takes a free slot, stores key and links it into the index. no_txn when full.
    // The slot is value-initialised except for its generation.
    txn_id allocate(const txn_key& key);
    // Unlinks and frees; the generation moves on so stale references are detected.
    void release(txn_id id);
    // Live transaction with this key, or no_txn.
    txn_id find(const txn_key& key) const;
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
    std::uint32_t bucket_of(const txn_key& key) const {
        return static_cast<std::uint32_t>(key.lo) & _bucket_mask;
    }

    std::unique_ptr<transaction[]> _slots;
    std::unique_ptr<std::uint32_t[]> _buckets;
    std::uint32_t _capacity;
    std::uint32_t _bucket_mask;
    std::uint32_t _free_head;
    std::uint32_t _size = 0;
};

} // namespace sipedge::txn
