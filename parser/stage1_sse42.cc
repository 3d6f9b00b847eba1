// Stage 1, SSE4.2 build (-msse4.2): four 16-byte lanes per block, one byte compare
// and movemask per structural character.
#include <immintrin.h>

#include "parser/stage1.hh"

namespace sipedge::parser::stage1 {
namespace {

inline std::uint64_t mask_of(const __m128i v[4], char c) {
    const __m128i k = _mm_set1_epi8(c);
    std::uint64_t m = 0;
    for (int i = 0; i < 4; ++i) {
        const auto bits = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v[i], k)));
        m |= static_cast<std::uint64_t>(bits & 0xffffu) << (16 * i);
    }
    return m;
}

} // namespace

void scan_sse42(const char* data, std::size_t n_blocks, block_masks* out) {
    for (std::size_t b = 0; b < n_blocks; ++b) {
        const char* p = data + b * stage1_block;
        __m128i v[4];
        for (int i = 0; i < 4; ++i) {
            v[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
        }
        out[b] = block_masks{mask_of(v, '\n'), mask_of(v, '\r'), mask_of(v, ':'),
                             mask_of(v, ','),  mask_of(v, '"'),  mask_of(v, '<'),
                             mask_of(v, '>')};
    }
}

void scan_lines_sse42(const char* data, std::size_t n_blocks, line_masks* out) {
    for (std::size_t b = 0; b < n_blocks; ++b) {
        const char* p = data + b * stage1_block;
        __m128i v[4];
        for (int i = 0; i < 4; ++i) {
            v[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
        }
        out[b] = line_masks{mask_of(v, '\n'), mask_of(v, ':')};
    }
}

} // namespace sipedge::parser::stage1
