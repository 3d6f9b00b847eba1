// Endpoint text: dotted quads round-trip through parse_ipv4 and format_address;
// IPv6 addresses print bracketed.

#include "dataplane/transaction/types.hh"

#include <cstdio>
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <vector>

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
        const std::uint8_t bytes[4] = {
            static_cast<std::uint8_t>(host >> 24), static_cast<std::uint8_t>(host >> 16),
            static_cast<std::uint8_t>(host >> 8), static_cast<std::uint8_t>(host)};
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

// The byte-wise reader parse_ipv4 replaced: what it accepts and the address it
// gives are the contract (leading zeros allowed, at most three digits an octet).
bool reference_parse_ipv4(std::string_view text, endpoint& out) {
    std::uint32_t parts[4];
    int part = 0;
    std::uint32_t value = 0;
    int digits = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '.') {
            if (digits == 0 || value > 255 || part == 4) {
                return false;
            }
            parts[part++] = value;
            value = 0;
            digits = 0;
            continue;
        }
        const char c = text[i];
        if (c < '0' || c > '9' || digits == 3) {
            return false;
        }
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
        ++digits;
    }
    if (part != 4) {
        return false;
    }
    out = endpoint::ipv4(static_cast<std::uint8_t>(parts[0]), static_cast<std::uint8_t>(parts[1]),
                         static_cast<std::uint8_t>(parts[2]), static_cast<std::uint8_t>(parts[3]),
                         out.port);
    return true;
}

TEST(endpoint_text, parse_ipv4_accepts_exactly_what_the_bytewise_reader_did) {
    std::vector<std::string> inputs = {
        "",           ".",         "1.2.3.4",   "1.2.3.4.",  ".1.2.3.4", "1..3.4",    "01.002.3.4",
        "0001.2.3.4", "1.2.3.256", "1.2.3.255", "1.2.3.4 ",  " 1.2.3.4", "1.2.3.4:5", "1.2.3.-4",
        "1.2.3.4a",   "999.1.1.1", "1.2.3",     "1.2.3.4.5", "a.b.c.d",  "1.2.3./"};
    // Every byte at every position of a few addresses.
    for (const std::string base : {"192.0.2.10", "1.2.3.4", "255.255.255.255"}) {
        for (std::size_t i = 0; i <= base.size(); ++i) {
            for (int c = 0; c < 256; ++c) {
                std::string t = base;
                if (i == base.size()) {
                    t.push_back(static_cast<char>(c));
                } else {
                    t[i] = static_cast<char>(c);
                }
                inputs.push_back(t);
            }
            inputs.push_back(base.substr(0, i));
        }
    }
    for (const std::string& t : inputs) {
        endpoint got;
        got.port = 77;
        endpoint want = got;
        ASSERT_EQ(parse_ipv4(t, got), reference_parse_ipv4(t, want)) << t;
        EXPECT_EQ(got, want) << t;
    }
}

TEST(endpoint_text, every_octet_value_formats_like_printf_in_every_position) {
    for (unsigned v = 0; v < 256; ++v) {
        for (int pos = 0; pos < 4; ++pos) {
            std::uint8_t o[4] = {9, 99, 199, 0};
            o[pos] = static_cast<std::uint8_t>(v);
            char want[32];
            std::snprintf(want, sizeof(want), "%u.%u.%u.%u", o[0], o[1], o[2], o[3]);
            EXPECT_EQ(text(endpoint::ipv4(o[0], o[1], o[2], o[3], 1)), want);
        }
    }
}

TEST(endpoint_text, ipv6_is_bracketed) {
    endpoint e;
    e.addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    EXPECT_EQ(text(e), "[2001:db8:0:0:0:0:0:1]");
}

} // namespace
} // namespace sipedge::txn
