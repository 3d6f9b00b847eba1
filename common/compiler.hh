#pragma once
// Compiler hints shared by every layer. Branch hints only where a benchmark shows
// they help (STYLE.md); the macros exist so that such places are greppable.

#include <cstddef>

#define SIPEDGE_LIKELY(x) __builtin_expect(!!(x), 1)
#define SIPEDGE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define SIPEDGE_ALWAYS_INLINE inline __attribute__((always_inline))
#define SIPEDGE_NOINLINE __attribute__((noinline))
#define SIPEDGE_COLD __attribute__((cold))
#define SIPEDGE_PREFETCH(p) __builtin_prefetch((p), 0, 3)
#define SIPEDGE_PREFETCH_WRITE(p) __builtin_prefetch((p), 1, 3)
// GCC only (clang: nothing): a function built without the basic-block (SLP)
// vectorizer, where it packs scalar stores into vector moves that cost more
// (parser/message_parser.cc's walk_usual says by how much).
#if defined(__GNUC__) && !defined(__clang__)
#define SIPEDGE_NO_SLP_VECTORIZE __attribute__((optimize("no-tree-slp-vectorize")))
#else
#define SIPEDGE_NO_SLP_VECTORIZE
#endif

namespace sipedge {

// One cache line on every x86-64 and arm64 part we target. Fixed rather than
// std::hardware_destructive_interference_size, whose value gcc warns may change.
inline constexpr std::size_t cache_line_size = 64;

} // namespace sipedge
