// Inputs flush against a PROT_NONE page: the padded entry point with exactly
// parser_padding readable bytes before the guard, the unpadded one with none.
// A read past the contract faults (and ASan reports it in the sanitizer twin).
// Every prefix of every message is tried too, so truncated input is covered.

#include <gtest/gtest.h>

#include "parser/essentials.hh"
#include "parser/message_parser.hh"
#include "parser/name_addr.hh"
#include "parser/uri.hh"
#include "tests/parser/corpus_loader.hh"
#include "tests/parser/test_support.hh"

namespace sipedge::parser {
namespace {

std::vector<testing::corpus_message> all_messages() {
    auto msgs = testing::load_rfc4475(testing::corpus_dir());
    auto flows = testing::load_rfc3665(testing::corpus_dir());
    msgs.insert(msgs.end(), flows.begin(), flows.end());
    return msgs;
}

TEST(guard_page, padded_entry_point_reads_no_further_than_the_padding) {
    sip::message_view v;
    for (auto isa : testing::available_isas()) {
        const message_parser p({}, isa);
        for (const auto& m : all_messages()) {
            testing::guarded g(m.bytes, parser_padding);
            for (auto mode : {framing::datagram, framing::stream}) {
                const auto r = p.parse(g.view(), g.view().size() + parser_padding, v, mode);
                if (r.ok()) {
                    (void)extract_essentials(v);
                }
            }
        }
    }
    SUCCEED();
}

TEST(guard_page, unpadded_entry_point_reads_nothing_past_the_end) {
    sip::message_view v;
    for (auto isa : testing::available_isas()) {
        const message_parser p({}, isa);
        for (const auto& m : all_messages()) {
            testing::guarded g(m.bytes, 0);
            const auto r = p.parse_unpadded(g.view(), v);
            const auto ref = testing::parse_text(m.bytes, framing::datagram, isa);
            EXPECT_EQ(r.status, ref.result.status) << m.name;
            EXPECT_EQ(r.code, ref.result.code) << m.name;
        }
    }
}

TEST(guard_page, every_prefix_flush_against_the_guard) {
    sip::message_view v;
    const auto msgs = all_messages();
    for (auto isa : testing::available_isas()) {
        const message_parser p({}, isa);
        // A subset of messages keeps the run time modest; every length of each.
        for (std::size_t k = 0; k < msgs.size(); k += 7) {
            const std::string& s = msgs[k].bytes;
            for (std::size_t len = 0; len <= s.size(); ++len) {
                const std::string_view prefix(s.data(), len);
                {
                    testing::guarded g(prefix, 0);
                    (void)p.parse_unpadded(g.view(), v, framing::stream);
                    (void)p.parse_unpadded(g.view(), v, framing::datagram);
                }
                {
                    testing::guarded g(prefix, parser_padding);
                    (void)p.parse(g.view(), len + parser_padding, v, framing::stream);
                }
            }
        }
    }
    SUCCEED();
}

// The value parsers read only inside the value they are given, whatever follows it:
// URIs and From/To values (whose vector paths load texts under 16 bytes as
// overlapping words), every prefix and every suffix flush against the guard.
TEST(guard_page, uri_and_tag_parsers_read_nothing_past_the_value) {
    for (const std::string full :
         {"sip:alice@client.atlanta.example.com", "sips:ss2.biloxi.example.com",
          "Bob <sip:bob@example.com>;tag=b1", "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl",
          "<sip:b@h.co>;tag=1"}) {
        for (std::size_t len = 0; len <= full.size(); ++len) {
            for (const std::string_view text : {std::string_view(full).substr(0, len),
                                                std::string_view(full).substr(full.size() - len)}) {
                testing::guarded g(text, 0);
                uri u;
                (void)parse_uri(g.view(), u);
                std::string_view tag;
                bool has_tag = false;
                (void)parse_name_addr_tag(g.view(), tag, has_tag);
            }
        }
    }
    SUCCEED();
}

} // namespace
} // namespace sipedge::parser
