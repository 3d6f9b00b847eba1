#pragma once
// Splits a header value written as a comma-separated list (RFC 3261 #element) into
// its elements, on demand. Commas inside "quoted strings" (with \-escapes) and inside
// <...> do not split. Elements are trimmed of linear whitespace (SP, HT and the CR/LF
// of folded lines); empty elements (",,") are skipped, as the #rule allows.

#include "common/byte_vec.hh"

#include <bit>
#include <cstddef>
#include <string_view>

namespace sipedge::sip {

class value_list_cursor {
public:
    value_list_cursor() = default;
    explicit value_list_cursor(std::string_view value) : _rest(value) {}

    // Stores the next element in out and returns true, or returns false at the end.
    // An unterminated quote or '<' ends the element at the end of the value; the
    // element's own parser reports that precisely.
    bool next(std::string_view& out);

private:
    std::string_view _rest;
};

// The first byte at or after i (n when none) that the list split acts on: '"', '<',
// '>', ',' and backslash. 16 bytes at a time -- a Via or a name-addr is mostly plain
// text -- then the value's last 16 bytes (overlapping what was seen); a value
// shorter than 16 bytes byte by byte. Never reads outside [p, p + n). Inline: the
// parser's per-message paths call it too.
inline std::size_t find_list_special(const char* p, std::size_t i, std::size_t n) {
    using namespace vec;
    const auto special = [](auto x) {
        return (x == '"') | (x == '<') | (x == '>') | (x == ',') | (x == '\\');
    };
    const auto hits = [&](std::size_t at) {
        return vec_bits(reinterpret_cast<byte_vec>(special(load_vec(p + at))));
    };
    if (n < vec_bytes) {
        while (i < n && !special(p[i])) {
            ++i;
        }
        return i;
    }
    for (; i + vec_bytes <= n; i += vec_bytes) {
        if (const std::uint32_t m = hits(i); m != 0) {
            return i + static_cast<std::size_t>(std::countr_zero(m));
        }
    }
    if (i >= n) {
        return n;
    }
    const std::size_t last = n - vec_bytes;
    const std::uint32_t m = hits(last) >> (i - last);
    return m != 0 ? i + static_cast<std::size_t>(std::countr_zero(m)) : n;
}

// Trims SP, HT, CR and LF on both sides (linear whitespace incl. folding).
std::string_view trim_lws(std::string_view s);

} // namespace sipedge::sip
