#include "parser/via.hh"

#include <cstring>

#include "common/compiler.hh"
#include "parser/byte_vec.hh"
#include "parser/char_class.hh"
#include "parser/params.hh"

namespace sipedge::parser {

using namespace detail;

namespace {

via_transport transport_of(std::string_view t) {
    switch (t.size()) {
    case 2:
        return iequal_letters(t, "WS") ? via_transport::ws : via_transport::other;
    case 3:
        if (iequal_letters(t, "UDP")) {
            return via_transport::udp;
        }
        if (iequal_letters(t, "TCP")) {
            return via_transport::tcp;
        }
        if (iequal_letters(t, "TLS")) {
            return via_transport::tls;
        }
        return iequal_letters(t, "WSS") ? via_transport::wss : via_transport::other;
    case 4:
        return iequal_letters(t, "SCTP") ? via_transport::sctp : via_transport::other;
    default:
        return via_transport::other;
    }
}

// Whole 1*DIGIT value <= max.
bool whole_decimal(std::string_view v, std::uint64_t max, std::uint64_t& n) {
    bool overflow = false;
    return parse_decimal(v, 0, max, n, overflow) == v.size() && !overflow;
}

// What take_param fills, as when the Via has no parameters.
void reset_params(via& out) {
    out.branch = {};
    out.has_branch = false;
    out.received = {};
    out.has_rport = false;
    out.rport = -1;
    out.maddr = {};
    out.ttl = -1;
    out.params = {};
}

// The parameters a Via reader needs (RFC 3261 18.2.1, RFC 3581); the others are
// kept in via::params only.
SIPEDGE_ALWAYS_INLINE sipedge::status<parse_error_code> take_param(const param& pr, via& out) {
    // Dispatch on the name's length first: most parameters compare nothing.
    switch (pr.name.size()) {
    case 3:
        if (iequal_letters(pr.name, "ttl")) {
            std::uint64_t v = 0;
            if (!pr.has_value || !whole_decimal(pr.value, 255, v)) {
                return value_error{parse_error_code::invalid_param, "malformed ttl"};
            }
            out.ttl = static_cast<std::int32_t>(v);
        }
        break;
    case 5:
        if (iequal_letters(pr.name, "rport")) {
            out.has_rport = true;
            if (pr.has_value) {
                std::uint64_t v = 0;
                if (!whole_decimal(pr.value, 65535, v)) {
                    return value_error{parse_error_code::invalid_param, "malformed rport"};
                }
                out.rport = static_cast<std::int32_t>(v);
            }
        } else if (iequal_letters(pr.name, "maddr")) {
            if (!pr.has_value) {
                return value_error{parse_error_code::invalid_param, "maddr without a value"};
            }
            out.maddr = pr.value;
        }
        break;
    case 6:
        if (iequal_letters(pr.name, "branch")) {
            if (!pr.has_value) {
                return value_error{parse_error_code::invalid_param, "branch without a value"};
            }
            out.branch = pr.value;
            out.has_branch = true;
        }
        break;
    case 8:
        if (iequal_letters(pr.name, "received")) {
            if (!pr.has_value) {
                return value_error{parse_error_code::invalid_param,
                                   "received without a value"};
            }
            out.received = pr.value;
        }
        break;
    default:
        break;
    }
    return {};
}

// One Via element. list_mode: `element` is a whole header value and the element
// may end at a ',' after the sent-by or after a parameter; IPv6 references are
// refused (the caller then splits the list the general way).
sipedge::status<parse_error_code> via_core(std::string_view element, via& out, bool list_mode);

} // namespace

value_result<via> parse_via(std::string_view element) {
    via out;
    const auto s = parse_via(element, out);
    if (!s) {
        return value_error{s.error_code(), s.message()};
    }
    return out;
}

sipedge::status<parse_error_code> parse_via(std::string_view element, via& out) {
    return via_core(element, out, false);
}

bool parse_via_head_usual(std::string_view value, via& out) {
    const char* p = value.data();
    const std::size_t n = value.size();
    // A header value is trimmed; one that is not goes the general way, which keeps
    // trailing LWS in via::params.
    if (n < 13 || std::memcmp(p, "SIP/2.0/", 8) != 0 || is_lws(p[n - 1])) {
        return false;
    }
    // The usual transports, as written by nearly every peer ("UDP ", "TCP ", "TLS "),
    // from one word: no token loop, no name compare. Anything else: both.
    std::size_t i = 8;
    const auto t = load_word<std::uint32_t>(p + 8);
    via_transport transport = via_transport::other;
    if (t == literal_word<std::uint32_t>("UDP ", 0)) {
        transport = via_transport::udp;
    } else if (t == literal_word<std::uint32_t>("TCP ", 0)) {
        transport = via_transport::tcp;
    } else if (t == literal_word<std::uint32_t>("TLS ", 0)) {
        transport = via_transport::tls;
    }
    if (transport != via_transport::other) {
        i = 11;
    } else {
        while (i < n && is_token_char(p[i])) {
            ++i;
        }
    }
    // One SP, then the host (an IPv6 reference or more LWS: via_core).
    if (i == 8 || i + 1 >= n || p[i] != ' ' || is_lws(p[i + 1]) || p[i + 1] == '[') {
        return false;
    }
    out.protocol_name = std::string_view(p, 3);
    out.protocol_version = std::string_view(p + 4, 3);
    out.transport_text = std::string_view(p + 8, i - 8);
    out.transport =
        transport != via_transport::other ? transport : transport_of(out.transport_text);
    const std::size_t hb = i + 1;
    i = skip_host(p, hb, n);
    if (i == hb) {
        return false;
    }
    out.host = std::string_view(p + hb, i - hb);
    out.host_is_ipv6 = false;
    out.port = 0;
    if (i < n && p[i] == ':') {
        // 1 to 5 digits, 1..65535 (more digits, leading zeros and all: via_core).
        const std::size_t pb = ++i;
        std::uint32_t port = 0;
        // The usual 5060 from one word (then the loop below sees no digit, as it
        // would after these four).
        if (n - i >= 4 && load_word<std::uint32_t>(p + i) == literal_word<std::uint32_t>("5060", 0)) {
            port = 5060;
            i += 4;
        }
        // 5060 and no digit after it: nothing more to check.
        if (port != 5060 || (i < n && is_digit(p[i]))) {
            while (i < n && is_digit(p[i]) && i - pb < 5) {
                port = port * 10 + static_cast<std::uint32_t>(p[i] - '0');
                ++i;
            }
            if (i == pb || port == 0 || port > 65535 || (i < n && is_digit(p[i]))) {
                return false;
            }
        }
        out.port = static_cast<std::uint16_t>(port);
    }
    reset_params(out);
    if (i == n || p[i] == ',') {
        return true;
    }
    if (p[i] != ';') {
        return false;
    }
    const std::size_t params_begin = i + 1;
    // Most often ";branch=" (the name in either case) first: one word and the value
    // scan, then the cursor from where it would have gone on (the next ';', the
    // ',' or the end past LWS). Anything else: the cursor from the start.
    if (n - i >= 8) {
        constexpr auto care = literal_word<std::uint64_t>("\xff\xdf\xdf\xdf\xdf\xdf\xdf\xff", 0);
        if (((load_word<std::uint64_t>(p + i) ^ literal_word<std::uint64_t>(";branch=", 0)) &
             care) == 0) {
            const std::size_t value = i + 8;
            const std::size_t end = find_pvalue_end(p, value, n);
            if (end != value) {
                out.branch = std::string_view(p + value, end - value);
                out.has_branch = true;
                if (end == n) {
                    // The branch was the last parameter (the usual Via): what the
                    // cursor below would find from the end, without it.
                    out.params = std::string_view(p + params_begin, n - params_begin);
                    return true;
                }
                i = end;
                while (i < n && is_lws(p[i])) {
                    ++i;
                }
                if (i < n && p[i] != ';' && p[i] != ',') {
                    return false;
                }
            }
        }
    }
    simple_param_cursor c(p, i, n, true);
    param pr;
    while (c.next(pr)) {
        if (!take_param(pr, out).ok()) {
            return false;
        }
    }
    if (c.unusual()) {
        return false;
    }
    // Ended at the end, or at a ',': the params stop before it and its LWS, as in
    // via_core.
    std::size_t end = c.position();
    while (end < n && end > params_begin && is_lws(p[end - 1])) {
        --end;
    }
    out.params = std::string_view(p + params_begin, end - params_begin);
    return true;
}

bool parse_via_list_head_general(std::string_view value, via& out) {
    return via_core(value, out, true).ok();
}

namespace {

sipedge::status<parse_error_code> via_core(std::string_view element, via& out, bool list_mode) {
    const std::string_view s = element;
    const char* p = s.data();
    const std::size_t n = s.size();
    out.transport = via_transport::other;
    out.host_is_ipv6 = false;
    out.port = 0;
    reset_params(out);
    // sent-protocol = protocol-name SLASH protocol-version SLASH transport, where
    // SLASH = SWS "/" SWS.
    std::size_t i = 0;
    // The usual "SIP/2.0/" with no LWS around the slashes: one compare; the loop
    // below takes the other forms.
    const bool usual = n > 8 && std::memcmp(p, "SIP/2.0/", 8) == 0 && is_token_char(p[8]);
    if (usual) {
        out.protocol_name = std::string_view(p, 3);
        out.protocol_version = std::string_view(p + 4, 3);
        i = skip_token(s, 8);
        out.transport_text = std::string_view(p + 8, i - 8);
    }
    std::string_view* parts[3] = {&out.protocol_name, &out.protocol_version, &out.transport_text};
    for (int k = 0; k < 3 && !usual; ++k) {
        if (k == 0) {
            i = skip_lws(s, 0);
        } else {
            i = skip_lws(s, i);
            if (i == n || p[i] != '/') {
                return value_error{parse_error_code::invalid_value, "Via sent-protocol lacks '/'"};
            }
            i = skip_lws(s, i + 1);
        }
        const std::size_t b = i;
        i = skip_token(s, i);
        if (i == b) {
            return value_error{parse_error_code::invalid_value, "Via sent-protocol token missing"};
        }
        *parts[k] = std::string_view(p + b, i - b);
    }
    out.transport = transport_of(out.transport_text);
    const std::size_t before_host = i;
    i = skip_lws(s, i);
    if (i == before_host || i == n) {
        return value_error{parse_error_code::invalid_host, "Via has no sent-by"};
    }
    // sent-by = host [ COLON port ]
    const std::size_t hb = i;
    if (p[i] == '[') {
        if (list_mode) {
            return value_error{parse_error_code::invalid_host, "IPv6 sent-by in list mode"};
        }
        const std::size_t close = s.find(']', i);
        if (close == std::string_view::npos) {
            return value_error{parse_error_code::invalid_host, "unterminated IPv6 reference"};
        }
        i = close + 1;
        out.host_is_ipv6 = true;
    } else {
        i = skip_host(p, i, n);
    }
    if (i == hb) {
        return value_error{parse_error_code::invalid_host, "Via sent-by host missing"};
    }
    out.host = std::string_view(p + hb, i - hb);
    i = skip_lws(s, i);
    if (i < n && p[i] == ':') {
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
    if (i == n || (list_mode && p[i] == ',')) {
        return {};
    }
    if (p[i] != ';') {
        return value_error{parse_error_code::trailing_garbage, "text after Via sent-by"};
    }
    out.params = std::string_view(p + i + 1, n - i - 1);
    const std::size_t params_begin = i + 1;
    // From the ';' so that ";;x" fails.
    param_cursor c(std::string_view(p + i, n - i), list_mode);
    param pr;
    while (c.next(pr)) {
        if (auto r = take_param(pr, out); !r) {
            return r;
        }
    }
    if (c.failed()) {
        return value_error{parse_error_code::invalid_param, "malformed Via parameter"};
    }
    if (list_mode && !c.rest().empty()) {
        // Ended at a ',': the element's params stop before it and its LWS.
        std::size_t end = static_cast<std::size_t>(c.rest().data() - p);
        while (end > params_begin && is_lws(p[end - 1])) {
            --end;
        }
        out.params = std::string_view(p + params_begin, end - params_begin);
    }
    return {};
}

} // namespace

} // namespace sipedge::parser
