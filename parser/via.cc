#include "parser/via.hh"

#include "parser/char_class.hh"
#include "parser/params.hh"

namespace sipedge::parser {

using namespace detail;

namespace {

via_transport transport_of(std::string_view t) {
    if (iequal(t, "UDP")) {
        return via_transport::udp;
    }
    if (iequal(t, "TCP")) {
        return via_transport::tcp;
    }
    if (iequal(t, "TLS")) {
        return via_transport::tls;
    }
    if (iequal(t, "SCTP")) {
        return via_transport::sctp;
    }
    if (iequal(t, "WS")) {
        return via_transport::ws;
    }
    if (iequal(t, "WSS")) {
        return via_transport::wss;
    }
    return via_transport::other;
}

} // namespace

value_result<via> parse_via(std::string_view element) {
    via out;
    const std::string_view s = element;
    // sent-protocol = protocol-name SLASH protocol-version SLASH transport, where
    // SLASH = SWS "/" SWS.
    std::size_t i = skip_lws(s, 0);
    std::string_view* parts[3] = {&out.protocol_name, &out.protocol_version, &out.transport_text};
    for (int k = 0; k < 3; ++k) {
        if (k > 0) {
            i = skip_lws(s, i);
            if (i == s.size() || s[i] != '/') {
                return value_error{parse_error_code::invalid_value, "Via sent-protocol lacks '/'"};
            }
            i = skip_lws(s, i + 1);
        }
        const std::size_t b = i;
        i = skip_token(s, i);
        if (i == b) {
            return value_error{parse_error_code::invalid_value, "Via sent-protocol token missing"};
        }
        *parts[k] = s.substr(b, i - b);
    }
    out.transport = transport_of(out.transport_text);
    const std::size_t before_host = i;
    i = skip_lws(s, i);
    if (i == before_host || i == s.size()) {
        return value_error{parse_error_code::invalid_host, "Via has no sent-by"};
    }
    // sent-by = host [ COLON port ]
    const std::size_t hb = i;
    if (s[i] == '[') {
        const std::size_t close = s.find(']', i);
        if (close == std::string_view::npos) {
            return value_error{parse_error_code::invalid_host, "unterminated IPv6 reference"};
        }
        i = close + 1;
        out.host_is_ipv6 = true;
    } else {
        while (i < s.size() && (has_class(s[i], cc_alpha | cc_digit) || s[i] == '-' ||
                                s[i] == '.' || s[i] == '_')) {
            ++i;
        }
    }
    if (i == hb) {
        return value_error{parse_error_code::invalid_host, "Via sent-by host missing"};
    }
    out.host = s.substr(hb, i - hb);
    i = skip_lws(s, i);
    if (i < s.size() && s[i] == ':') {
        i = skip_lws(s, i + 1);
        std::uint64_t port = 0;
        bool overflow = false;
        const std::size_t pb = i;
        i = parse_decimal(s, i, 65535, port, overflow);
        if (i == pb || overflow || port == 0) {
            return value_error{parse_error_code::invalid_port, "malformed Via port"};
        }
        out.port = static_cast<std::uint16_t>(port);
        i = skip_lws(s, i);
    }
    if (i == s.size()) {
        return out;
    }
    if (s[i] != ';') {
        return value_error{parse_error_code::trailing_garbage, "text after Via sent-by"};
    }
    out.params = s.substr(i + 1);
    param_cursor c(s.substr(i)); // from the ';' so that ";;x" fails
    param p;
    while (c.next(p)) {
        if (iequal(p.name, "branch")) {
            if (!p.has_value) {
                return value_error{parse_error_code::invalid_param, "branch without a value"};
            }
            out.branch = p.value;
            out.has_branch = true;
        } else if (iequal(p.name, "received")) {
            if (!p.has_value) {
                return value_error{parse_error_code::invalid_param, "received without a value"};
            }
            out.received = p.value;
        } else if (iequal(p.name, "rport")) {
            out.has_rport = true;
            if (p.has_value) {
                std::uint64_t n = 0;
                bool overflow = false;
                if (parse_decimal(p.value, 0, 65535, n, overflow) != p.value.size() || overflow) {
                    return value_error{parse_error_code::invalid_param, "malformed rport"};
                }
                out.rport = static_cast<std::int32_t>(n);
            }
        } else if (iequal(p.name, "maddr")) {
            if (!p.has_value) {
                return value_error{parse_error_code::invalid_param, "maddr without a value"};
            }
            out.maddr = p.value;
        } else if (iequal(p.name, "ttl")) {
            std::uint64_t n = 0;
            bool overflow = false;
            if (!p.has_value || parse_decimal(p.value, 0, 255, n, overflow) != p.value.size() ||
                overflow) {
                return value_error{parse_error_code::invalid_param, "malformed ttl"};
            }
            out.ttl = static_cast<std::int32_t>(n);
        }
    }
    if (c.failed()) {
        return value_error{parse_error_code::invalid_param, "malformed Via parameter"};
    }
    return out;
}

} // namespace sipedge::parser
