#include "sip/value_list.hh"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipedge::sip {
namespace {

std::vector<std::string> split(std::string_view v) {
    std::vector<std::string> out;
    value_list_cursor c(v);
    std::string_view e;
    while (c.next(e)) {
        out.emplace_back(e);
    }
    return out;
}

TEST(value_list, splits_outside_quotes_and_brackets) {
    EXPECT_EQ(split("a, b ,c"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(split("\"Doe, J\" <sip:a@b>, <sip:c@d;x=\",\">"),
              (std::vector<std::string>{"\"Doe, J\" <sip:a@b>", "<sip:c@d;x=\",\">"}));
    EXPECT_EQ(split("<sip:a,b@c>;q=1, x"), (std::vector<std::string>{"<sip:a,b@c>;q=1", "x"}));
    EXPECT_EQ(split("\"a\\\",b\", c"), (std::vector<std::string>{"\"a\\\",b\"", "c"}));
}

TEST(value_list, skips_empty_elements_and_folding) {
    EXPECT_EQ(split(" ,, a,\r\n b ,"), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(split("").empty());
    EXPECT_TRUE(split(" , ").empty());
}

TEST(value_list, unterminated_quote_ends_at_value_end) {
    EXPECT_EQ(split("\"abc, d"), (std::vector<std::string>{"\"abc, d"}));
}

TEST(value_list, trim_lws) {
    EXPECT_EQ(trim_lws(" \t\r\n x y \r\n"), "x y");
    EXPECT_EQ(trim_lws("   "), "");
}

} // namespace
} // namespace sipedge::sip
