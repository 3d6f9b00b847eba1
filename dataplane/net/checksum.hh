#pragma once
// The Internet checksum (RFC 1071) over contiguous bytes, at the widest vector
// width the CPU offers (picked once, by CPUID). SIP datagrams are hundreds of
// bytes and memif offers no checksum offload, so every datagram is summed in
// software twice (verified on RX, computed on TX): DPDK 22.11's rte_raw_cksum
// adds 16-bit words one SSE lane at a time, this adds 32 bytes per step.
//
// Every variant returns exactly what rte_raw_cksum returns for the same bytes:
// both reduce the same exact sum of the buffer's 16-bit words (little-endian
// loads, an odd last byte as the low byte of a word) by end-around carry, and a
// value has one such reduction. tests/dataplane/checksum_test.cc holds them to it.

#include <cstddef>
#include <cstdint>
#include <span>

namespace sipedge::dataplane {

enum class checksum_isa : std::uint8_t { scalar, avx2 };

// The unreduced sum behind raw_checksum: congruent to the sum of the 16-bit
// words modulo 0xffff, zero only for all-zero bytes (or none). Other words
// (a pseudo-header) can be added to it before the one fold_sum.
std::uint64_t raw_sum(const void* data, std::size_t len);

// End-around carry down to 16 bits: the same residue modulo 0xffff, zero only
// when the sum is zero. That representative is unique, hence equal to DPDK's.
inline std::uint16_t fold_sum(std::uint64_t sum) {
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

// Not complemented, like rte_raw_cksum: 0xffff for a correct header that
// includes its own checksum field; 0 only for all-zero bytes (or none).
inline std::uint16_t raw_checksum(const void* data, std::size_t len) {
    return fold_sum(raw_sum(data, len));
}

// One variant, for tests and benchmarks; isa must be available.
std::uint16_t raw_checksum(checksum_isa isa, const void* data, std::size_t len);
bool checksum_isa_available(checksum_isa isa);
checksum_isa best_checksum_isa();

namespace checksum_impl {
// Unreduced sums of the buffer's words as 32-bit little-endian words (congruent
// to the 16-bit word sum modulo 0xffff; zero only for all-zero bytes).
std::uint64_t sum_scalar(const std::uint8_t* p, std::size_t len);
std::uint64_t sum_avx2(const std::uint8_t* p, std::size_t len); // -mavx2 build
} // namespace checksum_impl

} // namespace sipedge::dataplane
