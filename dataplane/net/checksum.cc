#include "dataplane/net/checksum.hh"

#include <cstring>

namespace sipedge::dataplane {

namespace checksum_impl {

// Scalar twin (and the tail of the vector variants' callers): 32-bit words into
// a 64-bit total, which cannot overflow below 2^32 words (16 GiB).
std::uint64_t sum_scalar(const std::uint8_t* p, std::size_t len) {
    std::uint64_t sum = 0;
    for (; len >= 4; p += 4, len -= 4) {
        std::uint32_t w;
        std::memcpy(&w, p, sizeof w);
        sum += w;
    }
    if (len >= 2) {
        std::uint16_t w;
        std::memcpy(&w, p, sizeof w);
        sum += w;
        p += 2;
        len -= 2;
    }
    if (len != 0) {
        sum += *p; // the low byte of a little-endian word padded with zero
    }
    return sum;
}

} // namespace checksum_impl

namespace {

using sum_fn = std::uint64_t (*)(const std::uint8_t*, std::size_t);

sum_fn variant(checksum_isa isa) {
    switch (isa) {
#ifdef SIPEDGE_HAVE_AVX2
    case checksum_isa::avx2:
        return checksum_impl::sum_avx2;
#endif
    default:
        return checksum_impl::sum_scalar;
    }
}

// Chosen before main (no guard on the per-packet path).
const sum_fn best_sum = variant(best_checksum_isa());

} // namespace

bool checksum_isa_available(checksum_isa isa) {
    switch (isa) {
    case checksum_isa::scalar:
        return true;
    case checksum_isa::avx2:
#ifdef SIPEDGE_HAVE_AVX2
        __builtin_cpu_init(); // asked from a static initialiser (best_sum)
        return __builtin_cpu_supports("avx2");
#else
        return false;
#endif
    }
    return false;
}

checksum_isa best_checksum_isa() {
    return checksum_isa_available(checksum_isa::avx2) ? checksum_isa::avx2 : checksum_isa::scalar;
}

std::uint64_t raw_sum(const void* data, std::size_t len) {
    return best_sum(static_cast<const std::uint8_t*>(data), len);
}

std::uint16_t raw_checksum(checksum_isa isa, const void* data, std::size_t len) {
    return fold_sum(variant(isa)(static_cast<const std::uint8_t*>(data), len));
}

} // namespace sipedge::dataplane
