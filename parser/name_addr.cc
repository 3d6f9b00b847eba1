#include "parser/name_addr.hh"

#include "parser/byte_vec.hh"
#include "parser/char_class.hh"
#include "parser/params.hh"
#include "sip/value_list.hh"

namespace sipedge::parser {

using namespace detail;

namespace {

bool has_lws(std::string_view s) {
    for (char c : s) {
        if (is_lws(c)) {
            return true;
        }
    }
    return false;
}

bool has_scheme_colon(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && has_class(s[i], cc_scheme)) {
        ++i;
    }
    return i > 0 && i < s.size() && s[i] == ':' && has_class(s[0], cc_alpha);
}

// Header params after the address: [LWS] [";" params]. Fills params and tag.
value_result<bool> take_params(std::string_view rest, name_addr& out) {
    std::size_t i = skip_lws(rest, 0);
    if (i == rest.size()) {
        return true;
    }
    if (rest[i] != ';') {
        return value_error{parse_error_code::trailing_garbage, "text after the address"};
    }
    out.params = rest.substr(i + 1);
    param_cursor c(rest.substr(i)); // from the ';' so that ";;x" fails
    param p;
    while (c.next(p)) {
        if (iequal_letters(p.name, "tag")) {
            if (!p.has_value) {
                return value_error{parse_error_code::invalid_param, "tag without a value"};
            }
            out.tag = p.value;
            out.has_tag = true;
        }
    }
    if (c.failed()) {
        return value_error{parse_error_code::invalid_param, "malformed header parameter"};
    }
    return true;
}

// The last tag parameter of the list the cursor walks; false for a tag without a
// value.
template <typename Cursor>
bool take_tag(Cursor& c, std::string_view& tag, bool& has_tag) {
    param pr;
    while (c.next(pr)) {
        if (iequal_letters(pr.name, "tag")) {
            if (!pr.has_value) {
                return false;
            }
            tag = pr.value;
            has_tag = true;
        }
    }
    return true;
}

// Bytes that end the mask path's URI or tag value, 16 at a time: below 0x23 or
// from 0x80 (one signed compare: controls, SP, HT, CR, LF, '!', '"' and the high
// bytes), ',' and 0x3b..0x3e (; < = >). That holds '>' and every byte below 0x21,
// the stops of the URI scan, and every parameter-value stop.
inline std::uint32_t tag_path_stop_bits(byte_vec x) {
    using sbyte_vec = vec::sbyte_vec;
    return vec_bits(reinterpret_cast<byte_vec>(reinterpret_cast<sbyte_vec>(x) < 0x23) |
                    (x == ',') | vec::in_range(x, 0x3b, 4));
}

// A display name of letters, SP and HT (each 0xff), 16 bytes at a time.
inline std::uint32_t letter_or_blank_bits(byte_vec x) {
    return vec_bits(vec::in_range(x | 0x20, 'a', 26) | (x == ' ') | (x == '\t'));
}

// The usual From/To value of up to 64 bytes, from masks: [letters and blanks] '<'
// "sip:" or "sips:" (either case) up to the first '>' with no byte below 0x21 before
// it, then the end or ";tag=" and a value of one byte or more to the end with no
// parameter-value stop in it. False, deciding nothing, for anything else (the
// general path then answers): a stricter form than that path's, so where this
// answers, it answers as that path would.
SIPEDGE_ALWAYS_INLINE bool tag_by_masks_inline(const char* p, std::size_t n, std::string_view& tag,
                                               bool& has_tag) {
    if (n == 0 || n > 64) {
        return false;
    }
    // A value under 16 bytes is padded with 'a': neither a stop nor anything but a
    // letter, so no bit is set past its end in either mask.
    std::uint64_t stops = 0;
    for_each_block(p, n, 'a', [&](byte_vec x, std::size_t at) {
        stops |= static_cast<std::uint64_t>(tag_path_stop_bits(x)) << at;
    });
    // The '<': the first byte that is not a letter or a blank, in the first 16.
    const std::uint32_t other =
        ~letter_or_blank_bits(n < vec_bytes ? load_short(p, n, 'a') : load_vec(p)) & 0xffffu;
    if (other == 0) {
        return false;
    }
    const std::size_t lt = static_cast<std::size_t>(__builtin_ctz(other));
    if (p[lt] != '<' || n - lt < 10) {
        return false;
    }
    // The scheme: "sip:" or "sips:", the letters in either case.
    const auto word = load_word<std::uint64_t>(p + lt + 1);
    std::size_t colon;
    if (((word | 0x202020u) & 0xffffffffu) == literal_word<std::uint32_t>("sip:", 0)) {
        colon = lt + 4;
    } else if (((word | 0x20202020u) & 0xffffffffffull) ==
               literal_word<std::uint64_t>("sips:\0\0\0", 0)) {
        colon = lt + 5;
    } else {
        return false;
    }
    // The first stop after the ':' must be the '>' (then there is no byte below 0x21
    // or '>' before it: the general path's URI scan ends at the same place).
    const std::uint64_t after_colon = stops >> (colon + 1);
    if (after_colon == 0) {
        return false;
    }
    const std::size_t close = colon + 1 + static_cast<std::size_t>(__builtin_ctzll(after_colon));
    if (p[close] != '>') {
        return false;
    }
    if (close + 1 == n) {
        tag = {};
        has_tag = false;
        return true;
    }
    // ";tag=" (the name in either case) right after the '>' and a value of one byte
    // or more to the end.
    const std::size_t semi = close + 1;
    if (n - semi < 6) {
        return false;
    }
    constexpr auto care = literal_word<std::uint32_t>("\xff\xdf\xdf\xdf", 0);
    if (((load_word<std::uint32_t>(p + semi) ^ literal_word<std::uint32_t>(";tag", 0)) & care) != 0 ||
        p[semi + 4] != '=') {
        return false;
    }
    const std::size_t value = semi + 5;
    if ((stops >> value) != 0) {
        return false;
    }
    tag = std::string_view(p + value, n - value);
    has_tag = true;
    return true;
}

} // namespace

