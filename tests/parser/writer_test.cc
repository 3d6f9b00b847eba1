// The writer's edit list and the response builder.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "parser/essentials.hh"
#include "parser/message_writer.hh"
#include "parser/response_builder.hh"
#include "tests/parser/test_support.hh"

namespace sipedge::parser {
namespace {

using sip::header_id;
using testing::parse_text;

const std::string req =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
    "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: abc@host\r\n"
    "CSeq: 1 INVITE\r\n"
    "Subject: a\r\n b\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "body";

std::string materialise(const message_writer& w) {
    std::string out(w.output_size(), '\0');
    auto n = w.materialise(out.data(), out.size());
    EXPECT_TRUE(n.ok());
    out.resize(n.value_or(0));
    return out;
}

TEST(writer, no_edits_is_identity) {
    auto p = parse_text(req);
    message_writer w(*p);
    EXPECT_EQ(materialise(w), req);
}

TEST(writer, header_edits) {
    auto p = parse_text(req);
    message_writer w(*p);
    ASSERT_TRUE(w.insert_header_first("Via", "SIP/2.0/UDP proxy;branch=z9hG4bKp").ok());
    ASSERT_TRUE(w.set_max_forwards(69).ok());
    ASSERT_TRUE(w.remove_header(p->first_index(header_id::subject)).ok());
    ASSERT_TRUE(w.insert_header_last("X-Last", "1").ok());
    ASSERT_TRUE(w.replace_request_uri("sip:bob@192.0.2.7:5060").ok());
    const std::string out = materialise(w);
    EXPECT_EQ(out,
              "INVITE sip:bob@192.0.2.7:5060 SIP/2.0\r\n"
              "Via: SIP/2.0/UDP proxy;branch=z9hG4bKp\r\n"
              "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
              "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
              "Max-Forwards: 69\r\n"
              "From: <sip:alice@example.com>;tag=1\r\n"
              "To: <sip:bob@example.com>\r\n"
              "Call-ID: abc@host\r\n"
              "CSeq: 1 INVITE\r\n"
              "Content-Length: 4\r\n"
              "X-Last: 1\r\n"
              "\r\n"
              "body");
    EXPECT_EQ(out.size(), w.output_size());
}

TEST(writer, remove_one_value_of_a_list_header) {
    auto p = parse_text(req);
    const auto idx = p->first_index(header_id::route);
    sip::value_list_cursor c(p->header(idx).value);
    std::string_view first, second;
    ASSERT_TRUE(c.next(first));
    ASSERT_TRUE(c.next(second));
    {
        message_writer w(*p);
        ASSERT_TRUE(w.remove_value(idx, first).ok());
        EXPECT_NE(materialise(w).find("Route: <sip:p2.example.com;lr>\r\n"), std::string::npos);
    }
    {
        message_writer w(*p);
        ASSERT_TRUE(w.remove_value(idx, second).ok());
        EXPECT_NE(materialise(w).find("Route: <sip:p1.example.com;lr>\r\n"), std::string::npos);
    }
    {
        message_writer w(*p);
        ASSERT_TRUE(w.remove_value(idx, first).ok());
        ASSERT_TRUE(w.remove_value(idx, second).ok());
        // Both elements removed one by one: the edits overlap (comma run) or leave
        // an empty line; either way the writer must not produce garbage silently.
        auto out = std::string(w.output_size(), '\0');
        auto n = w.materialise(out.data(), out.size());
        if (n.ok()) {
            out.resize(n.value());
            auto q = parse_text(out);
            EXPECT_TRUE(q.result.ok());
        } else {
            EXPECT_EQ(n.error_code(), write_error_code::overlapping_edits);
        }
    }
    message_writer w(*p);
    EXPECT_EQ(w.remove_value(idx, "not-in-there").error_code(), write_error_code::bad_position);
}

TEST(writer, set_body_updates_content_length) {
    auto p = parse_text(req);
    message_writer w(*p);
    ASSERT_TRUE(w.set_body("v=0\r\n").ok());
    const std::string out = materialise(w);
    auto q = parse_text(out);
    ASSERT_TRUE(q.result.ok());
    EXPECT_EQ(q->body(), "v=0\r\n");
    EXPECT_EQ(q->content_length(), 5u);
}

TEST(writer, errors) {
    auto p = parse_text(req);
    message_writer w(*p);
    EXPECT_EQ(w.insert_header_at(3, "X", "y").error_code(), write_error_code::bad_position);
    EXPECT_EQ(w.remove_header(200).error_code(), write_error_code::bad_position);
    EXPECT_EQ(w.replace(10000, 1, "x").error_code(), write_error_code::bad_position);
    ASSERT_TRUE(w.replace(0, 6, "OPTIONS").ok());
    ASSERT_TRUE(w.replace(3, 2, "zz").ok());
    char buf[4096];
    EXPECT_EQ(w.materialise(buf, sizeof buf).error_code(), write_error_code::overlapping_edits);
    message_writer w2(*p);
    EXPECT_EQ(w2.materialise(buf, 10).error_code(), write_error_code::buffer_too_small);
    message_writer w3(*p);
    for (std::size_t i = 0; i < message_writer::max_edits; ++i) {
        ASSERT_TRUE(w3.insert(0, "").ok());
    }
    EXPECT_EQ(w3.insert(0, "").error_code(), write_error_code::too_many_edits);
}

// The running output size and the inline span copies against a plain model: the
// edits applied to a std::string one by one, from the last position to the first.
// Texts and spans of every length from 0 to 70 (the inline copies switch at 4, 8,
// 16 and 32 bytes), over a buffer filled with a sentinel so that a byte written
// outside the output shows.
TEST(writer, output_matches_a_plain_model) {
    std::string msg =
        "MESSAGE sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n";
    for (int i = 0; i < 12; ++i) {
        msg += "X-H" + std::to_string(i) + ": " + std::string(static_cast<std::size_t>(i * 7), 'v') +
               "\r\n";
    }
    msg += "Content-Length: 0\r\n\r\n";
    auto p = parse_text(msg);
    ASSERT_TRUE(p.result.ok());
    std::string pool_text;
    for (int i = 0; i < 80; ++i) {
        pool_text += static_cast<char>('a' + i % 26);
    }
    // The writer keeps views: every text is a view into pool_text.
    const std::string_view pool = pool_text;
    std::uint32_t seed = 7;
    const auto rnd = [&seed](std::uint32_t n) {
        seed = seed * 1103515245u + 12345u;
        return (seed >> 8) % n;
    };
    const auto size = static_cast<std::uint32_t>(p->bytes().size());
    for (int round = 0; round < 3000; ++round) {
        message_writer w(*p);
        struct model_edit {
            std::uint32_t at;
            std::uint32_t len;
            std::string text;
            int seq;
        };
        std::vector<model_edit> model;
        // Non-overlapping edits: each in its own slice of the message.
        const std::uint32_t edits = 1 + rnd(8);
        const std::uint32_t slice = size / edits;
        for (std::uint32_t e = 0; e < edits; ++e) {
            const std::uint32_t at = e * slice + rnd(slice / 2 + 1);
            const std::uint32_t len = rnd(2) == 0 ? 0 : rnd(slice / 2);
            const std::string_view text = pool.substr(0, rnd(71));
            ASSERT_TRUE(w.replace(at, len, text).ok());
            model.push_back({at, len, std::string(text), static_cast<int>(e)});
            if (rnd(3) == 0 && len == 0) { // a second insert at the same place
                const std::string_view more = pool.substr(3, rnd(40));
                ASSERT_TRUE(w.insert(at, more).ok());
                model.push_back({at, 0, std::string(more), static_cast<int>(e) + 100});
            }
        }
        const std::uint32_t last_at = p->field(p->header_count() - 1).line_end;
        const bool clear_there = std::none_of(model.begin(), model.end(), [&](const model_edit& e) {
            return e.len > 0 && e.at <= last_at && last_at < e.at + e.len + 1;
        });
        if (clear_there && rnd(2) == 0) {
            const std::string_view name = pool.substr(0, 1 + rnd(20));
            const std::string_view value = pool.substr(5, rnd(70));
            ASSERT_TRUE(w.insert_header_last(name, value).ok());
            model.push_back({last_at, 0, std::string(name) + ": " + std::string(value) + "\r\n", 1000});
        }
        std::string expect = std::string(p->bytes());
        std::stable_sort(model.begin(), model.end(), [](const model_edit& a, const model_edit& b) {
            return a.at != b.at ? a.at > b.at : a.seq > b.seq;
        });
        for (const model_edit& e : model) {
            expect.replace(e.at, e.len, e.text);
        }
        ASSERT_EQ(w.output_size(), expect.size());
        std::string out(expect.size() + 64, '#');
        auto n = w.materialise(out.data(), expect.size());
        ASSERT_TRUE(n.ok());
        ASSERT_EQ(n.value(), expect.size());
        EXPECT_EQ(out, expect + std::string(64, '#')) << "round " << round;
        char small[1];
        EXPECT_EQ(w.materialise(small, expect.size() - 1).error_code(),
                  write_error_code::buffer_too_small);
    }
}

TEST(response_builder, copies_dialog_headers_and_adds_to_tag) {
    auto p = parse_text(req);
    char out[1024];
    const extra_header extra[] = {{"Server", "sipedge"}};
    auto n = build_response(*p, 100, "", "", {}, out, sizeof out);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(std::string_view(out, n.value()),
              "SIP/2.0 100 Trying\r\n"
              "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
              "From: <sip:alice@example.com>;tag=1\r\n"
              "To: <sip:bob@example.com>\r\n"
              "Call-ID: abc@host\r\n"
              "CSeq: 1 INVITE\r\n"
              "Content-Length: 0\r\n\r\n");
    auto m = build_response(*p, 483, "", "ztag", extra, out, sizeof out);
    ASSERT_TRUE(m.ok());
    auto q = parse_text(std::string_view(out, m.value()));
    ASSERT_TRUE(q.result.ok());
    EXPECT_EQ(q->status_code(), 483);
    EXPECT_EQ(q->reason(), "Too Many Hops");
    auto e = extract_essentials(*q);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e.value().to_tag, "ztag");
    EXPECT_EQ(e.value().from_tag, "1");
    EXPECT_EQ(*q->first_value(header_id::server), "sipedge");
    EXPECT_EQ(build_response(*p, 400, "", "t", {}, out, 20).error_code(),
              write_error_code::buffer_too_small);
    auto r = parse_text("SIP/2.0 200 OK\r\nl: 0\r\n\r\n");
    EXPECT_EQ(build_response(*r, 400, "", "t", {}, out, sizeof out).error_code(),
              write_error_code::bad_position);
}

} // namespace
} // namespace sipedge::parser
