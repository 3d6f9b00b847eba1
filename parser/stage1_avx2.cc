// Stage 1, AVX2 build (-mavx2): two 32-byte lanes per block.
#include <immintrin.h>

#include "parser/stage1.hh"

namespace sipedge::parser::stage1 {
namespace {

inline std::uint64_t mask_of(__m256i lo, __m256i hi, char c) {
    const __m256i k = _mm256_set1_epi8(c);
    const auto a = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, k)));
    const auto b = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, k)));
    return static_cast<std::uint64_t>(a) | (static_cast<std::uint64_t>(b) << 32);
}

} // namespace

void scan_avx2(const char* data, std::size_t n_blocks, block_masks* out) {
    for (std::size_t b = 0; b < n_blocks; ++b) {
        const char* p = data + b * stage1_block;
        const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
        out[b] = block_masks{mask_of(lo, hi, '\n'), mask_of(lo, hi, '\r'), mask_of(lo, hi, ':'),
                             mask_of(lo, hi, ','),  mask_of(lo, hi, '"'),  mask_of(lo, hi, '<'),
                             mask_of(lo, hi, '>')};
    }
}

void scan_lines_avx2(const char* data, std::size_t n_blocks, line_masks* out) {
    for (std::size_t b = 0; b < n_blocks; ++b) {
        const char* p = data + b * stage1_block;
        const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
        out[b] = line_masks{mask_of(lo, hi, '\n'), mask_of(lo, hi, ':')};
    }
}

} // namespace sipedge::parser::stage1
