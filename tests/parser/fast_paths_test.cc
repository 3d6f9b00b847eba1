// The value parsers' fast paths against the general code they stand in for: on
// hand-picked forms and on many random edits of them, a fast path either declines
// or gives exactly what the general parser gives (same views into the input, same
// flags). Each test also checks that the fast path answers the usual forms, so that
// one which declined everything would fail here.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "parser/cseq.hh"
#include "parser/essentials.hh"
#include "parser/message_parser.hh"
#include "parser/name_addr.hh"
#include "parser/params.hh"
#include "parser/scalar_values.hh"
#include "parser/uri.hh"
#include "parser/via.hh"
#include "sip/value_list.hh"

namespace sipedge::parser {
namespace {

bool same_view(std::string_view a, std::string_view b) {
    return a.data() == b.data() && a.size() == b.size();
}

// Random edits of `seed`: bytes replaced, inserted or removed, mostly ones the
// parsers treat specially.
std::vector<std::string> mutations(const std::string& seed, std::size_t count, unsigned salt) {
    static const std::string alphabet = " \t\r\n;,=\"<>:[]@?%/.-_!~*'`+aZ09\x7f\x80";
    std::mt19937 rng(salt);
    std::vector<std::string> out;
    for (std::size_t k = 0; k < count; ++k) {
        std::string s = seed;
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
            const char c = alphabet[rng() % alphabet.size()];
            switch (rng() % 4) {
            case 0:
                if (at < s.size()) {
                    s[at] = c;
                }
                break;
            case 1:
                s.insert(at, 1, c);
                break;
            case 2:
                if (at < s.size()) {
                    s.erase(at, 1);
                }
                break;
            default:
                s.insert(at, "\r\n ");
                break;
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

// Runs `agrees` (which checks a fast path against the general code on one input
// and returns whether the fast path answered) on each form, which it must answer,
// and on random edits of it, of which it must answer a fair share.
template <typename Agrees>
void check_forms(std::initializer_list<const char*> forms, Agrees agrees, unsigned salt) {
    std::size_t fast = 0;
    std::size_t total = 0;
    for (const char* text : forms) {
        EXPECT_TRUE(agrees(text)) << text;
        for (const std::string& m : mutations(text, 4000, salt)) {
            ++total;
            fast += agrees(m) ? 1 : 0;
        }
    }
    EXPECT_GT(fast, total / 10) << "the fast path should answer many edits too";
}

// ---- simple_param_cursor vs param_cursor ----

// Walks both cursors over text[i..) (text[i] == ';'). Returns whether the simple
// one answered the whole list; fails the test on any disagreement.
bool params_agree(const std::string& text, std::size_t i, bool stop_at_comma) {
    const char* p = text.data();
    simple_param_cursor fast(p, i, text.size(), stop_at_comma);
    param_cursor slow(std::string_view(p + i, text.size() - i), stop_at_comma);
    param a;
    param b;
    while (fast.next(a)) {
        EXPECT_TRUE(slow.next(b)) << text;
        EXPECT_TRUE(same_view(a.name, b.name)) << text;
        EXPECT_TRUE(same_view(a.value, b.value)) << text;
        EXPECT_EQ(a.has_value, b.has_value) << text;
    }
    if (fast.unusual()) {
        return false;
    }
    EXPECT_FALSE(slow.next(b)) << text;
    EXPECT_FALSE(slow.failed()) << text;
    if (fast.position() == text.size()) {
        EXPECT_TRUE(slow.rest().empty()) << text;
    } else {
        EXPECT_EQ(slow.rest().data(), p + fast.position()) << text;
    }
    return true;
}

TEST(fast_paths, simple_param_cursor_agrees_or_declines) {
    const auto forms = {
        ";tag=1",
        ";branch=z9hG4bK776asdhds;rport",
        ";branch=z9hG4bKnashds7\r\n ;received=192.0.2.201",
        ";lr;transport=udp",
        ";maddr=239.255.255.1;ttl=16;x=%41",
        // The names known from one word, in other cases, and longer names that
        // start like them.
        ";BRANCH=z9hG4bK1;Received=192.0.2.1;TAG=x",
        ";tagged=1;branches=2;receivedx=3;tag",
        ";tag-1=a;branch.x=b;received~=c;rport",
    };
    // An edit may drop the leading ';' (the cursors' precondition): skip those.
    const auto agree = [](bool comma) {
        return [comma](const std::string& s) {
            return !s.empty() && s[0] == ';' && params_agree(s, 0, comma);
        };
    };
    check_forms(forms, agree(false), 3);
    check_forms(forms, agree(true), 5);
    for (const char* text : {";a=b ,SIP/2.0/UDP x", ";a,x", ";a=b\r\n ,x"}) {
        EXPECT_TRUE(params_agree(text, 0, true)) << text;
    }
    for (const char* text : {";", ";;a", "; a", ";a =b", ";a= b", ";a=\"q\"", ";a=b c", ";a=<"}) {
        EXPECT_FALSE(params_agree(text, 0, false)) << text;
    }
}

// Calls check(head + t) for each t that is `tail` with one of its first `bytes`
// bytes changed in one bit: 0x20 (what a case-blind compare misses) and others.
template <typename Check>
void with_each_bit_flipped(const std::string& head, const std::string& tail, std::size_t bytes,
                           Check check) {
    for (std::size_t k = 0; k < bytes; ++k) {
        for (const int bit : {0x01, 0x20, 0x40, 0x80}) {
            std::string other = tail;
            other[k] = static_cast<char>(other[k] ^ bit);
            check(head + other);
        }
    }
}

// check(text), then check on text with each of its bytes flipped in six bits (the
// case bit, the bits a range test turns on, the high bit); whether text itself
// was answered.
template <typename Check>
bool check_with_each_byte_flipped(const std::string& text, Check check) {
    const bool answered = check(text);
    for (std::size_t k = 0; k < text.size(); ++k) {
        for (const int bit : {0x01, 0x02, 0x10, 0x20, 0x40, 0x80}) {
            std::string other = text;
            other[k] = static_cast<char>(other[k] ^ bit);
            check(other);
        }
    }
    return answered;
}

// ---- the top Via ----

bool same_via(const via& a, const via& b) {
    return same_view(a.protocol_name, b.protocol_name) &&
           same_view(a.protocol_version, b.protocol_version) &&
           same_view(a.transport_text, b.transport_text) && a.transport == b.transport &&
           same_view(a.host, b.host) && a.host_is_ipv6 == b.host_is_ipv6 && a.port == b.port &&
           same_view(a.branch, b.branch) && a.has_branch == b.has_branch &&
           same_view(a.received, b.received) && a.has_rport == b.has_rport &&
           a.rport == b.rport && same_view(a.maddr, b.maddr) && a.ttl == b.ttl &&
           same_view(a.params, b.params);
}

// Whether the fast path answered; if it did, the general way (split the list, parse
// the first element) must succeed with the same result.
bool via_agrees(const std::string& value) {
    via fast;
    if (!parse_via_head_usual(value, fast)) {
        return false;
    }
    sip::value_list_cursor list(value);
    std::string_view first;
    EXPECT_TRUE(list.next(first)) << value;
    via slow;
    EXPECT_TRUE(parse_via(first, slow).ok()) << value;
    EXPECT_TRUE(same_via(fast, slow)) << value;
    via head;
    EXPECT_TRUE(parse_via_list_head(value, head)) << value;
    EXPECT_TRUE(same_via(fast, head)) << value;
    return true;
}

TEST(fast_paths, via_head_agrees_or_declines) {
    const auto answered = {
        "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport",
        "SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7\r\n "
        ";received=192.0.2.201",
        "SIP/2.0/TCP h;branch=z9hG4bK1;rport=5060;maddr=x;ttl=255;received=1.2.3.4",
        "SIP/2.0/UDP host.example.com,SIP/2.0/UDP other",
        "SIP/2.0/UDP host.example.com:1;branch=b \r\n ,SIP/2.0/UDP other",
        "SIP/2.0/sctp host.example.com:65535;BRANCH=z9;RPORT",
        "SIP/2.0/WS h.invalid;branch=z9hG4bK",
        // The transports known from one word, and others that start like them.
        "SIP/2.0/udp h.example.com;branch=z9hG4bK2",
        "SIP/2.0/UDPX h.example.com;branch=z9hG4bK3",
        "SIP/2.0/TLS-x h.example.com",
        // Port 5060 is read from one word: alone, at the end, and longer ports that
        // start with it, shorter ones that start like it.
        "SIP/2.0/UDP h.example.com:5060",
        "SIP/2.0/UDP h.example.com:50601;branch=z9hG4bK4",
        "SIP/2.0/UDP h.example.com:5060,SIP/2.0/UDP other",
        "SIP/2.0/UDP h.example.com:506;rport",
        "SIP/2.0/UDP h.example.com:50;rport",
        "SIP/2.0/UDP h.example.com:05060;rport",
    };
    check_forms(answered, via_agrees, 7);
    // Declined: the general parser takes these (or rejects them).
    for (const char* text : {"SIP/2.0/UDP  h", "SIP/2.0/UDP h :5060", "SIP/2.0/UDP h:0",
                             "SIP/2.0/UDP h:65536", "SIP/2.0/UDP h:005060",
                             "SIP/2.0/UDP h:506000", "SIP/2.0/UDP h:5060x",
                             "SIP/2.0/UDP [2001:db8::1]", "SIP / 2.0 / UDP h",
                             "SIP/2.0/UDP h;branch", "SIP/2.0/UDP h;ttl=256",
                             "SIP/2.0/UDP h;x=\"a,b\"", "SIP/2.0/UDP h; branch=1"}) {
        via v;
        EXPECT_FALSE(parse_via_head_usual(text, v)) << text;
    }
}

// ";branch=" read as one word: every byte of it changed in each bit that a
// case-blind compare could miss (0x20) and others, values of every length up to 20,
// and what may follow a value (more parameters, another branch, LWS, the next
// element, stray bytes).
TEST(fast_paths, via_branch_word_agrees_or_declines) {
    const std::string head = "SIP/2.0/UDP host.example.com:5060";
    std::size_t answered = 0;
    for (std::size_t length = 0; length <= 20; ++length) {
        const std::string value = std::string("z9hG4bKabcdefghijklmn").substr(0, length);
        for (const char* after :
             {"", ";rport", ";branch=z2", ";received=1.2.3.4", "\r\n ;received=x", " ",
              " \r\n ,SIP/2.0/UDP h2", ",SIP/2.0/UDP h2", ";", "\"", "=", "x y", " x"}) {
            const std::string tail = ";branch=" + value + after;
            answered += via_agrees(head + tail) ? 1 : 0;
            with_each_bit_flipped(head, tail, 8, via_agrees);
        }
        if (length >= 1) {
            // The usual form and its upper-case name: answered, with that branch.
            via v;
            const std::string text = head + ";BrAnCh=" + value + ";rport";
            ASSERT_TRUE(parse_via_head_usual(text, v)) << value;
            EXPECT_EQ(v.branch, value);
            EXPECT_TRUE(v.has_branch);
            EXPECT_TRUE(v.has_rport);
        }
    }
    EXPECT_GT(answered, 100u);
}

// ---- From/To tags ----

bool tag_agrees(const std::string& value) {
    std::string_view tag;
    bool has_tag = false;
    if (!parse_name_addr_tag(value, tag, has_tag)) {
        return false;
    }
    name_addr full;
    EXPECT_TRUE(parse_name_addr(value, full).ok()) << value;
    EXPECT_TRUE(same_view(tag, full.tag)) << value;
    EXPECT_EQ(has_tag, full.has_tag) << value;
    return true;
}

TEST(fast_paths, tag_agrees_or_declines) {
    check_forms({"Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl",
                 "<sip:alice@atlanta.example.com>",
                 "\"A. G. Bell\" <sip:agb@bell-telephone.com> ;tag=a48s",
                 "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl;x=y\r\n ;z",
                 "<SIP:a@b>;TAG=1", "x <Sip+x:a@b>", "<sipx:a@b>;tag=2", "<si:a>"},
                tag_agrees, 11);
}

// The mask path (values of up to 64 bytes) against the byte path: where it
// answers, the byte path answers the same tag and has_tag (the same view into the
// value). Usual forms of every length the masks cover, their random edits, and
// each byte of the shape flipped in the bits a case-blind or range test could
// miss.
bool masks_agree(const std::string& value) {
    std::string_view tag;
    bool has_tag = false;
    if (!detail::tag_by_masks(value, tag, has_tag)) {
        return false;
    }
    std::string_view want;
    bool want_has = false;
    EXPECT_TRUE(detail::parse_name_addr_tag_general(value, want, want_has)) << value;
    EXPECT_TRUE(same_view(tag, want)) << value;
    EXPECT_EQ(has_tag, want_has) << value;
    return true;
}

TEST(fast_paths, tag_masks_agree_with_the_byte_path) {
    std::size_t answered = 0;
    std::size_t total = 0;
    for (const char* name : {"", "Al ", "Bob ", " \tAlice ", "Alice Liddell  ", "x"}) {
        for (const char* scheme : {"sip:", "SIPS:", "sIp:", "sips:"}) {
            for (std::size_t user = 1; user <= 40; user += 3) {
                for (const char* tail : {"", ";tag=abc", ";TAG=9fxced76sl", ";tag=ab",
                                         ";tag=a;b", " ;tag=abc", ";tag=abc "}) {
                    const std::string value = std::string(name) + "<" + scheme +
                                              std::string(user, 'u') + "@h.example.com>" + tail;
                    ++total;
                    answered += check_with_each_byte_flipped(value, masks_agree) ? 1 : 0;
                }
            }
        }
    }
    EXPECT_GT(answered, total / 4);
    check_forms({"Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl",
                 "Bob <sips:bob@biloxi.example.com>", "<sip:a@b.example.com>;tag=1x3",
                 "Bob <sip:bob@biloxi.example.com>;tag=314159",
                 // Under 16 bytes, and one-byte tags.
                 "<sip:b@h.co>", "B <sip:b@h.io>", "<sip:bb@h>;tag=1", "<sip:b@h>;tag=1",
                 "Bob <sip:bob@example.com>;tag=b1"},
                masks_agree, 21);
}

// ";tag=" read as one word: every byte of it changed in each bit that a case-blind
// compare could miss (0x20) and others, values of every length up to 20, and what
// may follow a value (more parameters, LWS, quotes, commas).
TEST(fast_paths, tag_word_agrees_or_declines) {
    const std::string head = "Bob <sip:bob@biloxi.example.com>";
    std::size_t answered = 0;
    for (std::size_t length = 0; length <= 20; ++length) {
        const std::string value = std::string("abcdefghijklmnopqrstu").substr(0, length);
        for (const char* after : {"", ";x", ";tag=z", " ", "\r\n ;y", ",", "\"", ">", "<"}) {
            const std::string tail = ";tag=" + value + after;
            answered += tag_agrees(head + tail) ? 1 : 0;
            answered += tag_agrees(head + " " + tail) ? 1 : 0;
            with_each_bit_flipped(head, tail, 5, tag_agrees);
        }
        if (length >= 3) {
            // The usual form and its upper-case name: the word path itself.
            std::string_view tag;
            bool has_tag = false;
            const std::string text = head + ";TaG=" + value;
            ASSERT_TRUE(parse_name_addr_tag(text, tag, has_tag)) << value;
            EXPECT_EQ(tag, value);
            EXPECT_TRUE(has_tag);
        }
    }
    EXPECT_GT(answered, 20u);
}

// ---- CSeq in extract_essentials vs parse_cseq and the method check ----

// Parses a message with `cseq` as its CSeq value (request `method`, or a response
// when method is empty) and checks extract_essentials' CSeq against parse_cseq on
// the indexed value plus the request-method check. Returns whether the message
// parsed (so that the caller can tell edits that broke the framing).
bool cseq_agrees(const std::string& text_value, const std::string& method) {
    std::string text = method.empty() ? "SIP/2.0 200 OK\r\n"
                                      : method + " sip:bob@biloxi.example.com SIP/2.0\r\n";
    text += "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
            "From: <sip:a@b.example.com>;tag=1\r\nTo: <sip:c@d.example.com>\r\n"
            "Call-ID: x@y\r\nCSeq: " +
            text_value + "\r\n\r\n";
    std::string padded = text;
    padded.resize(text.size() + parser_padding, '\0');
    static const message_parser p;
    sip::message_view view;
    if (!p.parse(std::string_view(padded.data(), text.size()), padded.size(), view).ok() ||
        view.count(sip::header_id::cseq) != 1) {
        return false;
    }
    const std::string_view value = *view.first_value(sip::header_id::cseq);
    cseq expected;
    auto want = parse_cseq(value, expected);
    if (want && view.is_request() && expected.method != view.method()) {
        want = value_error{parse_error_code::cseq_method_mismatch, "mismatch"};
    }
    message_essentials e;
    const auto got = extract_essentials(view, e);
    EXPECT_EQ(got.ok(), want.ok()) << text_value << " / " << method;
    if (got.ok() && want.ok()) {
        EXPECT_EQ(e.cseq_value.number, expected.number) << text_value;
        EXPECT_TRUE(same_view(e.cseq_value.method, expected.method)) << text_value;
        EXPECT_EQ(e.cseq_value.method_id, expected.method_id) << text_value;
    } else if (!got.ok() && !want.ok()) {
        EXPECT_EQ(got.error_code(), want.error_code()) << text_value << " / " << method;
        if (want.error_code() != parse_error_code::cseq_method_mismatch) {
            EXPECT_STREQ(got.message(), want.message()) << text_value;
        }
    }
    return true;
}

TEST(fast_paths, cseq_agrees) {
    const char* const values[] = {"1 INVITE",    "4294967295 INVITE", "4294967296 INVITE",
                                  "0001 INVITE", "123456789 INVITE",  "1234567890 INVITE",
                                  "1  INVITE",   "1\tINVITE",         "1 INVITE ",
                                  "1 invite",    "1 INVITEX",         "1 INV@TE",
                                  "1",           "1 ",                "x INVITE",
                                  "1 INVITE;",   "1 FOO",             "1 ACK",
                                  "1 BYE",       "99999999999999999999 BYE"};
    std::size_t parsed = 0;
    std::size_t total = 0;
    for (const char* method : {"INVITE", "ACK", "FOO", ""}) {
        for (const char* v : values) {
            EXPECT_TRUE(cseq_agrees(v, method)) << v;
            for (const std::string& m : mutations(v, 300, 17)) {
                ++total;
                parsed += cseq_agrees(m, method) ? 1 : 0;
            }
        }
    }
    EXPECT_GT(parsed, total / 2);
}

// ---- the first Route element in extract_essentials vs the list split ----

// Parses a request whose Route header is `route` (a second Route header after it
// when `second`) and checks extract_essentials' first Route against
// message_view::first_element. Returns whether the message parsed with a Route.
bool route_agrees(const std::string& route, bool second) {
    std::string text = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
                       "From: <sip:a@b.example.com>;tag=1\r\nTo: <sip:c@d.example.com>\r\n"
                       "Call-ID: x@y\r\nCSeq: 1 INVITE\r\nRoute: " +
                       route + "\r\n";
    if (second) {
        text += "Route: <sip:second.example.com;lr>\r\n";
    }
    text += "\r\n";
    std::string padded = text;
    padded.resize(text.size() + parser_padding, '\0');
    static const message_parser p;
    sip::message_view view;
    if (!p.parse(std::string_view(padded.data(), text.size()), padded.size(), view).ok() ||
        !view.has(sip::header_id::route)) {
        return false;
    }
    message_essentials e;
    if (!extract_essentials(view, e).ok()) {
        return false;
    }
    const auto want = view.first_element(sip::header_id::route);
    EXPECT_TRUE(same_view(e.first_route, want.value_or(std::string_view{}))) << route;
    return true;
}

TEST(fast_paths, first_route_agrees) {
    for (const bool second : {false, true}) {
        check_forms(
            {"<sip:ss1.atlanta.example.com;lr>",
             "<sip:ss1.atlanta.example.com;lr>,<sip:ss2.biloxi.example.com;lr>",
             "<sip:ss1.atlanta.example.com;lr> ,\r\n <sip:ss2.example.com;lr>", "<sip:a@b;lr>;x=y",
             "<sip:a\"b>\">", "<sip:<a>>, <sip:b>", "<sip:a\\>", "\"x\" <sip:a;lr>", "sip:a;lr",
             "<>", ",<sip:a>", "<sip:a> x"},
            [second](const std::string& r) { return route_agrees(r, second); }, 23);
    }
}

// The request's own method is compared with a few word loads for up to 16 bytes:
// methods of every length from 1 to 20, the CSeq with the same method, with one
// byte changed at each place, and one byte longer or shorter.
TEST(fast_paths, cseq_method_of_every_length) {
    const std::string letters = "SUBSCRIBEXNOTIFYQREG";
    for (std::size_t n = 1; n <= letters.size(); ++n) {
        const std::string method = letters.substr(0, n);
        EXPECT_TRUE(cseq_agrees("7 " + method, method)) << method;
        for (std::size_t k = 0; k < n; ++k) {
            std::string other = method;
            other[k] = other[k] == 'Z' ? 'Y' : 'Z';
            EXPECT_TRUE(cseq_agrees("7 " + other, method)) << method << " " << k;
            other[k] = static_cast<char>(method[k] | 0x20); // lower case
            EXPECT_TRUE(cseq_agrees("7 " + other, method)) << method << " " << k;
        }
        EXPECT_TRUE(cseq_agrees("7 " + method + "A", method)) << method;
        if (n > 1) {
            EXPECT_TRUE(cseq_agrees("7 " + method.substr(0, n - 1), method)) << method;
        }
    }
}

// ---- the URI scheme: "sip" from one word, the scheme loop from there ----

// The scheme parse_uri takes equals the longest run of scheme characters from the
// start (a byte loop here); a run not followed by ':' is the same error.
TEST(fast_paths, uri_scheme_from_one_word) {
    std::size_t ok = 0;
    for (const char* scheme : {"sip", "SIP", "sIp", "Sip", "sips", "SIPS", "sipx", "sip+x",
                               "sip-1.2", "si", "s", "tel", "sia", "siq", "xsip", "s1p"}) {
        for (const char* rest : {":alice@atlanta.example.com", ":h", ":", "", "x:h", "@h", ";x"}) {
            const std::string text = std::string(scheme) + rest;
            std::size_t run = 0;
            while (run < text.size() && detail::has_class(text[run], detail::cc_scheme)) {
                ++run;
            }
            uri u;
            const auto r = parse_uri(text, u);
            if (run == text.size() || text[run] != ':') {
                ASSERT_FALSE(r.ok()) << text;
                EXPECT_STREQ(r.message(), "URI scheme not followed by ':'") << text;
                continue;
            }
            // The scheme is taken before anything after it is looked at (an empty
            // rest or a bad character fail later, with the scheme set).
            EXPECT_TRUE(same_view(u.scheme_text, std::string_view(text).substr(0, run))) << text;
            EXPECT_TRUE(same_view(u.opaque, std::string_view(text).substr(run + 1))) << text;
            ok += r.ok() ? 1 : 0;
        }
    }
    EXPECT_GT(ok, 20u);
}

// The mask step of parse_uri against the general parse: where it answers, the
// general parse succeeds with every field the same (the same views). Schemes in
// several cases, opaque parts of every length around the masks' 1 to 64 bytes
// with and without a user, every byte flipped in six bits, and random edits.
bool uri_masks_agree(const std::string& text) {
    uri fast;
    if (!detail::uri_by_masks(text, fast)) {
        return false;
    }
    uri want;
    EXPECT_TRUE(detail::parse_uri_general(text, want).ok()) << text;
    EXPECT_EQ(fast.scheme, want.scheme) << text;
    EXPECT_TRUE(same_view(fast.scheme_text, want.scheme_text)) << text;
    EXPECT_TRUE(same_view(fast.user, want.user)) << text;
    EXPECT_TRUE(same_view(fast.password, want.password)) << text;
    EXPECT_EQ(fast.has_user, want.has_user) << text;
    EXPECT_EQ(fast.has_password, want.has_password) << text;
    EXPECT_TRUE(same_view(fast.host, want.host)) << text;
    EXPECT_EQ(fast.host_is_ipv6, want.host_is_ipv6) << text;
    EXPECT_TRUE(same_view(fast.port_text, want.port_text)) << text;
    EXPECT_EQ(fast.port, want.port) << text;
    EXPECT_TRUE(same_view(fast.params, want.params)) << text;
    EXPECT_TRUE(same_view(fast.headers, want.headers)) << text;
    EXPECT_TRUE(same_view(fast.opaque, want.opaque)) << text;
    return true;
}

TEST(fast_paths, uri_masks_agree_with_the_general_parse) {
    std::size_t answered = 0;
    std::size_t total = 0;
    for (const char* scheme : {"sip:", "SIPS:", "sIp:", "sips:", "tel:", "sipx:"}) {
        for (const char* user : {"", "bob@", "a@", "alice.x_y-z@"}) {
            for (std::size_t host = 1; host <= 66; host += 5) {
                std::string h(host, 'h');
                if (host > 4) {
                    h[host / 2] = '.';
                    h[1] = '-';
                }
                const std::string text = std::string(scheme) + user + h;
                ++total;
                answered += check_with_each_byte_flipped(text, uri_masks_agree) ? 1 : 0;
            }
        }
    }
    EXPECT_GT(answered, total / 4);
    check_forms({"sip:bob@biloxi.example.com", "sips:ss2.biloxi.example.com",
                 "sip:alice@client.atlanta.example.com",
                 // Under 16 bytes after the scheme.
                 "sip:bob@example.com", "sip:192.0.2.21", "sips:a@b", "sip:h",
                 // With a port (as the loadgen's Request-URIs), at the digit limits.
                 "sip:uas17@198.51.100.3:5060", "sip:198.51.100.1:5060", "sip:a@b:1",
                 "sips:h:65535", "sip:bob@biloxi.example.com:12345"},
                uri_masks_agree, 31);
    // Ports the general parse refuses, or takes with what the masks leave to it.
    for (const char* text : {"sip:a@b:0", "sip:a@b:65536", "sip:a@b:", "sip:a@b:050600",
                             "sip:a:p@b:5060", "sip:a@:5060", "sip::5060", "sip:b:50:60",
                             "sip:b:5o60"}) {
        EXPECT_FALSE(uri_masks_agree(text)) << text;
    }
}

// The URI character check takes the special bytes of each 16-byte block from one
// mask: against a byte loop over random texts of 0 to 40 bytes (so every block
// edge and the short form), with escapes good and bad, several '@', '?' before and
// after them and bytes that are never allowed. The check's findings are what
// parse_uri reports or builds on: its error, the user part, the headers.
TEST(fast_paths, uri_characters_agree_with_a_byte_loop) {
    std::mt19937 rng(3665);
    const std::string alphabet = "@?%%%<>\" \x7f\x80\x01aZ09fF:;=.-_";
    std::size_t answered = 0;
    for (int round = 0; round < 60000; ++round) {
        std::string body(rng() % 41, 'x');
        for (char& c : body) {
            c = rng() % 3 == 0 ? alphabet[rng() % alphabet.size()] : "bob.example"[rng() % 11];
        }
        // The byte loop: the first bad byte or escape, the first '@', how many, and
        // the first '?' after the last '@'.
        int error = 0; // 1: bad character, 2: bad escape
        std::size_t first_at = std::string::npos;
        unsigned ats = 0;
        std::size_t question = std::string::npos;
        for (std::size_t i = 0; i < body.size() && error == 0; ++i) {
            const auto c = static_cast<unsigned char>(body[i]);
            if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"') {
                error = 1;
            } else if (c == '@') {
                first_at = ats++ == 0 ? i : first_at;
                question = std::string::npos;
            } else if (c == '?') {
                question = question == std::string::npos ? i : question;
            } else if (c == '%') {
                if (i + 2 >= body.size() || !std::isxdigit(static_cast<unsigned char>(body[i + 1])) ||
                    !std::isxdigit(static_cast<unsigned char>(body[i + 2]))) {
                    error = 2;
                }
                i += 2;
            }
        }
        const std::string text = "sip:" + body;
        uri u;
        const auto r = parse_uri(text, u);
        if (body.empty()) {
            continue;
        }
        if (error == 1) {
            ASSERT_FALSE(r.ok()) << text;
            EXPECT_STREQ(r.message(), "invalid character in URI") << text;
            continue;
        }
        if (error == 2) {
            ASSERT_FALSE(r.ok()) << text;
            EXPECT_EQ(r.error_code(), parse_error_code::invalid_escape) << text;
            continue;
        }
        if (r.ok()) {
            ++answered;
        } else {
            EXPECT_NE(r.error_code(), parse_error_code::invalid_escape) << text;
            EXPECT_STRNE(r.message(), "invalid character in URI") << text;
        }
        if (ats > 1) {
            EXPECT_STREQ(r.message(), "several '@' in URI") << text;
            continue;
        }
        if (!r.ok()) {
            continue;
        }
        const std::string_view b = std::string_view(text).substr(4);
        EXPECT_EQ(u.has_user, ats == 1) << text;
        if (ats == 1) {
            const std::size_t colon = b.substr(0, first_at).find(':');
            EXPECT_TRUE(same_view(u.user, b.substr(0, std::min(colon, first_at)))) << text;
        }
        if (question != std::string::npos) {
            EXPECT_TRUE(same_view(u.headers, b.substr(question + 1))) << text;
        }
    }
    EXPECT_GT(answered, 1000u);
}

// ---- the Call-ID check in extract_essentials ----

// Call-IDs of 1 to 40 bytes (the vector pass and its tail at every length, the
// byte loop below 16) with word characters, '@' (none, one, two), the word
// characters the vector pass takes as candidates ('%', '<') and bytes a Call-ID
// may not hold: extract_essentials accepts exactly the grammar's word ["@" word].
TEST(fast_paths, call_id_agrees_with_the_grammar) {
    static const message_parser p;
    std::mt19937 rng(4028);
    const std::string rare = "@%<>#$&,;=^|!~\"\x7f\x80\x01[]{}()/:?";
    std::size_t accepted = 0;
    std::size_t rejected = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string id(1 + rng() % 40, 'x');
        for (char& c : id) {
            c = rng() % 8 == 0 ? rare[rng() % rare.size()] : "a1.-_Zq"[rng() % 7];
        }
        bool word = true;
        int ats = 0;
        for (const char c : id) {
            ats += c == '@' ? 1 : 0;
            word = word && (c == '@' || detail::has_class(c, detail::cc_word));
        }
        const bool valid = word && ats <= 1 && id.front() != '@' && id.back() != '@';
        const std::string text = "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                                 "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: " +
                                 id + "\r\nCSeq: 1 INVITE\r\n\r\n";
        std::string padded = text;
        padded.resize(text.size() + parser_padding, '\0');
        sip::message_view view;
        if (!p.parse(std::string_view(padded.data(), text.size()), padded.size(), view).ok() ||
            view.first_value(sip::header_id::call_id)->size() != id.size()) {
            continue; // framing broken or the value trimmed: not this test's business
        }
        message_essentials e;
        const auto r = extract_essentials(view, e);
        EXPECT_EQ(r.ok(), valid) << id;
        if (!r.ok()) {
            EXPECT_STREQ(r.message(), "malformed Call-ID") << id;
        }
        (valid ? accepted : rejected) += 1;
    }
    EXPECT_GT(accepted, 2000u);
    EXPECT_GT(rejected, 2000u);
}

// ---- the request line ----

// The request line's fast path finds the method's SP in its first word and checks
// only an unknown method byte by byte, and knows a "sip:" scheme from one word:
// methods of 1 to 12 bytes (known, in other cases, unknown, with a non-token byte
// at each place) and Request-URIs with schemes that start like sip, all parsed
// whole, padded (the one-pass walk) and unpadded (the general walk), against what
// the grammar says: accepted with the method, its id and the URI, or the error.
TEST(fast_paths, request_line_agrees_with_the_grammar) {
    static const message_parser p;
    std::vector<std::string> methods = {"INVITE",   "ACK",     "BYE",   "CANCEL",
                                        "REGISTER", "OPTIONS", "INFO",  "SUBSCRIBE",
                                        "invite",   "INVITEX", "INVIT", "X"};
    for (std::size_t length = 1; length <= 12; ++length) {
        const std::string token = std::string("ABCDEFGHIJKL").substr(0, length);
        methods.push_back(token);
        for (std::size_t k = 0; k < length; ++k) {
            for (const char bad : {'@', '/', '\x7f', '\x80', ':', '\t'}) {
                std::string m = token;
                m[k] = bad;
                methods.push_back(m);
            }
        }
    }
    const char* const uris[] = {"sip:bob@biloxi.example.com",
                                "SIP:bob@b",
                                "sIp:b",
                                "sips:b",
                                "sip+x:b",
                                "sipx:b",
                                "si:b",
                                "s:b",
                                "sip",
                                "sip;x:b",
                                "1ip:b",
                                "sip\x1a:b",
                                "tel:+1"};
    std::size_t accepted = 0;
    for (const std::string& method : methods) {
        const bool token = std::all_of(method.begin(), method.end(),
                                       [](char c) { return detail::is_token_char(c); });
        for (const char* uri_text : uris) {
            const std::string_view uri(uri_text);
            std::size_t run = 1;
            while (run < uri.size() && detail::has_class(uri[run], detail::cc_scheme)) {
                ++run;
            }
            const bool scheme =
                detail::has_class(uri[0], detail::cc_alpha) && run < uri.size() && uri[run] == ':';
            const std::string text =
                method + " " + uri_text + " SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n";
            for (const bool padded : {true, false}) {
                std::string buffer = text;
                buffer.resize(text.size() + parser_padding, ' ');
                sip::message_view v;
                const std::string_view input(buffer.data(), text.size());
                const parse_result r =
                    padded ? p.parse(input, buffer.size(), v) : p.parse_unpadded(input, v);
                if (!token) {
                    ASSERT_FALSE(r.ok()) << text;
                    // A tab or a colon ends the method early: no SP after it there.
                    EXPECT_TRUE(r.code == parse_error_code::invalid_method ||
                                r.code == parse_error_code::invalid_request_uri)
                        << text;
                    continue;
                }
                if (!scheme) {
                    ASSERT_FALSE(r.ok()) << text;
                    EXPECT_EQ(r.code, parse_error_code::invalid_request_uri) << text;
                    continue;
                }
                ASSERT_TRUE(r.ok()) << text;
                ++accepted;
                EXPECT_TRUE(same_view(v.method(), input.substr(0, method.size()))) << text;
                EXPECT_EQ(v.method_id(), sip::lookup_method(method)) << text;
                EXPECT_TRUE(same_view(v.request_uri(), input.substr(method.size() + 1, uri.size())))
                    << text;
            }
        }
    }
    EXPECT_GT(accepted, 200u);
}

// ---- Max-Forwards in extract_essentials vs parse_max_forwards ----

TEST(fast_paths, max_forwards_agrees) {
    static const message_parser p;
    std::size_t parsed = 0;
    std::size_t total = 0;
    const auto agrees = [&](const std::string& value) {
        const std::string text = "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
                                 "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
                                 "From: <sip:a@b.example.com>;tag=1\r\n"
                                 "To: <sip:c@d.example.com>\r\n"
                                 "Call-ID: x@y\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: " +
                                 value + "\r\n\r\n";
        std::string padded = text;
        padded.resize(text.size() + parser_padding, '\0');
        sip::message_view view;
        ++total;
        if (!p.parse(std::string_view(padded.data(), text.size()), padded.size(), view).ok() ||
            view.count(sip::header_id::max_forwards) != 1) {
            return;
        }
        ++parsed;
        const auto want = parse_max_forwards(*view.first_value(sip::header_id::max_forwards));
        message_essentials e;
        const auto got = extract_essentials(view, e);
        ASSERT_EQ(got.ok(), want.ok()) << value;
        if (got.ok()) {
            EXPECT_EQ(e.max_forwards, want.value()) << value;
        } else {
            EXPECT_EQ(got.error_code(), want.error_code()) << value;
            EXPECT_STREQ(got.message(), want.message()) << value;
        }
    };
    for (const char* v : {"70", "0", "255", "256", "999", "1000", "007", "0255", "", " 70",
                          "70 ", "7 0", "x", "70x", "-1", "+1", "1\t", "65536"}) {
        agrees(v);
        for (const std::string& m : mutations(v, 200, 23)) {
            agrees(m);
        }
    }
    EXPECT_GT(parsed, total / 2);
}

} // namespace
} // namespace sipedge::parser
