#include "parser/essentials.hh"

#include <array>
#include <cstring>

#include "common/compiler.hh"
#include "parser/byte_vec.hh"
#include "parser/char_class.hh"
#include "parser/name_addr.hh"
#include "parser/scalar_values.hh"
#include "sip/value_list.hh"

namespace sipedge::parser {

using namespace detail;
using sip::header_id;

namespace {

struct required {
    header_id id;
    const char* missing;
    const char* duplicate;
};

constexpr required mandatory[] = {
    {header_id::via, "no Via header", nullptr},
    {header_id::from, "no From header", "From appears more than once"},
    {header_id::to, "no To header", "To appears more than once"},
    {header_id::call_id, "no Call-ID header", "Call-ID appears more than once"},
    {header_id::cseq, "no CSeq header", "CSeq appears more than once"},
};

// Call-ID = word [ "@" word ]. One load and one add per byte, no branch: a word
// byte adds 0, '@' adds 1, anything else adds 2^20, so the sum is <= 1 exactly when
// every byte is a word byte and at most one is '@' (lines are far shorter than 2^20).
constexpr std::array<std::uint32_t, 256> build_call_id_weights() {
    std::array<std::uint32_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        t[static_cast<std::size_t>(c)] =
            c == '@' ? 1u : (has_class(static_cast<char>(c), cc_word) ? 0u : 1u << 20);
    }
    return t;
}
constexpr std::array<std::uint32_t, 256> call_id_weights = build_call_id_weights();

SIPEDGE_ALWAYS_INLINE bool valid_call_id(std::string_view s) {
    if (s.empty() || s.front() == '@' || s.back() == '@') {
        return false;
    }
    const char* p = s.data();
    const std::size_t n = s.size();
    if (n >= vec_bytes) {
        // 16 bytes at a time, the last 16 overlapping what was seen (its bits for
        // those bytes shifted out): no candidate byte (a superset of the stops),
        // and '@' in at most one place (a vector with two adds 2). A candidate
        // sends the text to the byte loop below, which gives the exact answer ('%'
        // or '<' in a Call-ID, or a bad byte: rare).
        std::uint32_t stop = 0;
        unsigned ats = 0;
        const auto take = [&](std::uint32_t s_bits, std::uint32_t a_bits) {
            stop |= s_bits;
            ats += (a_bits != 0 ? 1u : 0u) + ((a_bits & (a_bits - 1)) != 0 ? 1u : 0u);
        };
        std::size_t i = 0;
        for (; i + vec_bytes <= n; i += vec_bytes) {
            const byte_vec x = load_vec(p + i);
            take(call_id_candidate_bits(x), at_bits(x));
        }
        if (i < n) {
            const std::size_t last = n - vec_bytes;
            const byte_vec x = load_vec(p + last);
            take(call_id_candidate_bits(x) >> (i - last), at_bits(x) >> (i - last));
        }
        if (stop == 0) {
            return ats <= 1;
        }
    }
    // Short: one table load and one add per byte, no branch.
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sum += call_id_weights[static_cast<std::uint8_t>(p[i])];
    }
    return sum <= 1;
}

// a == b for two texts of n bytes each, without a library call for the lengths a
// method has (up to 16 bytes: two overlapping loads a side); memcmp beyond.
template <typename Word>
bool same_ends(const char* a, const char* b, std::size_t n) {
    return ((load_word<Word>(a) ^ load_word<Word>(b)) |
            (load_word<Word>(a + n - sizeof(Word)) ^ load_word<Word>(b + n - sizeof(Word)))) == 0;
}

bool same_text(const char* a, const char* b, std::size_t n) {
    if (n >= 8) {
        return n <= 16 ? same_ends<std::uint64_t>(a, b, n) : std::memcmp(a, b, n) == 0;
    }
    if (n >= 4) {
        return same_ends<std::uint32_t>(a, b, n);
    }
    if (n >= 2) {
        return same_ends<std::uint16_t>(a, b, n);
    }
    return n == 0 || *a == *b;
}