bool detail::tag_by_masks(std::string_view value, std::string_view& tag, bool& has_tag) {
    return tag_by_masks_inline(value.data(), value.size(), tag, has_tag);
}

bool parse_name_addr_tag(std::string_view value, std::string_view& tag, bool& has_tag) {
    if (tag_by_masks_inline(value.data(), value.size(), tag, has_tag)) {
        return true;
    }
    return detail::parse_name_addr_tag_general(value, tag, has_tag);
}

bool detail::parse_name_addr_tag_general(std::string_view value, std::string_view& tag,
                                         bool& has_tag) {
    const char* p = value.data();
    const std::size_t n = value.size();
    std::size_t i = 0;
    while (i < n && is_lws(p[i])) {
        ++i;
    }
    if (i == n) {
        return false;
    }
    if (p[i] == '"') {
        i = skip_quoted(value, i);
        if (i == std::string_view::npos) {
            return false;
        }
        while (i < n && is_lws(p[i])) {
            ++i;
        }
    } else {
        // A display name of tokens and LWS only (anything else: the general parser).
        while (i < n && has_class(p[i], cc_token | cc_lws)) {
            ++i;
        }
    }
    if (i == n || p[i] != '<') {
        return false;
    }
    // <URI>: no LWS inside, a scheme and ':' first, up to the first '>'.
    ++i;
    if (i == n || !has_class(p[i], cc_alpha)) {
        return false;
    }
    // "sip" (either case) is scheme characters known from one word: the loop goes
    // on from its end.
    constexpr auto fourth = literal_word<std::uint32_t>("\0\0\0\xff", 0);
    if (n - i >= 4 && same_but_case(load_word<std::uint32_t>(p + i) | fourth,
                                    literal_word<std::uint32_t>("sip\xff", 0))) {
        i += 3;
    }
    while (i < n && has_class(p[i], cc_scheme)) {
        ++i;
    }
    if (i == n || p[i] != ':') {
        return false;
    }
    // The first '>', and no LWS before it: any byte below 0x21 there sends the
    // value to the general parser, which tells LWS from other controls.
    const std::size_t close = find_rangle_or_ctl(p, i, n);
    if (close == n || p[close] != '>') {
        return false;
    }
    i = close + 1;
    while (i < n && is_lws(p[i])) {
        ++i;
    }
    tag = {};
    has_tag = false;
    if (i == n) {
        return true;
    }
    if (p[i] != ';') {
        return false;
    }
    // Most often ";tag=" (the name in either case) and a value to the end: one word
    // and the value scan, no cursor. Anything else (a shorter text, more
    // parameters, LWS after the value): the cursors below.
    if (n - i >= 8) {
        constexpr auto care = literal_word<std::uint64_t>("\xff\xdf\xdf\xdf\xff\0\0\0", 0);
        if (((load_word<std::uint64_t>(p + i) ^ literal_word<std::uint64_t>(";tag=\0\0\0", 0)) &
             care) == 0) {
            const std::size_t value = i + 5;
            if (find_pvalue_end(p, value, n) == n) {
                tag = std::string_view(p + value, n - value);
                has_tag = true;
                return true;
            }
        }
    }
    // Usually ";tag=x" and nothing unusual: the simple cursor answers.
    simple_param_cursor sc(p, i, n, false);
    if (!take_tag(sc, tag, has_tag)) {
        return false;
    }
    if (!sc.unusual()) {
        return true;
    }
    tag = {};
    has_tag = false;
    param_cursor c(std::string_view(p + i, n - i));
    return take_tag(c, tag, has_tag) && !c.failed();
}

