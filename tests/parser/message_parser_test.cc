// Stage 2: framing, leniency, limits and the per-id index.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parser/essentials.hh"
#include "parser/message_parser.hh"
#include "tests/parser/corpus_loader.hh"
#include "tests/parser/test_support.hh"

namespace sipedge::parser {
namespace {

using sip::header_id;
using testing::parse_text;

const std::string invite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
    "v: SIP/2.0/UDP b.example.com;branch=z9hG4bK2, SIP/2.0/TCP c.example.com\r\n"
    "Max-Forwards: 70\r\n"
    "f: <sip:alice@example.com>;tag=1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: abc@host\r\n"
    "CSeq: 1 INVITE\r\n"
    "X-Custom: one\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "body";

TEST(message_parser, indexes_request) {
    auto p = parse_text(invite);
    ASSERT_TRUE(p.result.ok());
    EXPECT_EQ(p.result.length, invite.size());
    EXPECT_TRUE(p->is_request());
    EXPECT_EQ(p->method(), "INVITE");
    EXPECT_EQ(p->request_uri(), "sip:bob@example.com");
    EXPECT_EQ(p->version(), "SIP/2.0");
    EXPECT_EQ(p->start_line(), "INVITE sip:bob@example.com SIP/2.0");
    EXPECT_EQ(p->header_count(), 9u);
    EXPECT_EQ(p->count(header_id::via), 2u);
    EXPECT_EQ(p->first(header_id::via).name, "Via");
    EXPECT_EQ(p->next_same(p->first_index(header_id::via)).name, "v");
    EXPECT_EQ(*p->first_value(header_id::from), "<sip:alice@example.com>;tag=1");
    EXPECT_EQ(*p->first_element(header_id::via), "SIP/2.0/UDP a.example.com;branch=z9hG4bK1");
    EXPECT_EQ(p->find_unknown("x-custom").value, "one");
    EXPECT_FALSE(p->has(header_id::route));
    EXPECT_EQ(p->body(), "body");
    std::vector<std::string_view> vias;
    for (const auto h : p->headers(header_id::via)) {
        vias.push_back(h.value);
    }
    ASSERT_EQ(vias.size(), 2u);
    auto c = p->values(header_id::via);
    std::string_view v;
    int n = 0;
    while (c.next(v)) {
        ++n;
    }
    EXPECT_EQ(n, 3);
}

TEST(message_parser, all_isas_give_identical_views) {
    auto msgs = testing::load_rfc4475(testing::corpus_dir());
    for (const auto& m : msgs) {
        auto ref = parse_text(m.bytes, framing::datagram, simd_isa::scalar);
        for (auto isa : testing::available_isas()) {
            auto p = parse_text(m.bytes, framing::datagram, isa);
            ASSERT_EQ(p.result.status, ref.result.status) << m.name;
            EXPECT_EQ(p.result.code, ref.result.code) << m.name;
            EXPECT_EQ(p.result.error_offset, ref.result.error_offset) << m.name;
            EXPECT_EQ(p->header_count(), ref->header_count()) << m.name;
            for (std::size_t i = 0; i < p->header_count(); ++i) {
                EXPECT_EQ(p->header(i).value, ref->header(i).value);
            }
        }
    }
}

TEST(message_parser, padded_and_unpadded_agree) {
    for (const auto& m : testing::load_rfc4475(testing::corpus_dir())) {
        auto a = parse_text(m.bytes);
        sip::message_view v;
        const message_parser p;
        const auto b = p.parse_unpadded(m.bytes, v);
        EXPECT_EQ(a.result.status, b.status) << m.name;
        EXPECT_EQ(a.result.code, b.code) << m.name;
        EXPECT_EQ(a.result.length, b.length) << m.name;
        EXPECT_EQ(a->header_count(), v.header_count()) << m.name;
    }
}

TEST(message_parser, response_status_line) {
    auto p = parse_text("SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h\r\nContent-Length: 0\r\n\r\n");
    ASSERT_TRUE(p.result.ok());
    EXPECT_TRUE(p->is_response());
    EXPECT_EQ(p->status_code(), 486);
    EXPECT_EQ(p->reason(), "Busy Here");
}

TEST(message_parser, bare_lf_and_leading_crlf_are_accepted) {
    const std::string m = "\r\n\r\nOPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h\nl: 0\n\n";
    auto p = parse_text(m);
    ASSERT_TRUE(p.result.ok()) << p.result.reason;
    EXPECT_EQ(p.result.length, m.size());
    EXPECT_EQ(p->method(), "OPTIONS");
    EXPECT_EQ(*p->first_value(header_id::via), "SIP/2.0/UDP h");
    EXPECT_EQ(p->bytes().front(), 'O');
}

TEST(message_parser, folded_value_keeps_continuation) {
    auto p = parse_text("OPTIONS sip:a@b SIP/2.0\r\nSubject: one\r\n\ttwo\r\n  three\r\nl: 0\r\n\r\n");
    ASSERT_TRUE(p.result.ok());
    const auto h = p->first(header_id::subject);
    EXPECT_TRUE(h.folded);
    EXPECT_EQ(h.value, "one\r\n\ttwo\r\n  three");
}

TEST(message_parser, stream_framing_is_three_way) {
    const message_parser parser;
    sip::message_view v;
    const std::string two = invite + invite;
    for (std::size_t cut = 0; cut < invite.size(); ++cut) {
        testing::padded buf(std::string_view(invite).substr(0, cut));
        auto r = parser.parse(buf.view(), buf.readable(), v, framing::stream);
        EXPECT_EQ(r.status, parse_status::need_more) << cut;
    }
    testing::padded buf(two);
    auto r = parser.parse(buf.view(), buf.readable(), v, framing::stream);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.length, invite.size());
    auto r2 = parser.parse(buf.view().substr(r.length), buf.readable() - r.length, v,
                           framing::stream);
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ(v.body(), "body");
}

TEST(message_parser, stream_requires_content_length) {
    auto p = parse_text("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n", framing::stream);
    EXPECT_EQ(p.result.status, parse_status::error);
    EXPECT_EQ(p.result.code, parse_error_code::missing_content_length);
}

TEST(message_parser, header_errors_have_offsets) {
    const std::string bad = "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\nNo colon here\r\n\r\n";
    auto p = parse_text(bad);
    EXPECT_EQ(p.result.code, parse_error_code::missing_colon);
    EXPECT_EQ(p.result.error_offset, bad.find("No colon"));
    auto q = parse_text("OPTIONS sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n");
    EXPECT_EQ(q.result.code, parse_error_code::invalid_header_name);
    auto f = parse_text("OPTIONS sip:a@b SIP/2.0\r\n folded: x\r\n\r\n");
    EXPECT_EQ(f.result.code, parse_error_code::invalid_header_name);
    auto u = parse_text("OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n");
    EXPECT_EQ(u.result.code, parse_error_code::unterminated_headers);
    auto e = parse_text("\r\n\r\n");
    EXPECT_EQ(e.result.code, parse_error_code::empty_message);
    auto s = parse_text("SIP/2.0 99 Too Low\r\n\r\n");
    EXPECT_EQ(s.result.code, parse_error_code::invalid_status_code);
    auto bv = parse_text("OPTIONS sip:a@b SIP/2.x\r\n\r\n");
    EXPECT_EQ(bv.result.code, parse_error_code::invalid_version);
    auto bm = parse_text("OPT@ONS sip:a@b SIP/2.0\r\n\r\n");
    EXPECT_EQ(bm.result.code, parse_error_code::invalid_method);
    auto ns = parse_text("OPTIONS nocolon SIP/2.0\r\n\r\n");
    EXPECT_EQ(ns.result.code, parse_error_code::invalid_request_uri);
}

TEST(message_parser, same_content_length_twice_is_accepted_by_framing) {
    auto p = parse_text("OPTIONS sip:a@b SIP/2.0\r\nl: 2\r\nContent-Length: 2\r\n\r\nab");
    ASSERT_TRUE(p.result.ok());
    EXPECT_EQ(p->count(header_id::content_length), 2u); // extract_essentials rejects it
}

TEST(message_parser, limits_are_enforced_with_clear_errors) {
    std::string many = "OPTIONS sip:a@b SIP/2.0\r\n";
    for (int i = 0; i < 300; ++i) {
        many += "X-H: " + std::to_string(i) + "\r\n";
    }
    many += "\r\n";
    auto p = parse_text(many);
    EXPECT_EQ(p.result.code, parse_error_code::too_many_headers);
    parser_limits lim;
    lim.max_headers = 400; // clamped to the view's capacity
    auto p2 = parse_text(many, framing::datagram, best_isa(), lim);
    EXPECT_EQ(p2.result.code, parse_error_code::too_many_headers);
    lim.max_headers = 9;
    auto p3 = parse_text(invite, framing::datagram, best_isa(), lim);
    EXPECT_TRUE(p3.result.ok());
    lim.max_headers = 8;
    auto p4 = parse_text(invite, framing::datagram, best_isa(), lim);
    EXPECT_EQ(p4.result.code, parse_error_code::too_many_headers);

    parser_limits small;
    small.max_line_length = 40;
    auto l = parse_text(invite, framing::datagram, best_isa(), small);
    EXPECT_EQ(l.result.code, parse_error_code::line_too_long);
    EXPECT_EQ(l.result.error_offset, invite.find("Via:"));
    auto ls = parse_text(std::string(100, 'A'), framing::stream, best_isa(), small);
    EXPECT_EQ(ls.result.code, parse_error_code::line_too_long);

    parser_limits tiny;
    tiny.max_message_size = 100;
    auto m = parse_text(invite, framing::datagram, best_isa(), tiny);
    EXPECT_EQ(m.result.code, parse_error_code::message_too_large);
    auto ms = parse_text(invite, framing::stream, best_isa(), tiny);
    EXPECT_EQ(ms.result.code, parse_error_code::message_too_large);
    tiny.max_message_size = static_cast<std::uint32_t>(invite.size() - 2);
    auto mb = parse_text(invite, framing::datagram, best_isa(), tiny);
    EXPECT_EQ(mb.result.code, parse_error_code::message_too_large);
}

TEST(message_parser, huge_content_length_is_rejected) {
    auto p = parse_text("OPTIONS sip:a@b SIP/2.0\r\nl: 99999999999\r\n\r\n");
    EXPECT_EQ(p.result.code, parse_error_code::invalid_content_length);
    auto q = parse_text("OPTIONS sip:a@b SIP/2.0\r\nl: 4000000000\r\n\r\n", framing::stream);
    EXPECT_EQ(q.result.code, parse_error_code::message_too_large);
}

TEST(message_parser, error_names_are_all_set) {
    for (std::size_t i = 0; i < static_cast<std::size_t>(parse_error_code::count_); ++i) {
        EXPECT_FALSE(error_name(static_cast<parse_error_code>(i)).empty()) << i;
    }
    EXPECT_EQ(error_name(parse_error_code::cseq_method_mismatch), "cseq_method_mismatch");
    EXPECT_EQ(error_name(parse_error_code::unterminated_headers), "unterminated_headers");
}

// The Request-URI control-character check runs eight bytes at a time: every
// position (word-aligned or in the tail) must still be caught, with its offset;
// bytes >= 0x80 are left to the URI parser.
TEST(message_parser, request_uri_control_characters_at_every_position) {
    const message_parser parser;
    sip::message_view v;
    const std::string uri = "sip:alice@atlanta.example.com;transport=udp"; // 43 bytes
    for (std::size_t k = 4; k < uri.size(); ++k) {
        for (char bad : {'\x01', '\x1f', '\x7f'}) {
            std::string u = uri;
            u[k] = bad;
            testing::padded m("OPTIONS " + u + " SIP/2.0\r\nContent-Length: 0\r\n\r\n");
            const auto r = parser.parse(m.view(), m.readable(), v);
            ASSERT_FALSE(r.ok()) << k;
            EXPECT_EQ(r.code, parse_error_code::invalid_request_uri) << k;
            EXPECT_EQ(r.error_offset, 8 + k) << k;
        }
        std::string u = uri;
        u[k] = '\x80';
        testing::padded m("OPTIONS " + u + " SIP/2.0\r\nContent-Length: 0\r\n\r\n");
        EXPECT_TRUE(parser.parse(m.view(), m.readable(), v).ok()) << k;
    }
}

TEST(message_parser, view_reuse_clears_previous_message) {
    const message_parser parser;
    sip::message_view v;
    testing::padded a(invite);
    ASSERT_TRUE(parser.parse(a.view(), a.readable(), v).ok());
    testing::padded b("SIP/2.0 200 OK\r\nl: 0\r\n\r\n");
    ASSERT_TRUE(parser.parse(b.view(), b.readable(), v).ok());
    EXPECT_FALSE(v.has(header_id::via));
    EXPECT_EQ(v.header_count(), 1u);
}

// clear() resets only the per-id entries of the headers the last message indexed:
// also after a parse that failed half way through the header section.
TEST(message_parser, view_reuse_after_a_failed_parse) {
    const message_parser parser;
    sip::message_view v;
    testing::padded a(invite);
    ASSERT_TRUE(parser.parse(a.view(), a.readable(), v).ok());
    testing::padded bad("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCSeq: 1 OPTIONS\r\n"
                        "To: <sip:a@b>\r\nno colon here\r\n\r\n");
    ASSERT_FALSE(parser.parse(bad.view(), bad.readable(), v).ok());
    testing::padded c("SIP/2.0 180 Ringing\r\nv: SIP/2.0/UDP h\r\nl: 0\r\n\r\n");
    ASSERT_TRUE(parser.parse(c.view(), c.readable(), v).ok());
    EXPECT_EQ(v.header_count(), 2u);
    EXPECT_EQ(v.count(header_id::via), 1u);
    EXPECT_EQ(v.first_index(header_id::via), 0u);
    EXPECT_EQ(v.count(header_id::content_length), 1u);
    for (header_id id : {header_id::cseq, header_id::to, header_id::from, header_id::call_id,
                         header_id::max_forwards, header_id::unknown}) {
        EXPECT_FALSE(v.has(id)) << sip::header_name(id);
        EXPECT_EQ(v.count(id), 0u) << sip::header_name(id);
    }
}

// clear() resets the per-id entries four headers at a time, then the rest one by
// one: every count of headers from 0 to 20 (each of another id, so that a slot
// left behind shows), then a message with none of them.
TEST(message_parser, clear_resets_every_indexed_id) {
    const message_parser parser;
    sip::message_view v;
    std::vector<header_id> ids;
    for (std::size_t i = 1; i < sip::header_id_count && ids.size() < 20; ++i) {
        const auto id = static_cast<header_id>(i);
        if (id != header_id::content_length) {
            ids.push_back(id);
        }
    }
    for (std::size_t k = 0; k <= ids.size(); ++k) {
        std::string m = "OPTIONS sip:a@b SIP/2.0\r\n";
        for (std::size_t i = 0; i < k; ++i) {
            m += std::string(sip::header_name(ids[i])) + ": x\r\n";
        }
        m += "\r\n";
        testing::padded a(m);
        ASSERT_TRUE(parser.parse(a.view(), a.readable(), v).ok()) << k;
        ASSERT_EQ(v.header_count(), k);
        testing::padded b("SIP/2.0 200 OK\r\nl: 0\r\n\r\n");
        ASSERT_TRUE(parser.parse(b.view(), b.readable(), v).ok());
        for (std::size_t i = 0; i < k; ++i) {
            EXPECT_FALSE(v.has(ids[i])) << k << " " << sip::header_name(ids[i]);
            EXPECT_EQ(v.count(ids[i]), 0u) << k << " " << sip::header_name(ids[i]);
        }
        EXPECT_EQ(v.count(header_id::content_length), 1u);
        v.clear();
        EXPECT_FALSE(v.has(header_id::content_length)) << k;
    }
}

// A per-lcore essentials struct is reused: fields that only some messages carry
// must not survive into the next message.
TEST(message_parser, essentials_reuse_resets_optional_fields) {
    const message_parser parser;
    sip::message_view v;
    message_essentials e;
    testing::padded a("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n"
                      "Max-Forwards: 7\r\nRoute: <sip:p;lr>\r\nFrom: <sip:a@b>;tag=1\r\n"
                      "To: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n");
    ASSERT_TRUE(parser.parse(a.view(), a.readable(), v).ok());
    ASSERT_TRUE(extract_essentials(v, e).ok());
    EXPECT_EQ(e.max_forwards, 7);
    EXPECT_EQ(e.first_route, "<sip:p;lr>");
    EXPECT_EQ(e.request_uri.host, "example.com");
    testing::padded b("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
                      "To: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n");
    ASSERT_TRUE(parser.parse(b.view(), b.readable(), v).ok());
    ASSERT_TRUE(extract_essentials(v, e).ok());
    EXPECT_EQ(e.max_forwards, -1);
    EXPECT_TRUE(e.first_route.empty());
    EXPECT_TRUE(e.request_uri.host.empty());
    EXPECT_EQ(e.to_tag, "2");
}

} // namespace
} // namespace sipedge::parser
