#pragma once
// Character classes shared by the parser files (internal header).

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sipedge::parser::detail {

// One table, one load per byte: value parsers test a class with a single AND
// instead of a chain of compares.
enum : std::uint16_t {
    cc_token = 1,     // RFC 3261 token: alphanum / "-.!%*_+`'~"
    cc_digit = 2,
    cc_alpha = 4,
    cc_lws = 8,       // SP HT CR LF
    cc_hex = 16,
    cc_word = 32,     // RFC 3261 word (Call-ID): token plus ()<>:\"/[]?{}
    cc_uric = 64,     // characters allowed unescaped somewhere in a URI
    cc_host = 128,    // hostname / IPv4 characters: alphanum "-" "." "_"
    cc_uri_stop = 256, // never unescaped in a URI here: CTL, SP, DEL, >= 0x80, < > "
    cc_percent = 512,  // %
    cc_pvalue_stop = 1024, // ends an unquoted parameter value: ; LWS " , < >
    cc_scheme = 2048,  // URI scheme characters after the first: alphanum "+" "-" "."
    cc_at = 4096,      // @
    cc_question = 8192, // ?
};

constexpr std::array<std::uint16_t, 256> build_classes() {
    std::array<std::uint16_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        std::uint16_t v = 0;
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool digit = c >= '0' && c <= '9';
        if (alpha) {
            v |= cc_alpha;
        }
        if (digit) {
            v |= cc_digit;
        }
        if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
            v |= cc_hex;
        }
        if (alpha || digit) {
            v |= cc_token | cc_word | cc_uric;
        }
        for (char x : {'-', '.', '!', '%', '*', '_', '+', '`', '\'', '~'}) {
            if (c == x) {
                v |= cc_token | cc_word;
            }
        }
        for (char x : {'(', ')', '<', '>', ':', '\\', '"', '/', '[', ']', '?', '{', '}'}) {
            if (c == x) {
                v |= cc_word;
            }
        }
        for (char x : {'-', '_', '.', '!', '~', '*', '\'', '(', ')', '%', ';', '/', '?', ':',
                       '@', '&', '=', '+', '$', ',', '[', ']'}) {
            if (c == x) {
                v |= cc_uric;
            }
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            v |= cc_lws | cc_pvalue_stop;
        }
        if (alpha || digit || c == '-' || c == '.' || c == '_') {
            v |= cc_host;
        }
        if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"') {
            v |= cc_uri_stop;
        }
        if (c == '%') {
            v |= cc_percent;
        }
        if (c == ';' || c == '"' || c == ',' || c == '<' || c == '>') {
            v |= cc_pvalue_stop;
        }
        if (alpha || digit || c == '+' || c == '-' || c == '.') {
            v |= cc_scheme;
        }
        if (c == '@') {
            v |= cc_at;
        }
        if (c == '?') {
            v |= cc_question;
        }
        t[static_cast<std::size_t>(c)] = v;
    }
    return t;
}

inline constexpr std::array<std::uint16_t, 256> char_classes = build_classes();

constexpr std::uint16_t classes_of(char c) { return char_classes[static_cast<std::uint8_t>(c)]; }
constexpr bool has_class(char c, std::uint16_t cls) { return (classes_of(c) & cls) != 0; }
constexpr bool is_token_char(char c) { return has_class(c, cc_token); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_lws(char c) { return has_class(c, cc_lws); }
constexpr bool is_wsp(char c) { return c == ' ' || c == '\t'; }

constexpr char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
}

} // namespace sipedge::parser::detail

