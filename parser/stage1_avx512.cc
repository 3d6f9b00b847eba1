// Stage 1, AVX-512BW build (-mavx512f -mavx512bw): one 64-byte load per block and
// compares that yield the 64-bit masks directly.
#include <immintrin.h>

#include "parser/stage1.hh"

namespace sipedge::parser::stage1 {
namespace {

inline std::uint64_t mask_of(__m512i v, char c) {
    return _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c));
}

} // namespace

void scan_avx512(const char* data, std::size_t n_blocks, block_masks* out) {
    for (std::size_t b = 0; b < n_blocks; ++b) {
        const __m512i v = _mm512_loadu_si512(data + b * stage1_block);
        out[b] = block_masks{mask_of(v, '\n'), mask_of(v, '\r'), mask_of(v, ':'),
                             mask_of(v, ','),  mask_of(v, '"'),  mask_of(v, '<'),
                             mask_of(v, '>')};
    }
}

void scan_lines_avx512(const char* data, std::size_t n_blocks, line_masks* out) {
    for (std::size_t b = 0; b < n_blocks; ++b) {
        const __m512i v = _mm512_loadu_si512(data + b * stage1_block);
        out[b] = line_masks{mask_of(v, '\n'), mask_of(v, ':')};
    }
}

} // namespace sipedge::parser::stage1
