// Endpoint text: dotted quads round-trip through parse_ipv4 and format_address;
// IPv6 addresses print bracketed.

#include "dataplane/transaction/types.hh"

#include <cstring>
#include <gtest/gtest.h>
#include <string>

namespace sipedge::txn {
namespace {

std::string text(const endpoint& e) {
    char buf[48];
    return std::string(buf, format_address(e, buf));
}

// The receive path's constructor (address in network byte order, one store) gives
// the same endpoint as the byte-wise one, for a spread of addresses.
TEST(endpoint_text, ipv4_wire_equals_ipv4) {
    for (const std::uint32_t host : {0x00000000u, 0xc6336401u, 0xcb007101u, 0x7f000001u,
                                     0xffffffffu, 0x01020304u, 0x80000000u}) {
        const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(host >> 24),
                                       static_cast<std::uint8_t>(host >> 16),
                                       static_cast<std::uint8_t>(host >> 8),
                                       static_cast<std::uint8_t>(host)};
        std::uint32_t as_sent;
        std::memcpy(&as_sent, bytes, sizeof as_sent); // network byte order in memory
        EXPECT_EQ(endpoint::ipv4_wire(as_sent, 5060), endpoint::ipv4(host, 5060)) << host;
        EXPECT_TRUE(endpoint::ipv4_wire(as_sent, 1).is_ipv4());
    }
}

TEST(endpoint_text, ipv4_round_trips) {
    for (const char* a : {"0.0.0.0", "255.255.255.255", "10.0.100.9", "192.0.2.10", "1.20.199.5"}) {
        endpoint e;
        ASSERT_TRUE(parse_ipv4(a, e)) << a;
        EXPECT_EQ(text(e), a);
    }
    EXPECT_EQ(text(endpoint::ipv4(198, 51, 100, 1, 5060)), "198.51.100.1");
    endpoint e;
    EXPECT_FALSE(parse_ipv4("256.1.1.1", e));
    EXPECT_FALSE(parse_ipv4("1.2.3", e));
    EXPECT_FALSE(parse_ipv4("example.com", e));
}

TEST(endpoint_text, ipv6_is_bracketed) {
    endpoint e;
    e.addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    EXPECT_EQ(text(e), "[2001:db8:0:0:0:0:0:1]");
}

} // namespace
} // namespace sipedge::txn
