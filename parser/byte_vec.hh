#pragma once
// The parser's per-byte class tests, 16 bytes at a time (internal header), on the
// generic vectors of common/byte_vec.hh: SSE2 on any x86-64, so the stage-2 code
// that uses them needs no ISA file of its own and behaves the same whichever
// stage-1 scanner was chosen.
//
// Callers load only where 16 bytes are known to be readable: inside the input, or
// inside the padding of the padded entry points (stage1.hh's parser_padding).

#include "common/byte_vec.hh"
#include "common/compiler.hh"
#include "common/word_load.hh"
#include "parser/char_class.hh"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::parser::detail {

using vec::byte_vec;
using vec::load_vec;
using vec::vec_bits;
using vec::vec_bits_portable;
using vec::vec_bytes;

// Per-byte class tests, 16 bytes at once; each equals the char_class.hh test named
// beside it on every byte value (tests/parser/byte_vec_test.cc checks all 256).
// They return vec_bits() of the bytes that stop a scan.

// !has_class(c, cc_host): anything but alphanum "-" "." "_".
inline std::uint32_t host_stop_bits(byte_vec x) {
    const byte_vec host = vec::in_range(x | 0x20, 'a', 26) | vec::in_range(x, '0', 10) |
                          vec::in_range(x, '-', 2) | (x == '_');
    return ~vec_bits(host) & 0xffffu;
}

// has_class(c, cc_pvalue_stop): ; SP HT CR LF " , < >
inline std::uint32_t pvalue_stop_bits(byte_vec x) {
    const auto stop = (x == ';') | (x == ' ') | (x == '\t') | (x == '\r') | (x == '\n') |
                      (x == '"') | (x == ',') | (x == '<') | (x == '>');
    return vec_bits(reinterpret_cast<byte_vec>(stop));
}

// A superset of the above with fewer compares: every byte below 0x23 (SP HT CR LF,
// the other controls, '!' and '"'), ',' and 0x3b..0x3e (; < = >): two range tests
// and one compare. find_pvalue_end skips a candidate that is not a stop (a control
// byte other than HT CR LF, '!' or '=' in a value: rare).
inline std::uint32_t pvalue_candidate_bits(byte_vec x) {
    return vec_bits(vec::in_range(x, 0, 0x23) | (x == ',') | vec::in_range(x, 0x3b, 4));
}

// has_class(c, cc_uri_stop | cc_percent | cc_at | cc_question): CTL, SP, DEL, bytes
// >= 0x80, < > " % @ ?
inline std::uint32_t uri_special_bits(byte_vec x) {
    return vec_bits(vec::ctl_space_or_high(x) | (x == '<') | (x == '>') | (x == '"') | (x == '%') |
                    (x == '@') | (x == '?'));
}

// c == '>' or a byte below 0x21.
inline std::uint32_t rangle_or_ctl_bits(byte_vec x) {
    return vec_bits(reinterpret_cast<byte_vec>((x == '>') | (x < 0x21)));
}

// A byte below 0x21 or DEL (the controls a Request-URI may not hold, and SP).
inline std::uint32_t space_or_ctl_bits(byte_vec x) {
    return vec_bits(reinterpret_cast<byte_vec>((x < 0x21) | (x == 0x7f)));
}

// A superset of the bytes that are neither an RFC 3261 word character nor '@'
// (Call-ID: CTL, SP, DEL, bytes >= 0x80, # $ & , ; = ^ |; is_call_id_stop below),
// with fewer compares: 0x23..0x26 (# $ % &) and 0x3b..0x3d (; < =) as ranges, which
// adds '%' and '<' (word characters, rare in a Call-ID); a caller confirms a
// candidate with the exact class.
inline std::uint32_t call_id_candidate_bits(byte_vec x) {
    return vec_bits(vec::ctl_space_or_high(x) | vec::in_range(x, 0x23, 4) | (x == ',') |
                    vec::in_range(x, 0x3b, 3) | (x == '^') | (x == '|'));
}

inline std::uint32_t at_bits(byte_vec x) {
    return vec_bits(reinterpret_cast<byte_vec>(x == '@'));
}

// The first index at or after i of [p, p + n) whose byte StopBits flags, or n.
// Loads stay inside [p, p + n): 16 bytes at a time, then the last 16 bytes
// (overlapping what was seen); a text shorter than 16 bytes goes byte by byte with
// StopByte, the scalar twin of StopBits.
template <std::uint32_t (*StopBits)(byte_vec), bool (*StopByte)(char)>
inline std::size_t find_stop(const char* p, std::size_t i, std::size_t n) {
    if (n < vec_bytes) {
        while (i < n && !StopByte(p[i])) {
            ++i;
        }
        return i;
    }
    for (; i + vec_bytes <= n; i += vec_bytes) {
        if (const std::uint32_t m = StopBits(load_vec(p + i)); m != 0) {
            return i + static_cast<std::size_t>(__builtin_ctz(m));
        }
    }
    if (i >= n) {
        return n;
    }
    const std::size_t last = n - vec_bytes;
    const std::uint32_t m = StopBits(load_vec(p + last)) >> (i - last);
    return m != 0 ? i + static_cast<std::size_t>(__builtin_ctz(m)) : n;
}

