#pragma once
// Stage 1 of the parser: a SIMD structural scan. Each 64-byte block of input becomes
// a set of 64-bit masks (bit i = byte i of the block) for the characters the header
// indexer and the value splitters look for. One implementation per instruction set,
// each in its own file and static library built with its own -m flags
// (stage1_scalar.cc, stage1_sse42.cc, stage1_avx2.cc, stage1_avx512.cc); the scalar
// one is always built and every SIMD one must produce identical masks
// (tests/parser/stage1_test.cc and tests/fuzz/fuzz_differential.cc check that).
//
// Padding contract: a scanner reads whole 64-byte blocks, so the caller must make
// parser_padding bytes past the end of the message readable (mbuf tailroom). The
// message parser checks this in debug builds and offers an unpadded entry point that
// copies the final partial block instead.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::parser {

inline constexpr std::size_t stage1_block = 64;
// Readable bytes required past the end of the input for the padded entry points.
inline constexpr std::size_t parser_padding = 64;

struct block_masks {
    std::uint64_t lf;
    std::uint64_t cr;
    std::uint64_t colon;
    std::uint64_t comma;
    std::uint64_t quote;  // "
    std::uint64_t langle; // <
    std::uint64_t rangle; // >

    bool operator==(const block_masks&) const = default;
};

// Scans n_blocks * 64 bytes starting at data into out[0..n_blocks).
using scan_fn = void (*)(const char* data, std::size_t n_blocks, block_masks* out);

// The two masks the header indexer needs (line ends and colons), from a scanner
// that computes only those: the indexer's hot loop. Must equal the lf/colon of
// the full scan.
struct line_masks {
    std::uint64_t lf;
    std::uint64_t colon;

    bool operator==(const line_masks&) const = default;
};
using line_scan_fn = void (*)(const char* data, std::size_t n_blocks, line_masks* out);

enum class simd_isa : std::uint8_t { scalar, sse42, avx2, avx512 };

std::string_view isa_name(simd_isa isa);

// Whether this build contains the implementation (meson option `simd`).
bool isa_compiled(simd_isa isa);
// Whether it is compiled and the CPU supports it (CPUID, via __builtin_cpu_supports).
bool isa_available(simd_isa isa);
// The best available instruction set; computed once (first call) and cached.
simd_isa best_isa();
// The scanner for an ISA; nullptr when !isa_available(isa).
scan_fn scanner(simd_isa isa);
// The line scanner for an ISA; nullptr when !isa_available(isa).
line_scan_fn line_scanner(simd_isa isa);

// The individual implementations (only the compiled ones link).
namespace stage1 {
void scan_scalar(const char* data, std::size_t n_blocks, block_masks* out);
void scan_sse42(const char* data, std::size_t n_blocks, block_masks* out);
void scan_avx2(const char* data, std::size_t n_blocks, block_masks* out);
void scan_avx512(const char* data, std::size_t n_blocks, block_masks* out);
void scan_lines_scalar(const char* data, std::size_t n_blocks, line_masks* out);
void scan_lines_sse42(const char* data, std::size_t n_blocks, line_masks* out);
void scan_lines_avx2(const char* data, std::size_t n_blocks, line_masks* out);
void scan_lines_avx512(const char* data, std::size_t n_blocks, line_masks* out);
} // namespace stage1

} // namespace sipedge::parser
