// Stage 1, scalar: the reference every SIMD scanner must match bit for bit.
#include "parser/stage1.hh"

#include <bit>
#include <cstring>

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

namespace {

// Bit i set iff byte i of x equals the byte in every lane of `pattern` (SWAR, exact:
// no carry crosses a byte), then bit 7 of each byte gathered into 8 bits by one
// multiply (the exponents 8i + 7j + 7 are distinct, so no carries either).
inline std::uint64_t equal_bytes(std::uint64_t x, std::uint64_t pattern) {
    constexpr std::uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
    const std::uint64_t t = x ^ pattern;
    const std::uint64_t zero = ~(((t & low7) + low7) | t | low7);
    return ((zero >> 7) * 0x0102040810204080ull) >> 56;
}

} // namespace

// Word at a time: the scalar build (no SIMD) indexes headers at several bytes per
// cycle instead of one.
void scan_lines_scalar(const char* data, std::size_t n_blocks, line_masks* out) {
    constexpr std::uint64_t lfs = 0x0a0a0a0a0a0a0a0aull;
    constexpr std::uint64_t colons = 0x3a3a3a3a3a3a3a3aull;
    for (std::size_t b = 0; b < n_blocks; ++b) {
        const char* p = data + b * stage1_block;
        line_masks m{};
        for (unsigned w = 0; w < stage1_block / 8; ++w) {
            std::uint64_t x;
            std::memcpy(&x, p + 8 * w, 8);
            if constexpr (std::endian::native == std::endian::big) {
                x = __builtin_bswap64(x);
            }
            m.lf |= equal_bytes(x, lfs) << (8 * w);
            m.colon |= equal_bytes(x, colons) << (8 * w);
        }
        out[b] = m;
    }
}

} // namespace sipedge::parser::stage1