// CSeq in its usual form: up to 9 digits (no overflow), one SP and a method token
// to the end. A request's must be its own method, whose id it then takes (no
// lookup, no mismatch to check); a response's method is looked up. false: anything
// else, for parse_cseq, which gives the same answer or the precise error.
SIPEDGE_ALWAYS_INLINE bool cseq_usual(std::string_view value, const sip::message_view& msg, cseq& out) {
    const char* p = value.data();
    const std::size_t n = value.size();
    std::size_t i = 0;
    std::uint32_t number = 0;
    while (i < n && i < 9 && is_digit(p[i])) {
        number = number * 10 + static_cast<std::uint32_t>(p[i] - '0');
        ++i;
    }
    if (i == 0 || i + 1 >= n || p[i] != ' ') {
        return false;
    }
    const std::string_view method = value.substr(i + 1);
    if (msg.is_request()) {
        const std::string_view own = msg.method(); // a token
        if (method.size() != own.size() || !same_text(method.data(), own.data(), own.size())) {
            return false;
        }
        out.method_id = msg.method_id();
    } else {
        // A known method is its exact name, a token: only another one is checked
        // byte by byte.
        const sip::sip_method id = sip::lookup_method(method);
        if (id == sip::sip_method::extension) {
            for (const char c : method) {
                if (!is_token_char(c)) {
                    return false;
                }
            }
        }
        out.method_id = id;
    }
    out.number = number;
    out.method = method;
    return true;
}

// From/To: only the tag is needed. The one-pass path answers for the common form;
// the general parser runs for the unusual ones (addr-spec, odd display names) and
// gives the precise error.
sipedge::status<parse_error_code> tag_of(std::string_view value, std::string_view& tag,
                                         bool& has_tag) {
    if (parse_name_addr_tag(value, tag, has_tag)) {
        return {};
    }
    name_addr na;
    if (auto r = parse_name_addr(value, na); !r) {
        return r;
    }
    tag = na.tag;
    has_tag = na.has_tag;
    return {};
}

// The first element of a list header value (trimmed, as the header index keeps it)
// in the usual name-addr form: '<', no quote, backslash, '<' or ',' up to the first
// '>', then LWS up to a ',' or the end. That is the element the list split gives
// (message_view::first_element); false, deciding nothing, for any other form.
bool first_bracketed_element(std::string_view value, std::string_view& element) {
    const char* p = value.data();
    const std::size_t n = value.size();
    if (n == 0 || p[0] != '<') {
        return false;
    }
    const std::size_t close = sip::find_list_special(p, 1, n);
    if (close == n || p[close] != '>') {
        return false;
    }
    std::size_t i = close + 1;
    while (i < n && is_lws(p[i])) {
        ++i;
    }
    if (i < n && p[i] != ',') {
        return false;
    }
    element = std::string_view(p, close + 1);
    return true;
}

} // namespace

value_result<message_essentials> extract_essentials(const sip::message_view& msg) {
    message_essentials out;
    const auto s = extract_essentials(msg, out);
    if (!s) {
        return value_error{s.error_code(), s.message()};
    }
    return out;
}

