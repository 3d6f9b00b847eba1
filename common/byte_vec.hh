#pragma once
// 16 bytes at a time with the compiler's generic vectors. Plain C++ with GCC/clang
// vector extensions, no intrinsics: it compiles to SSE2 on any x86-64 (and to NEON
// on arm64), so code that uses it needs no ISA file of its own. The parser's class
// scans (parser/byte_vec.hh) and the list splitter (sip/value_list.cc) build on it.
//
// Callers load only where 16 bytes are known to be readable.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sipedge::vec {

inline constexpr std::uint32_t vec_bytes = 16;

using byte_vec = std::uint8_t __attribute__((vector_size(16)));

inline byte_vec load_vec(const char* p) {
    byte_vec v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

// The same bytes read as signed: SSE2 compares bytes only as signed numbers.
using sbyte_vec = std::int8_t __attribute__((vector_size(16)));

// Each byte of x in [lo, lo + count) (unsigned; count 1 to 128) as a compare result
// (0xff or 0x00): the range moved to the bottom of the signed bytes, then one
// signed compare -- two instructions, where `(x - lo) < count` on unsigned bytes
// takes three (SSE2 has no unsigned byte compare).
inline byte_vec in_range(byte_vec x, std::uint8_t lo, std::uint8_t count) {
    const byte_vec moved = x + static_cast<std::uint8_t>(0x80 - lo);
    return reinterpret_cast<byte_vec>(reinterpret_cast<sbyte_vec>(moved) <
                                      static_cast<std::int8_t>(count - 128));
}

// Each byte below 0x21 or from 0x7f up (controls, SP, DEL, and all but ASCII) as a
// compare result: one signed compare (bytes from 0x80 are negative) and DEL.
inline byte_vec ctl_space_or_high(byte_vec x) {
    return reinterpret_cast<byte_vec>(reinterpret_cast<sbyte_vec>(x) < 0x21) | (x == 0x7f);
}

// One bit per byte of a compare result (bytes 0x00 or 0xff): bit i = byte i, with
// a multiply that gathers the low bit of each byte into the top byte (no carries:
// the exponents 8i + 7j are distinct), as stage1_scalar.cc does.
inline std::uint32_t vec_bits_portable(byte_vec m) {
    std::uint64_t lo;
    std::uint64_t hi;
    std::memcpy(&lo, &m, 8);
    std::memcpy(&hi, reinterpret_cast<const char*>(&m) + 8, 8);
    if constexpr (std::endian::native == std::endian::big) {
        lo = __builtin_bswap64(lo);
        hi = __builtin_bswap64(hi);
    }
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    constexpr std::uint64_t gather = 0x0102040810204080ull;
    return static_cast<std::uint32_t>(((lo & ones) * gather) >> 56) |
           (static_cast<std::uint32_t>(((hi & ones) * gather) >> 56) << 8);
}

// The same. Generic vectors have no such operation; every x86-64 has SSE2's
// PMOVMSKB, one instruction instead of about twelve (the one target-specific line
// here: the compiler's builtin, no intrinsics header; a test compares the two).
inline std::uint32_t vec_bits(byte_vec m) {
#if defined(__SSE2__)
    using char_vec = char __attribute__((vector_size(16)));
    return static_cast<std::uint32_t>(__builtin_ia32_pmovmskb128(reinterpret_cast<char_vec>(m)));
#else
    return vec_bits_portable(m);
#endif
}

} // namespace sipedge::vec
