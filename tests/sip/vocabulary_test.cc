#include <gtest/gtest.h>

#include "sip/method.hh"
#include "sip/status_code.hh"

namespace sipedge::sip {
namespace {

TEST(method, lookup_is_exact_and_case_sensitive) {
    for (std::size_t i = 1; i < static_cast<std::size_t>(sip_method::count_); ++i) {
        const auto m = static_cast<sip_method>(i);
        EXPECT_EQ(lookup_method(method_name(m)), m) << method_name(m);
    }
    EXPECT_EQ(lookup_method("invite"), sip_method::extension);
    EXPECT_EQ(lookup_method("INVITEX"), sip_method::extension);
    EXPECT_EQ(lookup_method(""), sip_method::extension);
    EXPECT_EQ(lookup_method("RE%47IST%45R"), sip_method::extension);
    EXPECT_EQ(method_name(sip_method::extension), "");
}

TEST(status_code, classes_and_reasons) {
    EXPECT_EQ(status_class(100), 1);
    EXPECT_EQ(status_class(699), 6);
    EXPECT_EQ(status_class(700), 0);
    EXPECT_EQ(status_class(99), 0);
    EXPECT_EQ(default_reason(483), "Too Many Hops");
    EXPECT_EQ(default_reason(422), "Session Interval Too Small");
    EXPECT_EQ(default_reason(499), "Client Error");
    EXPECT_EQ(default_reason(42), "Unknown");
}

} // namespace
} // namespace sipedge::sip
