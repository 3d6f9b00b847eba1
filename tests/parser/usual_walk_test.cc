// The indexer's one-pass walk of the usual header section (padded input) against
// the general walk it stands in for (parse_unpadded always takes the general one):
// on the corpora, on hand-made unusual sections and on many random edits of
// corpus messages, under default and tight limits, in both framings and whatever
// the padding holds, both give the same result and the same view. The usual
// messages must not leave the one-pass walk, so that one which declined
// everything would fail here.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "parser/message_parser.hh"
#include "tests/parser/corpus_loader.hh"

namespace sipedge::parser {
namespace {

using sip::header_id;

void expect_same_result(const parse_result& a, const parse_result& b, const std::string& text) {
    EXPECT_EQ(a.status, b.status) << text;
    EXPECT_EQ(a.length, b.length) << text;
    if (a.status == parse_status::error && b.status == parse_status::error) {
        EXPECT_EQ(a.code, b.code) << text;
        EXPECT_EQ(a.error_offset, b.error_offset) << text;
        EXPECT_STREQ(a.reason, b.reason) << text;
    }
}

// Every observable part of a successfully parsed view, as offsets from its base.
void expect_same_view(const sip::message_view& a, const sip::message_view& b,
                      const std::string& text) {
    const auto off = [](const sip::message_view& v, std::string_view s) {
        return s.data() == nullptr ? -1L : static_cast<long>(s.data() - v.base());
    };
    EXPECT_EQ(a.kind(), b.kind()) << text;
    EXPECT_EQ(a.bytes().size(), b.bytes().size()) << text;
    EXPECT_EQ(a.start_line().size(), b.start_line().size()) << text;
    EXPECT_EQ(off(a, a.method()), off(b, b.method())) << text;
    EXPECT_EQ(a.method(), b.method()) << text;
    EXPECT_EQ(a.method_id(), b.method_id()) << text;
    EXPECT_EQ(off(a, a.request_uri()), off(b, b.request_uri())) << text;
    EXPECT_EQ(a.request_uri(), b.request_uri()) << text;
    EXPECT_EQ(off(a, a.version()), off(b, b.version())) << text;
    EXPECT_EQ(a.version(), b.version()) << text;
    EXPECT_EQ(a.status_code(), b.status_code()) << text;
    EXPECT_EQ(off(a, a.reason()), off(b, b.reason())) << text;
    EXPECT_EQ(a.reason(), b.reason()) << text;
    EXPECT_EQ(a.body_offset(), b.body_offset()) << text;
    EXPECT_EQ(a.has_content_length(), b.has_content_length()) << text;
    EXPECT_EQ(a.content_length(), b.content_length()) << text;
    ASSERT_EQ(a.header_count(), b.header_count()) << text;
    for (std::size_t i = 0; i < a.header_count(); ++i) {
        const sip::header_field& x = a.field(i);
        const sip::header_field& y = b.field(i);
        EXPECT_EQ(x.name_offset, y.name_offset) << text;
        EXPECT_EQ(x.name_length, y.name_length) << text;
        EXPECT_EQ(x.value_offset, y.value_offset) << text;
        EXPECT_EQ(x.value_length, y.value_length) << text;
        EXPECT_EQ(x.line_end, y.line_end) << text;
        EXPECT_EQ(x.next_same, y.next_same) << text;
        EXPECT_EQ(x.id, y.id) << text;
        EXPECT_EQ(x.folded, y.folded) << text;
    }
    for (std::size_t id = 0; id < sip::header_id_count; ++id) {
        const auto h = static_cast<header_id>(id);
        EXPECT_EQ(a.first_index(h), b.first_index(h)) << text;
        EXPECT_EQ(a.count(h), b.count(h)) << text;
    }
}

// Parses `text` padded (padding filled with `fill`) and unpadded, with the same
// limits and framing, and compares. Returns whether the padded parse stayed on the
// one-pass walk.
bool walks_agree(const message_parser& p, const std::string& text, char fill, framing mode) {
    std::string padded = text;
    padded.resize(text.size() + parser_padding, fill);
    std::vector<char> exact(text.begin(), text.end());
    sip::message_view fast;
    sip::message_view general;
    const std::uint64_t before = detail::general_walks();
    const parse_result a =
        p.parse(std::string_view(padded.data(), text.size()), padded.size(), fast, mode);
    const bool stayed = detail::general_walks() == before;
    const parse_result b =
        p.parse_unpadded(std::string_view(exact.data(), exact.size()), general, mode);
    expect_same_result(a, b, text);
    if (a.ok() && b.ok()) {
        expect_same_view(fast, general, text);
    }
    return stayed;
}

std::vector<std::string> corpus_texts() {
    std::vector<std::string> out;
    for (auto& m : testing::load_rfc3665(SIPEDGE_CORPUS_DIR)) {
        out.push_back(m.bytes);
    }
    for (auto& m : testing::load_rfc4475(SIPEDGE_CORPUS_DIR)) {
        out.push_back(m.bytes);
    }
    return out;
}

// Random edits of a message, mostly with bytes the walk treats specially.
std::string mutate(const std::string& seed, std::mt19937& rng) {
    static const std::string alphabet = " \t\r\n::\r\n \t;,aZ0-\x7f\x80";
    static const char* const pieces[] = {"\r\n ",
                                         "\r\n\t",
                                         "\r\n\r\n",
                                         "\n",
                                         " :",
                                         ":",
                                         "\r\nX: y\r\n",
                                         "\r\nContent-Length: 0\r\n",
                                         "\r\nContent-Length: 7\r\n",
                                         "\r\nl: 1 \r\n"};
    std::string s = seed;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
        const std::size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
        switch (rng() % 5) {
        case 0:
            if (at < s.size()) {
                s[at] = alphabet[rng() % alphabet.size()];
            }
            break;
        case 1:
            s.insert(at, 1, alphabet[rng() % alphabet.size()]);
            break;
        case 2:
            if (at < s.size()) {
                s.erase(at, 1 + rng() % 4);
            }
            break;
        case 3:
            s.insert(at, pieces[rng() % std::size(pieces)]);
            break;
        default:
            s.resize(at); // truncated
            break;
        }
    }
    return s;
}

TEST(usual_walk, corpus_messages_stay_on_it_and_agree) {
    const message_parser p;
    std::size_t stayed = 0;
    const auto texts = testing::load_rfc3665(SIPEDGE_CORPUS_DIR);
    for (const auto& m : texts) {
        stayed += walks_agree(p, m.bytes, '\0', framing::datagram) ? 1 : 0;
    }
    // Every RFC 3665 message is usual: none may leave the one-pass walk.
    EXPECT_EQ(stayed, texts.size());
    for (const std::string& t : corpus_texts()) {
        for (char fill : {'\0', ' ', '\t', '\n', ':', '\r'}) {
            walks_agree(p, t, fill, framing::datagram);
            walks_agree(p, t, fill, framing::stream);
        }
    }
}

TEST(usual_walk, unusual_sections_agree) {
    const message_parser p;
    const std::string start = "OPTIONS sip:a@b.example SIP/2.0\r\n";
    const std::string tail =
        "Via: SIP/2.0/UDP h.example;branch=z9hG4bK1\r\nCall-ID: x@y\r\nCSeq: 1 OPTIONS\r\n";
    const char* const sections[] = {
        "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n\r\n",
        "From: <sip:a@b>;tag=1\r\n folded\r\n\tand again\r\nTo: <sip:c@d>\r\n\r\n",
        "From : <sip:a@b>\r\nTo\t: x\r\n\r\n",
        "From:<sip:a@b>\r\nTo:   x   \r\n\r\n",
        "From: \r\nTo:\r\n\r\n",
        ": no name\r\n\r\n",
        " starts folded\r\n\r\n",
        "No colon here\r\n\r\n",
        "Bad name@: x\r\n\r\n",
        "X-Unknown: 1\r\nx-unknown: 2\r\n\r\n",
        "Content-Length: 0\r\nContent-Length: 0\r\n\r\n",
        "Content-Length: 0\r\nl: 1\r\n\r\n",
        "Content-Length: x\r\n\r\n",
        "Content-Length: 4\r\n\r\nbody",
        "Content-Length: 2\r\n\r\nbody",
        "Content-Length: 9\r\n\r\nbody",
        "Content-Length:  3 \r\n\r\nabc",
        "To: x\n\nbare LFs",
        "To: x\r\nFrom: y\r\n",
        "To: x\r\nFrom: y\r\n ",
        "To: x\r\nFrom: y",
        "To: x\r\n\r",
        "To: a\rb\r\n\r\n",
        "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\n\r\n",
    };
    const message_parser tight(parser_limits{65535, 8, 48});
    const message_parser small(parser_limits{120, 128, 8192});
    for (const char* s : sections) {
        for (const std::string& text :
             {start + tail + s, start + s, std::string("\r\n\r\n") + start + tail + s,
              std::string("SIP/2.0 200 OK\r\n") + tail + s,
              std::string("SIP/3.0 200 OK\r\n") + tail + s}) {
            for (const message_parser* q : {&p, &tight, &small}) {
                for (char fill : {'\0', ' ', '\t', '\n', ':'}) {
                    walks_agree(*q, text, fill, framing::datagram);
                    walks_agree(*q, text, fill, framing::stream);
                }
            }
        }
    }
}

TEST(usual_walk, long_sections_and_many_headers_agree) {
    const message_parser p;
    std::string many = "OPTIONS sip:a@b.example SIP/2.0\r\n";
    for (int i = 0; i < 140; ++i) {
        many += "X-H" + std::to_string(i) + ": some value to make the section long\r\n";
        walks_agree(p, many + "\r\n", ' ', framing::datagram);
    }
    std::string long_line = "OPTIONS sip:a@b.example SIP/2.0\r\nSubject: ";
    long_line += std::string(9000, 'a');
    walks_agree(p, long_line + "\r\n\r\n", ' ', framing::datagram);
}

// Sections that end in each of the first 40 blocks, with bodies that end in the
// same block, the next ones or far past the 32 blocks the walk scans: every one
// agrees with the general walk, and the walk takes exactly those whose empty line
// ends inside its blocks (its scan reaches all of them, and no further).
TEST(usual_walk, sections_ending_in_every_block) {
    const message_parser p;
    const std::string start = "OPTIONS sip:a@b.example SIP/2.0\r\nContent-Length: ";
    for (const std::size_t body :
         {std::size_t{0}, std::size_t{5}, std::size_t{700}, std::size_t{3000}}) {
        for (std::size_t pad = 0; pad < 40 * stage1_block; pad += 23) {
            std::string headers = start + std::to_string(body) + "\r\n";
            // Lines of 23 to 77 bytes, so that they cross block edges everywhere.
            for (std::size_t i = 0; headers.size() < pad; ++i) {
                headers += "X-Pad: " + std::string(14 + (i * 7) % 55, 'p') + "\r\n";
            }
            headers += "\r\n";
            const std::string text = headers + std::string(body, 'b');
            const bool stayed = walks_agree(p, text, '\n', framing::datagram);
            const bool fits = headers.size() <= 32 * stage1_block &&
                              text.size() <= parser_limits{}.max_line_length;
            EXPECT_EQ(stayed, fits) << headers.size() << " + " << body;
        }
    }
}

TEST(usual_walk, random_edits_agree) {
    const message_parser p;
    const message_parser tight(parser_limits{2000, 12, 100});
    std::mt19937 rng(20261121);
    const auto texts = corpus_texts();
    std::size_t stayed = 0;
    std::size_t total = 0;
    for (int round = 0; round < 30; ++round) {
        for (const std::string& t : texts) {
            const std::string m = mutate(t, rng);
            const char fill = " \t\n:\0"[rng() % 5];
            ++total;
            stayed += walks_agree(p, m, fill, framing::datagram) ? 1 : 0;
            walks_agree(p, m, fill, framing::stream);
            walks_agree(tight, m, fill, framing::datagram);
        }
    }
    EXPECT_GT(stayed, total / 10) << "the one-pass walk should take many edits too";
}

} // namespace
} // namespace sipedge::parser
