#include "common/result.hh"

#include <gtest/gtest.h>
#include <memory>
#include <string>

namespace sipedge {
namespace {

enum class test_error { bad, worse };

result<int, test_error> parse_digit(char c) {
    if (c < '0' || c > '9') {
        return error{test_error::bad, "not a digit"};
    }
    return c - '0';
}

TEST(result, carries_value) {
    auto r = parse_digit('7');
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), 7);
    EXPECT_EQ(r.value_or(-1), 7);
}

TEST(result, carries_error_code_and_message) {
    auto r = parse_digit('x');
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error_code(), test_error::bad);
    EXPECT_STREQ(r.message(), "not a digit");
    EXPECT_EQ(r.value_or(-1), -1);
}

TEST(result, owns_non_trivial_values_without_leaking) {
    // Under ASan a missed destructor shows up as a leak.
    result<std::unique_ptr<std::string>, test_error> r = std::make_unique<std::string>("abc");
    ASSERT_TRUE(r.ok());
    auto moved = std::move(r);
    EXPECT_EQ(*moved.value(), "abc");
    result<std::string, test_error> s = std::string(100, 'x');
    result<std::string, test_error> t = error{test_error::worse, "w"};
    t = s;
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.value().size(), 100u);
    s = error{test_error::worse, "w"};
    EXPECT_EQ(s.error_code(), test_error::worse);
}

TEST(status, success_and_failure) {
    status<test_error> ok;
    EXPECT_TRUE(ok.ok());
    status<test_error> bad = error{test_error::worse, "worse"};
    EXPECT_FALSE(bad);
    EXPECT_EQ(bad.error_code(), test_error::worse);
    EXPECT_STREQ(bad.message(), "worse");
}

} // namespace
} // namespace sipedge
