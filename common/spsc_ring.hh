#pragma once
// Single-producer single-consumer ring between two lcores (Seastar smp.hh idea):
// head and tail on separate cache lines, each side caches the other's index so
// that a batch costs one cross-core load, and pushes/pops move whole batches.
//
// Contract: exactly one thread calls the push side and exactly one other thread
// calls the pop side. Capacity is a power of two fixed at construction; the ring
// never allocates after that.

#include "common/compiler.hh"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

namespace sipedge {

template <typename T>
class spsc_ring {
    static_assert(std::is_trivially_copyable_v<T>, "ring elements are copied as bytes");

public:
    // capacity is rounded up to a power of two (minimum 2).
    explicit spsc_ring(std::size_t capacity)
        : _mask(round_up_pow2(capacity) - 1), _slots(std::make_unique<T[]>(_mask + 1)) {}

    spsc_ring(const spsc_ring&) = delete;
    spsc_ring& operator=(const spsc_ring&) = delete;

    std::size_t capacity() const { return _mask + 1; }

    // Producer side. Pushes as many of items as fit; returns how many were pushed.
    std::size_t push_burst(std::span<const T> items) {
        const std::uint64_t tail = _prod.tail.load(std::memory_order_relaxed);
        std::size_t free_slots = capacity() - (tail - _prod.cached_head);
        if (free_slots < items.size()) {
            _prod.cached_head = _cons.head.load(std::memory_order_acquire);
            free_slots = capacity() - (tail - _prod.cached_head);
        }
        const std::size_t n = items.size() < free_slots ? items.size() : free_slots;
        for (std::size_t i = 0; i < n; ++i) {
            _slots[(tail + i) & _mask] = items[i];
        }
        _prod.tail.store(tail + n, std::memory_order_release);
        return n;
    }

    bool push(const T& item) { return push_burst(std::span<const T>(&item, 1)) == 1; }

    // Consumer side. Pops up to out.size() items; returns how many.
    std::size_t pop_burst(std::span<T> out) {
        const std::uint64_t head = _cons.head.load(std::memory_order_relaxed);
        std::size_t avail = _cons.cached_tail - head;
        if (avail < out.size()) {
            _cons.cached_tail = _prod.tail.load(std::memory_order_acquire);
            avail = _cons.cached_tail - head;
        }
        const std::size_t n = out.size() < avail ? out.size() : avail;
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = _slots[(head + i) & _mask];
        }
        _cons.head.store(head + n, std::memory_order_release);
        return n;
    }

    bool pop(T& item) { return pop_burst(std::span<T>(&item, 1)) == 1; }

    // Approximate when called concurrently; exact when both sides are quiet.
    std::size_t size() const {
        return _prod.tail.load(std::memory_order_acquire) -
               _cons.head.load(std::memory_order_acquire);
    }
    bool empty() const { return size() == 0; }

private:
    static std::size_t round_up_pow2(std::size_t n) {
        std::size_t p = 2;
        while (p < n) {
            p <<= 1;
        }
        return p;
    }

    // Indices are free-running 64-bit counters: they never wrap in practice, so
    // full and empty are told apart without a spare slot.
    struct alignas(cache_line_size) producer_side {
        std::atomic<std::uint64_t> tail{0};
        std::uint64_t cached_head = 0;
    };
    struct alignas(cache_line_size) consumer_side {
        std::atomic<std::uint64_t> head{0};
        std::uint64_t cached_tail = 0;
    };

    const std::size_t _mask;
    std::unique_ptr<T[]> _slots;
    producer_side _prod;
    consumer_side _cons;
};

} // namespace sipedge
