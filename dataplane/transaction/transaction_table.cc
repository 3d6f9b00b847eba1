#include "dataplane/transaction/transaction_table.hh"

#include <cstring>

namespace sipedge::txn {

transaction_table::transaction_table(std::uint32_t capacity)
    : _slots(make_huge_array<transaction>(capacity == 0 ? 1 : capacity)),
      _capacity(capacity == 0 ? 1 : capacity) {
    // At least twice the capacity: a full table leaves the index half empty, so
    // runs stay short.
    std::uint32_t entries = 2;
    while (entries < 2 * static_cast<std::uint64_t>(_capacity)) {
        entries <<= 1;
    }
    _index = make_huge_array<index_entry>(entries);
    _index_mask = entries - 1;
    for (std::uint32_t i = 0; i < entries; ++i) {
        _index[i] = {0, no_txn};
    }
    // The free list reuses next_free.
    for (std::uint32_t i = 0; i < _capacity; ++i) {
        _slots[i].next_free = i + 1 < _capacity ? i + 1 : no_txn;
    }
    _free_head = 0;
}

txn_id transaction_table::allocate(const txn_key& key, txn_lookup lookup) {
    if (_free_head == no_txn) {
        return no_txn;
    }
    const txn_id id = _free_head;
    transaction& t = _slots[id];
    _free_head = t.next_free;
    if (_free_head != no_txn) {
        // The next allocate() starts there, and a slot freed long ago is cold.
        const char* next = reinterpret_cast<const char*>(&_slots[_free_head]);
        SIPEDGE_PREFETCH_WRITE(next);
        SIPEDGE_PREFETCH_WRITE(next + sizeof(transaction) - 1);
    }
    const std::uint32_t generation = t.generation;
    // Copied from an empty one rather than assigned: GCC writes `t = transaction{}`
    // as a rep stos, whose start-up costs more than the six 16-byte stores.
    static const transaction empty{};
    std::memcpy(static_cast<void*>(&t), &empty, sizeof t);
    t.generation = generation;
    t.key = key;
    t.state = txn_state::terminated; // the caller sets the real initial state
    t.lookup = lookup;
    ++_size;
    if (lookup == txn_lookup::by_handle) {
        return id;
    }
    const std::uint32_t bits = bits_of(key);
    std::uint32_t p = bits & _index_mask;
    while (_index[p].id != no_txn) {
        p = (p + 1) & _index_mask;
    }
    _index[p] = {bits, id};
    return id;
}

void transaction_table::release(txn_id id) {
    transaction& t = _slots[id];
    if (t.lookup == txn_lookup::by_key) {
        unindex(id, t.key);
    }
    t.state = txn_state::idle;
    ++t.generation;
    t.next_free = _free_head;
    _free_head = id;
    --_size;
}

void transaction_table::unindex(txn_id id, const txn_key& key) {
    std::uint32_t hole = bits_of(key) & _index_mask;
    while (_index[hole].id != no_txn && _index[hole].id != id) {
        hole = (hole + 1) & _index_mask;
    }
    if (_index[hole].id != id) {
        return;
    }
    // Backward shift: each later entry of the run whose home is not between the hole
    // and itself moves into the hole (Knuth 6.4, algorithm R).
    for (std::uint32_t q = (hole + 1) & _index_mask; _index[q].id != no_txn;
         q = (q + 1) & _index_mask) {
        const std::uint32_t home = _index[q].bits & _index_mask;
        if (((q - home) & _index_mask) >= ((q - hole) & _index_mask)) {
            _index[hole] = _index[q];
            hole = q;
        }
    }
    _index[hole] = {0, no_txn};
}

txn_id transaction_table::find(const txn_key& key) const {
    const std::uint32_t bits = bits_of(key);
    for (std::uint32_t p = bits & _index_mask; _index[p].id != no_txn; p = (p + 1) & _index_mask) {
        const index_entry e = _index[p];
        if (e.bits == bits && _slots[e.id].key == key &&
            _slots[e.id].state != txn_state::terminated) {
            return e.id;
        }
    }
    return no_txn;
}

std::size_t transaction_table::memory_bytes() const {
    return std::size_t{_capacity} * sizeof(transaction) +
           (std::size_t{_index_mask} + 1) * sizeof(index_entry);
}

} // namespace sipedge::txn
