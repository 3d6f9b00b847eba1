#include "sip/value_list.hh"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
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

// The splitter as RFC 3261's #element reads, one byte at a time: the reference
// for the 16-byte scan in value_list.cc.
std::vector<std::string> split_reference(std::string_view v) {
    std::vector<std::string> out;
    while (!v.empty()) {
        bool quoted = false;
        int angle = 0;
        std::size_t i = 0;
        for (; i < v.size(); ++i) {
            const char c = v[i];
            if (quoted) {
                if (c == '\\' && i + 1 < v.size()) {
                    ++i;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '<') {
                ++angle;
            } else if (c == '>' && angle > 0) {
                --angle;
            } else if (c == ',' && angle == 0) {
                break;
            }
        }
        const std::string_view e = trim_lws(v.substr(0, i));
        if (!e.empty()) {
            out.emplace_back(e);
        }
        v = i < v.size() ? v.substr(i + 1) : std::string_view{};
    }
    return out;
}

// Every special byte (and pairs of them) at every position of values from 0 to 70
// bytes, so each lands in a 16-byte block, on a block edge and in the byte-wise
// tail. Each value is its own heap allocation of exactly its size: under ASan a
// read past the end fails the test.
TEST(value_list, vector_scan_agrees_with_the_bytewise_split_everywhere) {
    const std::string specials = "\",<>\\";
    std::size_t compared = 0;
    for (std::size_t n = 0; n <= 70; ++n) {
        for (std::size_t at = 0; at < n; ++at) {
            for (const char a : specials) {
                for (const char b : std::string(" ,\"") + specials) {
                    std::string v(n, 'x');
                    v[at] = a;
                    v[(at * 7 + 3) % n] = b;
                    auto exact = std::make_unique<char[]>(n);
                    std::memcpy(exact.get(), v.data(), n);
                    const std::string_view view(exact.get(), n);
                    ASSERT_EQ(split(view), split_reference(view)) << v;
                    ++compared;
                }
            }
        }
    }
    EXPECT_GT(compared, 10000u);
}

TEST(value_list, trim_lws) {
    EXPECT_EQ(trim_lws(" \t\r\n x y \r\n"), "x y");
    EXPECT_EQ(trim_lws("   "), "");
}

} // namespace
} // namespace sipedge::sip
