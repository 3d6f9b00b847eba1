#include "dataplane/transaction/transaction_table.hh"

namespace sipedge::txn {

transaction_table::transaction_table(std::uint32_t capacity)
    : _slots(new transaction[capacity == 0 ? 1 : capacity]),
      _capacity(capacity == 0 ? 1 : capacity) {
    std::uint32_t buckets = 1;
    while (buckets < _capacity) {
        buckets <<= 1;
    }
    _buckets.reset(new std::uint32_t[buckets]);
    _bucket_mask = buckets - 1;
    for (std::uint32_t i = 0; i < buckets; ++i) {
        _buckets[i] = no_txn;
    }
    // The free list reuses next_in_bucket.
    for (std::uint32_t i = 0; i < _capacity; ++i) {
        _slots[i].next_in_bucket = i + 1 < _capacity ? i + 1 : no_txn;
    }
    _free_head = 0;
}

txn_id transaction_table::allocate(const txn_key& key) {
    if (_free_head == no_txn) {
        return no_txn;
    }
    const txn_id id = _free_head;
    transaction& t = _slots[id];
    _free_head = t.next_in_bucket;
    const std::uint32_t generation = t.generation;
    t = transaction{};
    t.generation = generation;
    t.key = key;
    t.state = txn_state::terminated; // the caller sets the real initial state
    const std::uint32_t b = bucket_of(key);
    t.next_in_bucket = _buckets[b];
    _buckets[b] = id;
    ++_size;
    return id;
}

void transaction_table::release(txn_id id) {
    transaction& t = _slots[id];
    std::uint32_t* link = &_buckets[bucket_of(t.key)];
    while (*link != no_txn && *link != id) {
        link = &_slots[*link].next_in_bucket;
    }
    if (*link == id) {
        *link = t.next_in_bucket;
    }
    t.state = txn_state::idle;
    ++t.generation;
    t.next_in_bucket = _free_head;
    _free_head = id;
    --_size;
}

txn_id transaction_table::find(const txn_key& key) const {
    for (std::uint32_t i = _buckets[bucket_of(key)]; i != no_txn; i = _slots[i].next_in_bucket) {
        if (_slots[i].key == key && _slots[i].state != txn_state::terminated) {
            return i;
        }
    }
    return no_txn;
}

std::size_t transaction_table::memory_bytes() const {
    return std::size_t{_capacity} * sizeof(transaction) +
           (std::size_t{_bucket_mask} + 1) * sizeof(std::uint32_t);
}

} // namespace sipedge::txn
