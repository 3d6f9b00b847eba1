#include "dataplane/transaction/types.hh"

#include <cstdio>

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
    const std::uint16_t port = out.port;
    out = endpoint::ipv4(static_cast<std::uint8_t>(parts[0]), static_cast<std::uint8_t>(parts[1]),
                         static_cast<std::uint8_t>(parts[2]), static_cast<std::uint8_t>(parts[3]),
                         port);
    return true;
}

std::size_t format_address(const endpoint& e, char* buf) {
    if (e.is_ipv4()) {
        // Per received request (received=): no printf on this path.
        std::size_t n = 0;
        for (int i = 12; i < 16; ++i) {
            const unsigned v = e.addr[static_cast<std::size_t>(i)];
            if (v >= 100) {
                buf[n++] = static_cast<char>('0' + v / 100);
            }
            if (v >= 10) {
                buf[n++] = static_cast<char>('0' + v / 10 % 10);
            }
            buf[n++] = static_cast<char>('0' + v % 10);
            if (i < 15) {
                buf[n++] = '.';
            }
        }
        return n;
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