namespace sipedge::parser::detail {

// Cursor helpers over a string_view, used by the value parsers.
inline std::size_t skip_lws(std::string_view s, std::size_t i) {
    while (i < s.size() && is_lws(s[i])) {
        ++i;
    }
    return i;
}
inline std::size_t skip_token(std::string_view s, std::size_t i) {
    while (i < s.size() && is_token_char(s[i])) {
        ++i;
    }
    return i;
}
// Past the closing quote of a quoted-string starting at s[i] == '"'; npos if
// unterminated. Backslash escapes one character (quoted-pair).
inline std::size_t skip_quoted(std::string_view s, std::size_t i) {
    for (++i; i < s.size(); ++i) {
        if (s[i] == '\\') {
            ++i;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return std::string_view::npos;
}
inline bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    // Names and hosts usually come written the way they are configured: one
    // compare, and the folding loop only when that fails.
    if (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0) {
        return true;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (to_lower(a[i]) != to_lower(b[i])) {
            return false;
        }
    }
    return true;
}
template <typename Word>
inline Word load_word(const char* p) {
    Word w;
    std::memcpy(&w, p, sizeof(w));
    return w;
}

// The literal's bytes [o, o + sizeof(Word)) as a Word, at compile time, in the byte
// order a load would give.
template <typename Word, std::size_t N>
constexpr Word literal_word(const char (&literal)[N], std::size_t o) {
    Word w = 0;
    for (std::size_t k = 0; k < sizeof(Word); ++k) {
        const auto byte = static_cast<Word>(static_cast<unsigned char>(literal[o + k]));
        w |= static_cast<Word>(byte << (8 * (std::endian::native == std::endian::little
                                                 ? k
                                                 : sizeof(Word) - 1 - k)));
    }
    return w;
}

// Equal but for the case bit 0x20 of each byte: for letters, the same letter in
// either case (nothing else differs from a letter in that bit alone).
template <typename Word>
constexpr bool same_but_case(Word x, Word y) {
    return static_cast<Word>((x ^ y) & static_cast<Word>(0xdfdfdfdfdfdfdfdfull)) == 0;
}

// Case-insensitive equality with a literal of 1..8 letters (transport names,
// parameter names, URI schemes), as one or two masked word compares of loads of
// the literal's exact size (no partial copy through memory: that would stall on
// store forwarding). The literal may be written in either case.
template <std::size_t N>
inline bool iequal_letters(std::string_view s, const char (&literal)[N]) {
    constexpr std::size_t n = N - 1;
    static_assert(n >= 1 && n <= 8, "1 to 8 letters");
    if (s.size() != n) {
        return false;
    }
    const char* p = s.data();
    if constexpr (n == 8) {
        return same_but_case(load_word<std::uint64_t>(p), literal_word<std::uint64_t>(literal, 0));
    } else if constexpr (n >= 4) {
        return same_but_case(load_word<std::uint32_t>(p),
                             literal_word<std::uint32_t>(literal, 0)) &&
               same_but_case(load_word<std::uint32_t>(p + n - 4),
                             literal_word<std::uint32_t>(literal, n - 4));
    } else if constexpr (n >= 2) {
        return same_but_case(load_word<std::uint16_t>(p),
                             literal_word<std::uint16_t>(literal, 0)) &&
               same_but_case(load_word<std::uint16_t>(p + n - 2),
                             literal_word<std::uint16_t>(literal, n - 2));
    } else {
        return same_but_case(static_cast<std::uint8_t>(p[0]),
                             static_cast<std::uint8_t>(literal[0]));
    }
}

// Whether [p, p + n) holds a byte below 0x21 (CTL, SP; LWS included), eight bytes
// at a time: (x - 0x21..) & ~x & 0x80.. is non-zero iff some byte is below 0x21
// (bytes >= 0x80 never count). Existence only. The last partial word is read as
// overlapping loads of real bytes (no variable-length copy).
inline bool has_byte_below_0x21(const char* p, std::size_t n) {
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    constexpr std::uint64_t highs = 0x8080808080808080ull;
    const auto below = [](std::uint64_t x) { return (x - 0x21 * ones) & ~x & highs; };
    if (n >= 8) {
        std::uint64_t hit = below(load_word<std::uint64_t>(p + n - 8));
        for (std::size_t i = 0; i + 8 < n; i += 8) {
            hit |= below(load_word<std::uint64_t>(p + i));
        }
        return hit != 0;
    }
    std::uint64_t x;
    if (n >= 4) {
        x = load_word<std::uint32_t>(p) |
            (std::uint64_t{load_word<std::uint32_t>(p + n - 4)} << 32);
    } else if (n >= 2) {
        const std::uint64_t pair = load_word<std::uint16_t>(p) |
                                   (std::uint64_t{load_word<std::uint16_t>(p + n - 2)} << 16);
        x = pair | (pair << 32);
    } else if (n == 1) {
        x = static_cast<std::uint8_t>(p[0]) * ones;
    } else {
        return false;
    }
    return below(x) != 0;
}

// Decimal digits at s[i..] into n; returns the end index; sets overflow when the
// value exceeds max (digits are still consumed).
inline std::size_t parse_decimal(std::string_view s, std::size_t i, std::uint64_t max,
                                 std::uint64_t& n, bool& overflow) {
    n = 0;
    overflow = false;
    while (i < s.size() && is_digit(s[i])) {
        if (!overflow) {
            n = n * 10 + static_cast<std::uint64_t>(s[i] - '0');
            if (n > max) {
                overflow = true;
            }
        }
        ++i;
    }
    return i;
}

} // namespace sipedge::parser::detail