// The bytes of a text of 1 to 15 bytes in one vector, `pad` from byte n on (a byte
// of no class the caller tests, so that no mask bit is set past the text), loaded
// inside the text (words::load_tail: overlapping word loads). Little-endian: byte i
// of the text is lane i.
inline byte_vec load_short(const char* p, std::size_t n, char pad) {
    const std::string_view text(p, n);
    const std::uint64_t lo = n >= 8 ? words::load64(p) : words::load_tail(text, n);
    const std::uint64_t hi = n > 8 ? words::load_tail(text, n - 8) : 0; // bytes 8 .. n-1
    using word_pair = std::uint64_t __attribute__((vector_size(16)));
    constexpr byte_vec lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const byte_vec past = reinterpret_cast<byte_vec>(lane >= static_cast<std::uint8_t>(n));
    return reinterpret_cast<byte_vec>(word_pair{lo, hi}) | (past & static_cast<std::uint8_t>(pad));
}

// Each 16-byte block of a text [p, p + n) of 1 to 64 bytes with its offset, the
// last one at n - 16, overlapping what was seen: the same bytes give the same
// class bits, so OR-ing each block's bits shifted by its offset builds one 64-bit
// mask of the class over the whole text (bit i = byte i). Loads stay inside the
// text. (A text of 16 bytes is taken twice, as its first and last block.) A text
// under 16 bytes is one block, load_short's with `pad` past its end.
template <typename Take>
SIPEDGE_ALWAYS_INLINE void for_each_block(const char* p, std::size_t n, char pad, Take&& take) {
    if (n < vec_bytes) {
        take(load_short(p, n, pad), 0);
        return;
    }
    take(load_vec(p), 0);
    std::size_t at = vec_bytes;
    for (; at + vec_bytes < n; at += vec_bytes) {
        take(load_vec(p + at), at);
    }
    take(load_vec(p + n - vec_bytes), n - vec_bytes);
}

// The scalar twins (char_class.hh's classes) and the scans the value parsers use.
inline bool is_host_stop(char c) {
    return !has_class(c, cc_host);
}
inline bool is_pvalue_stop(char c) {
    return has_class(c, cc_pvalue_stop);
}
inline bool is_pvalue_candidate(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x23 || c == ',' || static_cast<unsigned char>(u - 0x3b) < 4;
}
inline bool is_uri_special(char c) {
    return has_class(c, cc_uri_stop | cc_percent | cc_at | cc_question);
}
inline bool is_rangle_or_ctl(char c) {
    return c == '>' || static_cast<unsigned char>(c) < 0x21;
}
inline bool is_space_or_ctl(char c) {
    return static_cast<unsigned char>(c) < 0x21 || c == 0x7f;
}

inline bool is_call_id_stop(char c) {
    return !has_class(c, cc_word) && c != '@';
}
inline bool is_call_id_candidate(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x21 || u >= 0x7f || (u >= 0x23 && u <= 0x26) || c == ',' ||
           (u >= 0x3b && u <= 0x3d) || c == '^' || c == '|';
}
inline bool is_at(char c) {
    return c == '@';
}

// Past the host characters (alphanum "-" "." "_") from i.
inline std::size_t skip_host(const char* p, std::size_t i, std::size_t n) {
    return find_stop<host_stop_bits, is_host_stop>(p, i, n);
}
// The end of an unquoted parameter value from i.
// Scans for candidates (fewer vector compares than the exact stop test) and
// confirms each with the scalar test: the same index as a scan for the stops.
SIPEDGE_ALWAYS_INLINE std::size_t find_pvalue_end(const char* p, std::size_t i, std::size_t n) {
    while (true) {
        i = find_stop<pvalue_candidate_bits, is_pvalue_candidate>(p, i, n);
        if (i == n || is_pvalue_stop(p[i])) {
            return i;
        }
        ++i;
    }
}
// The next byte a URI check must look at from i.
inline std::size_t find_uri_special(const char* p, std::size_t i, std::size_t n) {
    return find_stop<uri_special_bits, is_uri_special>(p, i, n);
}
// The first '>' or byte below 0x21 from i.
inline std::size_t find_rangle_or_ctl(const char* p, std::size_t i, std::size_t n) {
    return find_stop<rangle_or_ctl_bits, is_rangle_or_ctl>(p, i, n);
}

// The first SP, other control byte or DEL from i.
inline std::size_t find_space_or_ctl(const char* p, std::size_t i, std::size_t n) {
    return find_stop<space_or_ctl_bits, is_space_or_ctl>(p, i, n);
}

} // namespace sipedge::parser::detail
