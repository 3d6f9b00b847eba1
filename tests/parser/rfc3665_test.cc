// RFC 3665 call flows: every message parses; the writer with no edits reproduces it
// byte for byte; typical proxy edits parse back to what was intended.

#include <gtest/gtest.h>

#include <string>

#include "parser/essentials.hh"
#include "parser/message_writer.hh"
#include "parser/scalar_values.hh"
#include "tests/parser/corpus_loader.hh"
#include "tests/parser/test_support.hh"

namespace sipedge::parser {
namespace {

using sip::header_id;
using testing::parse_text;

const std::vector<testing::corpus_message>& corpus() {
    static const auto c = testing::load_rfc3665(testing::corpus_dir());
    return c;
}

TEST(rfc3665, loads_all_193_messages) { EXPECT_EQ(corpus().size(), 193u); }

TEST(rfc3665, every_message_parses_and_has_its_essentials) {
    for (const auto& m : corpus()) {
        for (auto isa : testing::available_isas()) {
            auto p = parse_text(m.bytes, framing::datagram, isa);
            ASSERT_TRUE(p.result.ok()) << m.name << ": " << p.result.reason << " at "
                                       << p.result.error_offset;
            EXPECT_EQ(p.result.length, m.bytes.size()) << m.name;
            auto e = extract_essentials(*p);
            EXPECT_TRUE(e.ok()) << m.name << ": " << (e.ok() ? "" : e.message());
        }
    }
}

TEST(rfc3665, messages_with_content_length_frame_over_streams) {
    std::size_t framed = 0;
    for (const auto& m : corpus()) {
        auto p = parse_text(m.bytes, framing::stream);
        if (p.result.ok()) {
            EXPECT_EQ(p.result.length, m.bytes.size()) << m.name;
            ++framed;
        } else {
            // Only the 3 messages without Content-Length (tests/corpus/README.md).
            EXPECT_EQ(p.result.code, parse_error_code::missing_content_length) << m.name;
        }
    }
    EXPECT_EQ(framed, corpus().size() - 3);
}

TEST(rfc3665, writer_without_edits_is_byte_exact) {
    for (const auto& m : corpus()) {
        auto p = parse_text(m.bytes);
        ASSERT_TRUE(p.result.ok()) << m.name;
        message_writer w(*p);
        std::string out(w.output_size(), '\0');
        auto n = w.materialise(out.data(), out.size());
        ASSERT_TRUE(n.ok());
        EXPECT_EQ(out, m.bytes) << m.name;
    }
}

// What a proxy does to a request it forwards (RFC 3261 16.6).
TEST(rfc3665, proxy_edits_parse_back_as_intended) {
    std::size_t edited = 0;
    for (const auto& m : corpus()) {
        auto p = parse_text(m.bytes);
        ASSERT_TRUE(p.result.ok());
        if (!p->is_request() || !p->has(header_id::max_forwards)) {
            continue;
        }
        auto before = extract_essentials(*p);
        ASSERT_TRUE(before.ok()) << m.name;
        const int mf = before.value().max_forwards;
        if (mf <= 0) {
            continue;
        }
        message_writer w(*p);
        const std::string via = "SIP/2.0/UDP proxy.example.net:5060;branch=z9hG4bK-test-" +
                                std::to_string(edited);
        ASSERT_TRUE(w.insert_header_first("Via", via).ok());
        ASSERT_TRUE(w.set_max_forwards(static_cast<std::uint32_t>(mf - 1)).ok());
        const std::size_t routes_before = p->count(header_id::route);
        std::size_t route_elements_before = 0;
        {
            auto c = p->values(header_id::route);
            std::string_view r;
            while (c.next(r)) {
                ++route_elements_before;
            }
        }
        if (routes_before > 0) {
            // Loose routing: pop the first Route element.
            auto c = p->values(header_id::route);
            std::string_view first;
            std::uint16_t idx = 0;
            ASSERT_TRUE(c.next(first, &idx));
            ASSERT_TRUE(w.remove_value(idx, first).ok());
        }
        ASSERT_TRUE(w.insert_header_first("Record-Route", "<sip:proxy.example.net;lr>").ok());

        std::string out(w.output_size(), '\0');
        auto n = w.materialise(out.data(), out.size());
        ASSERT_TRUE(n.ok());
        ASSERT_EQ(n.value(), out.size());
        auto q = parse_text(out);
        ASSERT_TRUE(q.result.ok()) << m.name << "\n" << out;
        auto after = extract_essentials(*q);
        ASSERT_TRUE(after.ok()) << m.name << ": " << after.message();
        EXPECT_EQ(after.value().top_via.branch, "z9hG4bK-test-" + std::to_string(edited));
        EXPECT_EQ(after.value().max_forwards, mf - 1) << m.name;
        EXPECT_EQ(q->count(header_id::via), p->count(header_id::via) + 1);
        EXPECT_EQ(*q->first_element(header_id::record_route), "<sip:proxy.example.net;lr>");
        std::size_t route_elements_after = 0;
        {
            auto c = q->values(header_id::route);
            std::string_view r;
            while (c.next(r)) {
                ++route_elements_after;
            }
        }
        EXPECT_EQ(route_elements_after + (routes_before > 0 ? 1 : 0), route_elements_before);
        // Everything else untouched.
        EXPECT_EQ(after.value().call_id, before.value().call_id);
        EXPECT_EQ(after.value().cseq_value.number, before.value().cseq_value.number);
        EXPECT_EQ(q->body(), p->body());
        ++edited;
    }
    EXPECT_GT(edited, 50u);
}

} // namespace
} // namespace sipedge::parser
