#include "parser/uri.hh"

#include "parser/byte_vec.hh"
#include "parser/char_class.hh"
#include "parser/params.hh"

namespace sipedge::parser {

using namespace detail;

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = to_lower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

// What the character check learns on its way, so that no later pass looks again.
struct char_scan {
    parse_error_code error = parse_error_code::count_; // count_: fine
    std::size_t first_at = std::string_view::npos;
    unsigned ats = 0;
    // First '?' after the last '@' (or in the whole text without one).
    std::size_t question = std::string_view::npos;
};

// Every byte is a visible ASCII character and every '%' starts a valid escape;
// '@' and '?' are noted. The special bytes of each 16-byte block are taken from one
// mask, in order (the two hex digits after a '%' are never special, so no bit needs
// skipping); a text shorter than 16 bytes goes byte by byte.
char_scan check_chars(std::string_view s) {
    char_scan r;
    const char* p = s.data();
    const std::size_t n = s.size();
    // false: r.error is set.
    const auto take = [&](std::size_t i) -> bool {
        const std::uint16_t cls = classes_of(p[i]);
        if ((cls & cc_uri_stop) != 0) {
            r.error = parse_error_code::invalid_uri;
            return false;
        }
        if ((cls & cc_at) != 0) {
            r.first_at = r.ats++ == 0 ? i : r.first_at;
            r.question = std::string_view::npos;
            return true;
        }
        if ((cls & cc_question) != 0) {
            r.question = r.question == std::string_view::npos ? i : r.question;
            return true;
        }
        // '%' HEXDIG HEXDIG
        if (i + 2 >= n || !has_class(p[i + 1], cc_hex) || !has_class(p[i + 2], cc_hex)) {
            r.error = parse_error_code::invalid_escape;
            return false;
        }
        return true;
    };
    const auto take_bits = [&](std::size_t at, std::uint32_t bits) -> bool {
        for (; bits != 0; bits &= bits - 1) {
            if (!take(at + static_cast<std::size_t>(__builtin_ctz(bits)))) {
                return false;
            }
        }
        return true;
    };
    if (n < vec_bytes) {
        for (std::size_t i = 0; i < n; ++i) {
            if (is_uri_special(p[i]) && !take(i)) {
                return r;
            }
        }
        return r;
    }
    std::size_t i = 0;
    for (; i + vec_bytes <= n; i += vec_bytes) {
        if (!take_bits(i, uri_special_bits(load_vec(p + i)))) {
            return r;
        }
    }
    if (i < n) {
        // The last 16 bytes, without those seen already.
        const std::size_t last = n - vec_bytes;
        take_bits(i, uri_special_bits(load_vec(p + last)) >> (i - last));
    }
    return r;
}

bool valid_ipv6_reference(std::string_view h) {
    if (h.size() < 4 || h.front() != '[' || h.back() != ']') {
        return false;
    }
    for (std::size_t i = 1; i + 1 < h.size(); ++i) {
        const char c = h[i];
        if (!has_class(c, cc_hex) && c != ':' && c != '.') {
            return false;
        }
    }
    return true;
}

// The usual sip: or sips: URI of a request line, from masks: "sip:" or "sips:" (the
// letters in either case), then 1 to 64 bytes of host characters, or of host
// characters, one '@' and host characters (user and host, both not empty), then
// optionally ':' and a port of 1 to 5 digits (1-65535), to the end. No password,
// parameters or headers. Sets every field as the general parse does and returns
// true; false, deciding nothing (u untouched), for anything else.
SIPEDGE_ALWAYS_INLINE bool uri_by_masks(const char* p, std::size_t n, uri& u) {
    if (n < 5) {
        return false;
    }
    const auto word = load_word<std::uint32_t>(p);
    std::size_t colon;
    uri_scheme scheme;
    if ((word | 0x202020u) == literal_word<std::uint32_t>("sip:", 0)) {
        colon = 3;
        scheme = uri_scheme::sip;
    } else if ((word | 0x20202020u) == literal_word<std::uint32_t>("sips", 0) && p[4] == ':') {
        colon = 4;
        scheme = uri_scheme::sips;
    } else {
        return false;
    }
    const char* o = p + colon + 1;
    const std::size_t m = n - colon - 1;
    if (m == 0 || m > 64) {
        return false;
    }
    std::uint64_t special = 0;
    std::uint64_t host_stop = 0;
    // A text under 16 bytes is padded with 'a', a host character and not special.
    for_each_block(o, m, 'a', [&](byte_vec x, std::size_t at) {
        special |= static_cast<std::uint64_t>(uri_special_bits(x)) << at;
        host_stop |= static_cast<std::uint64_t>(host_stop_bits(x)) << at;
    });
    // No special byte (then no user), or only one, an '@' inside, with host
    // characters only on both sides, but for one ':' after the host before the
    // port (so no ':' in the user part).
    std::size_t host = 0;
    if (special != 0) {
        const std::size_t at = static_cast<std::size_t>(__builtin_ctzll(special));
        if ((special & (special - 1)) != 0 || o[at] != '@' || at == 0 || at + 1 == m) {
            return false;
        }
        host = at + 1;
    }
    std::size_t host_end = m;
    std::uint32_t port = 0;
    if (const std::uint64_t stops = host_stop & ~special; stops != 0) {
        // Digits are host characters: the port's ':' is the only other stop.
        host_end = static_cast<std::size_t>(__builtin_ctzll(stops));
        const std::size_t digits = m - host_end - 1;
        if ((stops & (stops - 1)) != 0 || o[host_end] != ':' || host_end <= host || digits == 0 ||
            digits > 5) {
            return false;
        }
        for (std::size_t i = host_end + 1; i < m; ++i) {
            if (!is_digit(o[i])) {
                return false;
            }
            port = port * 10 + static_cast<std::uint32_t>(o[i] - '0');
        }
        if (port == 0 || port > 65535) {
            return false;
        }
    }
    u.scheme = scheme;
    u.scheme_text = std::string_view(p, colon);
    u.user = host == 0 ? std::string_view{} : std::string_view(o, host - 1);
    u.password = {};
    u.has_user = host != 0;
    u.has_password = false;
    u.host = std::string_view(o + host, host_end - host);
    u.host_is_ipv6 = false;
    u.port_text =
        host_end == m ? std::string_view{} : std::string_view(o + host_end + 1, m - host_end - 1);
    u.port = static_cast<std::uint16_t>(port);
    u.params = {};
    u.headers = {};
    u.opaque = std::string_view(o, m);
    return true;
}

} // namespace

