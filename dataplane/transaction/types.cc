#include "dataplane/transaction/types.hh"

#include <array>
#include <cstdio>
#include <cstring>

namespace sipedge::txn {

std::string_view transport_name(transport t) {
    switch (t) {
    case transport::udp:
        return "UDP";
    case transport::tcp:
        return "TCP";
    case transport::tls:
        return "TLS";
    case transport::sctp:
        return "SCTP";
    }
    return "UDP";
}

bool parse_ipv4(std::string_view text, endpoint& out) {
    // Per octet: one to three digits (at most 255), then a dot or, after the
    // fourth, the end. Called per forwarded message (the next hop's address).
    const char* p = text.data();
    const char* const end = p + text.size();
    std::uint8_t parts[4];
    for (int part = 0; part < 4; ++part) {
        if (part != 0) {
            if (p == end || *p != '.') {
                return false;
            }
            ++p;
        }
        unsigned value = 0;
        const char* const first = p;
        while (p != end && p - first < 3) {
            const unsigned d = static_cast<unsigned char>(*p) - unsigned{'0'};
            if (d > 9) {
                break;
            }
            value = value * 10 + d;
            ++p;
        }
        if (p == first || value > 255) {
            return false;
        }
        parts[part] = static_cast<std::uint8_t>(value);
    }
    if (p != end) {
        return false;
    }
    // One 16-byte store (ipv4_wire): the copies of `out` that follow (the next hop
    // goes into an optional, then an outgoing message) read it whole, which byte
    // stores cannot forward to.
    const std::uint32_t network_order =
        static_cast<std::uint32_t>(parts[0]) | static_cast<std::uint32_t>(parts[1]) << 8 |
        static_cast<std::uint32_t>(parts[2]) << 16 | static_cast<std::uint32_t>(parts[3]) << 24;
    out = endpoint::ipv4_wire(network_order, out.port);
    return true;
}

namespace {

// "0" .. "255": the digits of each octet value and their count, for format_address.
struct octet_text {
    char digits[3];
    std::uint8_t length;
};
constexpr std::array<octet_text, 256> octet_texts = [] {
    std::array<octet_text, 256> t{};
    for (unsigned v = 0; v < 256; ++v) {
        octet_text& o = t[v];
        if (v >= 100) {
            o.digits[o.length++] = static_cast<char>('0' + v / 100);
        }
        if (v >= 10) {
            o.digits[o.length++] = static_cast<char>('0' + v / 10 % 10);
        }
        o.digits[o.length++] = static_cast<char>('0' + v % 10);
    }
    return t;
}();

} // namespace

std::size_t format_address(const endpoint& e, char* buf) {
    if (e.is_ipv4()) {
        // Per received request (received=): no printf on this path.
        // Each octet's three digit bytes and a dot are stored whole; the next octet
        // overwrites what is past its length (buf holds 48 bytes).
        std::size_t n = 0;
        for (std::size_t i = 12; i < 16; ++i) {
            const octet_text& o = octet_texts[e.addr[i]];
            std::memcpy(buf + n, o.digits, 3);
            n += o.length;
            buf[n++] = '.';
        }
        return n - 1;
    }
    std::size_t n = 0;
    buf[n++] = '[';
    for (int i = 0; i < 16; i += 2) {
        n += static_cast<std::size_t>(
            std::snprintf(buf + n, 48 - n, i ? ":%x" : "%x", (e.addr[i] << 8) | e.addr[i + 1]));
    }
    buf[n++] = ']';
    return n;
}

} // namespace sipedge::txn
