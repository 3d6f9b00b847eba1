#pragma once
// Little-endian word loads inside a text, with no byte past its end: the hashes
// (dataplane/transaction/hash.hh) and the parser's short-text vector loads
// (parser/byte_vec.hh) read strings of any length this way.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sipedge::words {

inline std::uint64_t load64(const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}

// The last n (< 8) bytes of s as a little-endian word: the value that
// memcpy(&tail, s.data() + s.size() - n, n) into a zeroed word gives (the hashes
// are defined by it), without a variable-length copy, which compiles to a chain of
// branches and byte moves. A string of 8 bytes or more gives its last word shifted
// down (the bytes before the tail fall off); a shorter one (n == size) is put
// together from two overlapping 4-, 2- or 1-byte loads, all inside the string.
inline std::uint64_t load_tail(std::string_view s, std::size_t n) {
    if (n == 0) {
        return 0; // an empty view may have a null data()
    }
    const char* end = s.data() + s.size();
    if (s.size() >= 8) {
        return load64(end - 8) >> (64 - 8 * n);
    }
    const char* p = end - n;
    if (n >= 4) {
        std::uint32_t lo;
        std::uint32_t hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, end - 4, 4);
        return std::uint64_t{lo} | (std::uint64_t{hi} << (8 * (n - 4)));
    }
    const auto byte = [](const char* q) { return std::uint64_t{static_cast<unsigned char>(*q)}; };
    return byte(p) | (byte(p + n / 2) << (8 * (n / 2))) | (byte(end - 1) << (8 * (n - 1)));
}

} // namespace sipedge::words
