#include "sip/header_id.hh"

#include <gtest/gtest.h>

#include <string>

namespace sipedge::sip {
namespace {

TEST(header_id, every_full_name_round_trips_in_any_case) {
    for (std::size_t i = 1; i < header_id_count; ++i) {
        const auto id = static_cast<header_id>(i);
        const std::string name(header_name(id));
        EXPECT_EQ(lookup_header_id(name), id) << name;
        std::string lower = name, upper = name;
        for (char& c : lower) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        for (char& c : upper) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        EXPECT_EQ(lookup_header_id(lower), id) << lower;
        EXPECT_EQ(lookup_header_id(upper), id) << upper;
    }
}

// The lookup compares words and ignores only the case bit of letters: a byte that
// differs from a non-letter by that same bit (e.g. CR for '-') must not match, and
// every single-byte change elsewhere must not either.
TEST(header_id, only_letter_case_is_ignored) {
    for (std::size_t i = 1; i < header_id_count; ++i) {
        const auto id = static_cast<header_id>(i);
        const std::string name(header_name(id));
        for (std::size_t k = 0; k < name.size(); ++k) {
            std::string flipped = name;
            flipped[k] = static_cast<char>(flipped[k] ^ 0x20);
            const bool letter = std::isalpha(static_cast<unsigned char>(name[k])) != 0;
            EXPECT_EQ(lookup_header_id(flipped), letter ? id : header_id::unknown)
                << name << " byte " << k;
            std::string other = name;
            other[k] = static_cast<char>(other[k] ^ 0x01);
            EXPECT_NE(lookup_header_id(other), id) << name << " byte " << k;
        }
    }
}

TEST(header_id, compact_forms) {
    const std::pair<const char*, header_id> compact[] = {
        {"v", header_id::via},          {"i", header_id::call_id},
        {"f", header_id::from},         {"t", header_id::to},
        {"m", header_id::contact},      {"l", header_id::content_length},
        {"c", header_id::content_type}, {"k", header_id::supported},
        {"s", header_id::subject},      {"e", header_id::content_encoding},
        {"o", header_id::event},        {"r", header_id::refer_to},
        {"u", header_id::allow_events}, {"x", header_id::session_expires},
        {"b", header_id::referred_by},  {"V", header_id::via},
        {"L", header_id::content_length},
    };
    for (const auto& [name, id] : compact) {
        EXPECT_EQ(lookup_header_id(name), id) << name;
    }
    EXPECT_EQ(lookup_header_id("z"), header_id::unknown);
}

TEST(header_id, unknown_and_near_misses) {
    EXPECT_EQ(lookup_header_id(""), header_id::unknown);
    EXPECT_EQ(lookup_header_id("Vias"), header_id::unknown);
    EXPECT_EQ(lookup_header_id("Call_ID"), header_id::unknown);
    EXPECT_EQ(lookup_header_id("C%6Fntact"), header_id::unknown);
    EXPECT_EQ(lookup_header_id("X-Custom"), header_id::unknown);
    EXPECT_EQ(lookup_header_id("\xff\xfe"), header_id::unknown);
    EXPECT_EQ(lookup_header_id("Min-SE"), header_id::min_se);
    EXPECT_EQ(lookup_header_id("session-expires"), header_id::session_expires);
}

TEST(header_id, list_grammar_flags) {
    EXPECT_TRUE(is_multi_value(header_id::via));
    EXPECT_TRUE(is_multi_value(header_id::route));
    EXPECT_TRUE(is_multi_value(header_id::supported));
    EXPECT_FALSE(is_multi_value(header_id::date));
    EXPECT_FALSE(is_multi_value(header_id::www_authenticate));
    EXPECT_FALSE(is_multi_value(header_id::from));
}

} // namespace
} // namespace sipedge::sip