namespace {

// The two steps, inlined into each entry point: extract_essentials (the usual one)
// stays one call.
SIPEDGE_ALWAYS_INLINE sipedge::status<parse_error_code> essentials_head(
    const sip::message_view& msg, message_essentials& out) {
    // Fields that are set only when present: reset, so that a reused struct (one per
    // lcore) never keeps the previous message's values.
    out.max_forwards = -1;
    out.first_route = {};
    if (msg.kind() != sip::message_kind::request) {
        reset(out.request_uri);
    }
    if (msg.kind() == sip::message_kind::none) {
        return value_error{parse_error_code::missing_header, "message not parsed"};
    }
    for (const required& r : mandatory) {
        if (!msg.has(r.id)) {
            return value_error{parse_error_code::missing_header, r.missing};
        }
        if (r.duplicate != nullptr && msg.count(r.id) > 1) {
            return value_error{parse_error_code::duplicate_header, r.duplicate};
        }
    }
    if (msg.count(header_id::max_forwards) > 1) {
        return value_error{parse_error_code::duplicate_header,
                           "Max-Forwards appears more than once"};
    }
    if (msg.count(header_id::content_length) > 1) {
        return value_error{parse_error_code::duplicate_header,
                           "Content-Length appears more than once"};
    }

    // The top Via in one pass over the header value; only an unusual value needs
    // the list split first (which also gives the precise error).
    if (!parse_via_list_head(*msg.first_value(header_id::via), out.top_via)) {
        const auto top = msg.first_element(header_id::via);
        if (!top) {
            return value_error{parse_error_code::empty_value, "empty Via header"};
        }
        if (auto v = parse_via(*top, out.top_via); !v) {
            return v;
        }
    }
    return {};
}

SIPEDGE_ALWAYS_INLINE sipedge::status<parse_error_code> essentials_rest(
    const sip::message_view& msg, message_essentials& out) {
    out.call_id = *msg.first_value(header_id::call_id);
    if (!valid_call_id(out.call_id)) {
        return value_error{parse_error_code::invalid_value, "malformed Call-ID"};
    }

    const std::string_view cseq_text = *msg.first_value(header_id::cseq);
    if (!cseq_usual(cseq_text, msg, out.cseq_value)) {
        if (auto cs = parse_cseq(cseq_text, out.cseq_value); !cs) {
            return cs;
        }
        if (msg.is_request() && out.cseq_value.method != msg.method()) {
            return value_error{parse_error_code::cseq_method_mismatch,
                               "CSeq method differs from the request method"};
        }
    }

    if (auto r = tag_of(*msg.first_value(header_id::from), out.from_tag, out.from_has_tag); !r) {
        return r;
    }
    if (auto r = tag_of(*msg.first_value(header_id::to), out.to_tag, out.to_has_tag); !r) {
        return r;
    }

    if (const auto mf = msg.first_value(header_id::max_forwards)) {
        // The usual 1 to 3 digits up to 255 read inline; anything else (and every
        // error) from parse_max_forwards.
        const std::string_view v = *mf;
        unsigned n = 0;
        std::size_t i = 0;
        while (i < v.size() && i < 3 && is_digit(v[i])) {
            n = n * 10 + static_cast<unsigned>(v[i] - '0');
            ++i;
        }
        if (i != 0 && i == v.size() && n <= 255) {
            out.max_forwards = static_cast<std::int16_t>(n);
        } else {
            auto r = parse_max_forwards(v);
            if (!r) {
                return r.err();
            }
            out.max_forwards = r.value();
        }
    }

    if (msg.is_request()) {
        if (auto u = parse_uri(msg.request_uri(), out.request_uri); !u) {
            return u;
        }
        // Most requests carry no Route: no cursor for them; and most Routes start
        // with a bracketed element: no cursor for that either.
        if (msg.has(header_id::route) &&
            !first_bracketed_element(*msg.first_value(header_id::route), out.first_route)) {
            if (const auto route = msg.first_element(header_id::route)) {
                out.first_route = *route;
            }
        }
    }
    return {};
}

} // namespace

sipedge::status<parse_error_code> extract_essentials(const sip::message_view& msg,
                                                     message_essentials& out) {
    if (auto head = essentials_head(msg, out); !head) {
        return head;
    }
    return essentials_rest(msg, out);
}

sipedge::status<parse_error_code> extract_essentials_head(const sip::message_view& msg,
                                                          message_essentials& out) {
    return essentials_head(msg, out);
}

sipedge::status<parse_error_code> extract_essentials_rest(const sip::message_view& msg,
                                                          message_essentials& out) {
    return essentials_rest(msg, out);
}

} // namespace sipedge::parser