bool detail::uri_by_masks(std::string_view text, uri& u) {
    return parser::uri_by_masks(text.data(), text.size(), u);
}

value_result<uri> parse_uri(std::string_view text) {
    uri u;
    const auto s = parse_uri(text, u);
    if (!s) {
        return value_error{s.error_code(), s.message()};
    }
    return u;
}

sipedge::status<parse_error_code> parse_uri(std::string_view text, uri& u) {
    if (uri_by_masks(text.data(), text.size(), u)) {
        return {};
    }
    return detail::parse_uri_general(text, u);
}

sipedge::status<parse_error_code> detail::parse_uri_general(std::string_view text, uri& u) {
    reset(u);
    std::size_t i = 0;
    if (text.empty() || !has_class(text[0], cc_alpha)) {
        return value_error{parse_error_code::invalid_uri, "URI does not start with a scheme"};
    }
    // "sip" (either case) is scheme characters known from one word: the loop goes on
    // from its end.
    constexpr auto fourth = literal_word<std::uint32_t>("\0\0\0\xff", 0);
    if (text.size() >= 4 && same_but_case(load_word<std::uint32_t>(text.data()) | fourth,
                                          literal_word<std::uint32_t>("sip\xff", 0))) {
        i = 3;
    }
    while (i < text.size() && has_class(text[i], cc_scheme)) {
        ++i;
    }
    if (i == text.size() || text[i] != ':') {
        return value_error{parse_error_code::invalid_uri, "URI scheme not followed by ':'"};
    }
    u.scheme_text = text.substr(0, i);
    u.opaque = text.substr(i + 1);
    if (u.opaque.empty()) {
        return value_error{parse_error_code::invalid_uri, "nothing after the URI scheme"};
    }
    const char_scan scan = check_chars(u.opaque);
    if (const auto e = scan.error; e != parse_error_code::count_) {
        return value_error{e, e == parse_error_code::invalid_escape ? "bad %-escape in URI"
                                                                    : "invalid character in URI"};
    }
    if (iequal_letters(u.scheme_text, "sip")) {
        u.scheme = uri_scheme::sip;
    } else if (iequal_letters(u.scheme_text, "sips")) {
        u.scheme = uri_scheme::sips;
    } else if (iequal_letters(u.scheme_text, "tel")) {
        u.scheme = uri_scheme::tel;
    } else {
        u.scheme = uri_scheme::other; // absoluteURI, kept opaque
        return {};
    }
    std::string_view rest = u.opaque;

    if (u.scheme == uri_scheme::tel) {
        const std::size_t semi = rest.find(';');
        u.user = rest.substr(0, semi);
        u.has_user = true;
        if (u.user.empty() || u.user.find('?') != std::string_view::npos) {
            return value_error{parse_error_code::invalid_uri, "tel URI without a number"};
        }
        if (semi != std::string_view::npos) {
            u.params = rest.substr(semi + 1);
            if (!count_params(rest.substr(semi))) {
                return value_error{parse_error_code::invalid_param, "malformed tel URI parameter"};
            }
        }
        return {};
    }

    // sip / sips. '@' cannot appear unescaped outside userinfo (RFC 3261 25.1), so
    // the first '@' separates userinfo, whatever ';' '?' ':' the user part holds.
    const std::size_t at = scan.first_at;
    std::size_t question = scan.question; // in `rest` coordinates from here on
    if (at != std::string_view::npos) {
        if (scan.ats > 1) {
            return value_error{parse_error_code::invalid_uri, "several '@' in URI"};
        }
        // at < rest.size(): views built directly (no checked substr), and the
        // short user part searched for ':' inline.
        const char* r = rest.data();
        std::size_t colon = 0;
        while (colon < at && r[colon] != ':') {
            ++colon;
        }
        u.has_user = true;
        u.user = std::string_view(r, colon);
        if (colon < at) {
            u.has_password = true;
            u.password = std::string_view(r + colon + 1, at - colon - 1);
        }
        if (u.user.empty()) {
            return value_error{parse_error_code::invalid_uri, "empty user part before '@'"};
        }
        rest = std::string_view(r + at + 1, rest.size() - at - 1);
        if (question != std::string_view::npos) {
            question -= at + 1;
        }
    }
    std::size_t end_host = 0;
    if (!rest.empty() && rest[0] == '[') {
        end_host = rest.find(']');
        if (end_host == std::string_view::npos) {
            return value_error{parse_error_code::invalid_host, "unterminated IPv6 reference"};
        }
        ++end_host;
        u.host_is_ipv6 = true;
        u.host = rest.substr(0, end_host);
        if (!valid_ipv6_reference(u.host)) {
            return value_error{parse_error_code::invalid_host, "malformed host"};
        }
    } else {
        // Host characters up to ':' ';' '?' or the end, in one pass; anything else
        // (or nothing) is a malformed host.
        end_host = skip_host(rest.data(), 0, rest.size());
        if (end_host == 0 || (end_host < rest.size() && rest[end_host] != ':' &&
                              rest[end_host] != ';' && rest[end_host] != '?')) {
            return value_error{parse_error_code::invalid_host, "malformed host"};
        }
        u.host = std::string_view(rest.data(), end_host);
    }
    std::size_t i2 = end_host;
    if (i2 < rest.size() && rest[i2] == ':') {
        const std::size_t pb = ++i2;
        std::uint64_t port = 0;
        bool overflow = false;
        i2 = parse_decimal(rest, i2, 65535, port, overflow);
        if (i2 == pb || overflow || port == 0) {
            return value_error{parse_error_code::invalid_port, "malformed port"};
        }
        u.port_text = rest.substr(pb, i2 - pb);
        u.port = static_cast<std::uint16_t>(port);
    }
    // The first '?' after the host (host and port hold none, so it is the first
    // after the '@').
    const std::size_t q = question;
    if (i2 < rest.size() && rest[i2] == ';') {
        u.params =
            rest.substr(i2 + 1, q == std::string_view::npos ? std::string_view::npos : q - i2 - 1);
        // Validate from the ';' itself so that ";;x" is caught.
        if (!count_params(rest.substr(i2, u.params.size() + 1))) {
            return value_error{parse_error_code::invalid_param, "malformed URI parameter"};
        }
    } else if (i2 < rest.size() && rest[i2] != '?') {
        return value_error{parse_error_code::invalid_host, "unexpected character after host"};
    }
    if (q != std::string_view::npos) {
        u.headers = rest.substr(q + 1);
    }
    return {};
}

value_result<std::size_t> unescape(std::string_view text, char* out, std::size_t capacity) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size() || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0) {
                return value_error{parse_error_code::invalid_escape, "bad %-escape"};
            }
            c = static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        }
        if (n == capacity) {
            return value_error{parse_error_code::value_out_of_range, "unescape buffer too small"};
        }
        out[n++] = c;
    }
    return n;
}

} // namespace sipedge::parser