value_result<name_addr> parse_name_addr(std::string_view value) {
    name_addr out;
    const auto s = parse_name_addr(value, out);
    if (!s) {
        return value_error{s.error_code(), s.message()};
    }
    return out;
}

sipedge::status<parse_error_code> parse_name_addr(std::string_view value, name_addr& out) {
    out = name_addr{};
    const std::string_view v = sip::trim_lws(value);
    if (v.empty()) {
        return value_error{parse_error_code::empty_value, "empty address"};
    }
    std::size_t lt = std::string_view::npos;
    if (v[0] == '"') {
        const std::size_t end = skip_quoted(v, 0);
        if (end == std::string_view::npos) {
            return value_error{parse_error_code::unterminated_quote,
                               "display name quote not closed"};
        }
        out.display_name = v.substr(1, end - 2);
        out.display_quoted = true;
        lt = skip_lws(v, end);
        if (lt == v.size() || v[lt] != '<') {
            return value_error{parse_error_code::invalid_value,
                               "quoted display name not followed by <"};
        }
    } else {
        lt = v.find('<');
        // A ';' before the '<' means the '<' belongs to something else: addr-spec form.
        if (lt != std::string_view::npos && v.substr(0, lt).find(';') != std::string_view::npos) {
            lt = std::string_view::npos;
        }
        if (lt != std::string_view::npos) {
            out.display_name = sip::trim_lws(v.substr(0, lt));
            for (char c : out.display_name) {
                if (!has_class(c, cc_token | cc_lws)) {
                    out.unquoted_display_has_separators = true;
                    break;
                }
            }
        }
    }

    if (lt != std::string_view::npos) {
        out.bracketed = true;
        const std::size_t gt = v.find('>', lt + 1);
        if (gt == std::string_view::npos) {
            return value_error{parse_error_code::unbalanced_angle, "'<' without '>'"};
        }
        const std::string_view inner = v.substr(lt + 1, gt - lt - 1);
        out.uri = sip::trim_lws(inner);
        if (out.uri.size() != inner.size()) {
            out.lenient_whitespace_in_brackets = true;
        }
        if (out.uri.empty() || has_lws(out.uri) || !has_scheme_colon(out.uri)) {
            return value_error{parse_error_code::invalid_uri, "malformed URI inside <>"};
        }
        auto r = take_params(v.substr(gt + 1), out);
        if (!r) {
            return r.err();
        }
        return {};
    }

    // addr-spec: parameters after the URI belong to the header (RFC 3261 20.10).
    const std::size_t semi = v.find(';');
    out.uri = sip::trim_lws(v.substr(0, semi));
    if (out.uri.empty() || has_lws(out.uri) || !has_scheme_colon(out.uri)) {
        return value_error{parse_error_code::invalid_uri, "malformed addr-spec"};
    }
    if (out.uri.find('>') != std::string_view::npos) {
        return value_error{parse_error_code::unbalanced_angle, "'>' without '<'"};
    }
    if (out.uri.find('?') != std::string_view::npos) {
        out.addr_spec_has_headers = true;
    }
    if (semi != std::string_view::npos) {
        auto r = take_params(v.substr(semi), out);
        if (!r) {
            return r.err();
        }
    }
    return {};
}

} // namespace sipedge::parser
