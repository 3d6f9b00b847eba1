#include "dataplane/proxy/dialog_table.hh"

#include "dataplane/transaction/hash.hh"

#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>

namespace sipedge::proxy {

std::string_view dialog::get(dialog_text f) const {
    const auto i = static_cast<std::size_t>(f);
    std::size_t off = 0;
    for (std::size_t k = 0; k < i; ++k) {
        off += len[k];
    }
    return {text + off, len[i]};
}

void dialog_table::free_deleter::operator()(void* p) const {
    std::free(p);
}

dialog_table::dialog_table(std::uint32_t capacity)
    : _capacity(capacity == 0 ? 1 : capacity),
      _mask(static_cast<std::uint32_t>(std::bit_ceil(2ull * _capacity)) - 1) {
    // calloc: large blocks come straight from mmap, so pages are touched only when
    // a dialog (or a slot) first uses them; zero is a valid empty record and slot.
    void* d = std::calloc(_capacity, sizeof(dialog));
    void* s = std::calloc(std::size_t{_mask} + 1, sizeof(std::uint32_t));
    if (d == nullptr || s == nullptr) {
        std::free(d);
        std::free(s);
        throw std::bad_alloc(); // start-up only
    }
    _dialogs.reset(static_cast<dialog*>(d));
    _slots.reset(static_cast<std::uint32_t*>(s));
}

std::size_t dialog_table::memory_bytes() const {
    return std::size_t{_capacity} * sizeof(dialog) + (std::size_t{_mask} + 1) * 4;
}

std::uint64_t dialog_table::key_hash(std::string_view call_id, std::string_view tag_a,
                                     std::string_view tag_b) {
    // Sum of the tag hashes: the same key whichever end sends.
    const std::uint64_t tags =
        txn::hasher(0x7461).add(tag_a).value() + txn::hasher(0x7461).add(tag_b).value();
    return txn::hasher(0xd1a1).add(call_id).add(tags).value();
}

bool dialog_table::matches(const dialog& d, std::string_view call_id, std::string_view tag_a,
                           std::string_view tag_b) const {
    if (d.get(dialog_text::call_id) != call_id) {
        return false;
    }
    const std::string_view x = d.get(dialog_text::caller_tag);
    const std::string_view y = d.get(dialog_text::callee_tag);
    return (x == tag_a && y == tag_b) || (x == tag_b && y == tag_a);
}

std::uint32_t dialog_table::find(std::string_view call_id, std::string_view tag_a,
                                 std::string_view tag_b) const {
    const std::uint64_t h = key_hash(call_id, tag_a, tag_b);
    for (std::uint32_t s = static_cast<std::uint32_t>(h) & _mask;; s = (s + 1) & _mask) {
        const std::uint32_t v = _slots[s];
        if (v == 0) {
            return none;
        }
        const dialog& d = _dialogs[v - 1];
        if (d.hash == h && matches(d, call_id, tag_a, tag_b)) {
            return v - 1;
        }
    }
}

std::uint32_t dialog_table::insert(const dialog_init& init, insert_error& why) {
    std::size_t total = 0;
    for (const std::string_view t : init.text) {
        total += t.size();
    }
    if (total > sizeof(dialog::text)) {
        why = insert_error::too_large;
        return none;
    }
    std::uint32_t index;
    if (_free != none) {
        index = _free;
        _free = _dialogs[index].next_free;
    } else if (_fresh < _capacity) {
        index = _fresh++;
    } else {
        why = insert_error::full;
        return none;
    }
    dialog& d = _dialogs[index];
    const std::uint32_t generation = d.generation + 1;
    d.hash = key_hash(init.text[0], init.text[1], init.text[2]);
    d.deadline = 0;
    d.timer = {};
    d.interval = 0;
    d.caller_cseq = init.caller_cseq;
    d.callee_cseq = 0;
    d.generation = generation;
    d.next_free = none;
    d.caller_addr = init.caller_addr;
    d.callee_addr = init.callee_addr;
    d.caller_tp = init.caller_tp;
    d.callee_tp = init.callee_tp;
    d.refresher = parser::refresher::none;
    d.in_use = true;
    std::size_t off = 0;
    for (std::size_t i = 0; i < dialog::text_fields; ++i) {
        d.len[i] = static_cast<std::uint16_t>(init.text[i].size());
        if (!init.text[i].empty()) {
            std::memcpy(d.text + off, init.text[i].data(), init.text[i].size());
        }
        off += init.text[i].size();
    }
    std::uint32_t s = static_cast<std::uint32_t>(d.hash) & _mask;
    while (_slots[s] != 0) {
        s = (s + 1) & _mask;
    }
    _slots[s] = index + 1;
    ++_size;
    return index;
}

void dialog_table::erase(std::uint32_t index) {
    dialog& d = _dialogs[index];
    if (!d.in_use) {
        return;
    }
    std::uint32_t s = static_cast<std::uint32_t>(d.hash) & _mask;
    while (_slots[s] != index + 1) {
        s = (s + 1) & _mask;
    }
    // Backward-shift deletion: move later entries of the probe run into the hole
    // when their home slot allows it, so lookups never need tombstones.
    std::uint32_t hole = s;
    for (std::uint32_t j = (s + 1) & _mask; _slots[j] != 0; j = (j + 1) & _mask) {
        const std::uint32_t home = static_cast<std::uint32_t>(_dialogs[_slots[j] - 1].hash) & _mask;
        // j may move to the hole when home is not cyclically in (hole, j].
        if (((j - home) & _mask) >= ((j - hole) & _mask)) {
            _slots[hole] = _slots[j];
            hole = j;
        }
    }
    _slots[hole] = 0;
    d.in_use = false;
    d.next_free = _free;
    _free = index;
    --_size;
}

std::size_t dialog_table::sample(std::span<dialog_sample> out, timer::tick_t now,
                                 std::uint64_t ticks_per_second, std::uint32_t from,
                                 std::uint32_t scan_limit, std::uint32_t* next) const {
    std::size_t n = 0;
    std::uint32_t i = from;
    for (std::uint32_t scanned = 0; i < _fresh && n < out.size() && scanned < scan_limit;
         ++i, ++scanned) {
        const dialog& d = _dialogs[i];
        if (!d.in_use) {
            continue;
        }
        dialog_sample& s = out[n++];
        const std::string_view id = d.get(dialog_text::call_id);
        s.call_id_length = static_cast<std::uint8_t>(
            id.size() < sizeof(s.call_id) ? id.size() : sizeof(s.call_id));
        std::memcpy(s.call_id, id.data(), s.call_id_length);
        s.interval = d.interval;
        s.refresher = d.refresher;
        const timer::tick_t left = d.deadline > now ? d.deadline - now : 0;
        s.seconds_left = static_cast<std::uint32_t>(
            ticks_per_second == 0 ? 0 : (left + ticks_per_second - 1) / ticks_per_second);
    }
    if (next != nullptr) {
        *next = i < _fresh ? i : 0;
    }
    return n;
}

} // namespace sipedge::proxy
