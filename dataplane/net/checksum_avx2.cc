// The checksum sum, AVX2 build (-mavx2; no DPDK headers, see DPDK-NOTES.md):
// each 32-bit lane adds the low and the high 16-bit word of its slice, so a
// 64-byte step is two loads, two ands, two shifts and four adds. A lane gains
// at most 0xffff per 64-byte step: blocks of 16 KiB keep each lane (and the
// sum of two) far below 2^32 before it is widened into the 64-bit total.
#include "dataplane/net/checksum.hh"

#include <immintrin.h>

namespace sipedge::dataplane::checksum_impl {

namespace {

constexpr std::size_t block_bytes = 16 * 1024;

std::uint64_t widen(__m256i lanes) {
    const __m256i zero = _mm256_setzero_si256();
    const __m256i wide =
        _mm256_add_epi64(_mm256_unpacklo_epi32(lanes, zero), _mm256_unpackhi_epi32(lanes, zero));
    const __m128i half =
        _mm_add_epi64(_mm256_castsi256_si128(wide), _mm256_extracti128_si256(wide, 1));
    return static_cast<std::uint64_t>(_mm_cvtsi128_si64(half)) +
           static_cast<std::uint64_t>(_mm_extract_epi64(half, 1));
}

// 32 zero bytes, then 32 of 0xff: 32 bytes loaded from offset k keep the last k.
alignas(64) constexpr std::uint8_t tail_masks[64] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

} // namespace

std::uint64_t sum_avx2(const std::uint8_t* p, std::size_t len) {
    const __m256i low_words = _mm256_set1_epi32(0xffff);
    if (len < 32) {
        return sum_scalar(p, len);
    }
    std::uint64_t total = 0;
    while (len >= 32) {
        std::size_t n = len < block_bytes ? len : block_bytes;
        len -= n & ~std::size_t{31};
        // Four sums, one add each per step: no add waits for another.
        __m256i a = _mm256_setzero_si256();
        __m256i b = _mm256_setzero_si256();
        __m256i c = _mm256_setzero_si256();
        __m256i d = _mm256_setzero_si256();
        for (; n >= 64; n -= 64, p += 64) {
            const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
            const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
            a = _mm256_add_epi32(a, _mm256_and_si256(x, low_words));
            b = _mm256_add_epi32(b, _mm256_srli_epi32(x, 16));
            c = _mm256_add_epi32(c, _mm256_and_si256(y, low_words));
            d = _mm256_add_epi32(d, _mm256_srli_epi32(y, 16));
        }
        if (n >= 32) {
            const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
            a = _mm256_add_epi32(a, _mm256_and_si256(x, low_words));
            b = _mm256_add_epi32(b, _mm256_srli_epi32(x, 16));
            p += 32;
        }
        a = _mm256_add_epi32(a, c); // each lane stays below 2^31 (block_bytes)
        b = _mm256_add_epi32(b, d);
        total += widen(a) + widen(b);
    }
    // The last 0..31 bytes: the 32 bytes that end with their even part, read
    // again from an even offset (so words pair as before) with the bytes
    // already summed masked off; then an odd last byte, as a word's low byte.
    const std::size_t even = len & ~std::size_t{1};
    if (even != 0) {
        const __m256i x = _mm256_and_si256(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + even - 32)),
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tail_masks + even)));
        total += widen(_mm256_add_epi32(_mm256_and_si256(x, low_words), _mm256_srli_epi32(x, 16)));
    }
    if ((len & 1) != 0) {
        total += p[even];
    }
    return total;
}

} // namespace sipedge::dataplane::checksum_impl
