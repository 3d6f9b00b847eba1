// Stage 1, scalar: the reference every SIMD scanner must match bit for bit.
#include "parser/stage1.hh"

namespace sipedge::parser::stage1 {

void scan_scalar(const char* data, std::size_t n_blocks, block_masks* out) {
    for (std::size_t b = 0; b < n_blocks; ++b) {
        block_masks m{};
        const char* p = data + b * stage1_block;
        for (unsigned i = 0; i < stage1_block; ++i) {
            const std::uint64_t bit = std::uint64_t{1} << i;
            switch (p[i]) {
            case '\n': m.lf |= bit; break;
            case '\r': m.cr |= bit; break;
            case ':': m.colon |= bit; break;
            case ',': m.comma |= bit; break;
            case '"': m.quote |= bit; break;
            case '<': m.langle |= bit; break;
            case '>': m.rangle |= bit; break;
            default: break;
            }
        }
        out[b] = m;
    }
}

void scan_lines_scalar(const char* data, std::size_t n_blocks, line_masks* out) {
    for (std::size_t b = 0; b < n_blocks; ++b) {
        line_masks m{};
        const char* p = data + b * stage1_block;
        for (unsigned i = 0; i < stage1_block; ++i) {
            m.lf |= static_cast<std::uint64_t>(p[i] == '\n') << i;
            m.colon |= static_cast<std::uint64_t>(p[i] == ':') << i;
        }
        out[b] = m;
    }
}

} // namespace sipedge::parser::stage1
