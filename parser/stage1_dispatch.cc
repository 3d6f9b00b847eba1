// Picks the stage-1 scanner once, by CPUID. Which implementations exist is decided
// at configure time (meson option `simd`), passed in as SIPEDGE_HAVE_* defines.
#include "parser/stage1.hh"

namespace sipedge::parser {

std::string_view isa_name(simd_isa isa) {
    switch (isa) {
    case simd_isa::scalar: return "scalar";
    case simd_isa::sse42: return "sse42";
    case simd_isa::avx2: return "avx2";
    case simd_isa::avx512: return "avx512";
    }
    return "?";
}

bool isa_compiled(simd_isa isa) {
    switch (isa) {
    case simd_isa::scalar: return true;
#ifdef SIPEDGE_HAVE_SSE42
    case simd_isa::sse42: return true;
#endif
#ifdef SIPEDGE_HAVE_AVX2
    case simd_isa::avx2: return true;
#endif
#ifdef SIPEDGE_HAVE_AVX512
    case simd_isa::avx512: return true;
#endif
    default: return false;
    }
}

bool isa_available(simd_isa isa) {
    if (!isa_compiled(isa)) {
        return false;
    }
    switch (isa) {
    case simd_isa::scalar: return true;
    case simd_isa::sse42: return __builtin_cpu_supports("sse4.2");
    case simd_isa::avx2: return __builtin_cpu_supports("avx2");
    case simd_isa::avx512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
    }
    return false;
}

simd_isa best_isa() {
    static const simd_isa best = [] {
        for (simd_isa isa : {simd_isa::avx512, simd_isa::avx2, simd_isa::sse42}) {
            if (isa_available(isa)) {
                return isa;
            }
        }
        return simd_isa::scalar;
    }();
    return best;
}

scan_fn scanner(simd_isa isa) {
    if (!isa_available(isa)) {
        return nullptr;
    }
    switch (isa) {
    case simd_isa::scalar: return &stage1::scan_scalar;
#ifdef SIPEDGE_HAVE_SSE42
    case simd_isa::sse42: return &stage1::scan_sse42;
#endif
#ifdef SIPEDGE_HAVE_AVX2
    case simd_isa::avx2: return &stage1::scan_avx2;
#endif
#ifdef SIPEDGE_HAVE_AVX512
    case simd_isa::avx512: return &stage1::scan_avx512;
#endif
    default: return nullptr;
    }
}

line_scan_fn line_scanner(simd_isa isa) {
    if (!isa_available(isa)) {
        return nullptr;
    }
    switch (isa) {
    case simd_isa::scalar: return &stage1::scan_lines_scalar;
#ifdef SIPEDGE_HAVE_SSE42
    case simd_isa::sse42: return &stage1::scan_lines_sse42;
#endif
#ifdef SIPEDGE_HAVE_AVX2
    case simd_isa::avx2: return &stage1::scan_lines_avx2;
#endif
#ifdef SIPEDGE_HAVE_AVX512
    case simd_isa::avx512: return &stage1::scan_lines_avx512;
#endif
    default: return nullptr;
    }
}

} // namespace sipedge::parser
