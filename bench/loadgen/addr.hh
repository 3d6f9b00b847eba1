#pragma once
// IPv4 text <-> host-order numbers, for options, reports and SIP header values.

#include <cstdint>
#include <string>
#include <string_view>

namespace sipedge::loadgen {

// A dotted quad ("198.51.100.1") to host byte order; false for anything else
// (a host name, a fifth part, a part above 255).
inline bool parse_ipv4(std::string_view s, std::uint32_t& out) {
    std::uint32_t ip = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (s.empty() || s.front() != '.') {
                return false;
            }
            s.remove_prefix(1);
        }
        std::uint32_t v = 0;
        std::size_t digits = 0;
        while (!s.empty() && s.front() >= '0' && s.front() <= '9' && digits < 3) {
            v = v * 10 + static_cast<std::uint32_t>(s.front() - '0');
            s.remove_prefix(1);
            ++digits;
        }
        if (digits == 0 || v > 255) {
            return false;
        }
        ip = ip << 8 | v;
    }
    if (!s.empty()) {
        return false;
    }
    out = ip;
    return true;
}

inline std::string format_ipv4(std::uint32_t ip) {
    return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xff) + "." +
           std::to_string((ip >> 8) & 0xff) + "." + std::to_string(ip & 0xff);
}

inline std::string format_endpoint(std::uint32_t ip, std::uint16_t port) {
    return format_ipv4(ip) + ":" + std::to_string(port);
}

} // namespace sipedge::loadgen
