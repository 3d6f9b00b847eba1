#include "parser/auth.hh"

#include "parser/char_class.hh"
#include "parser/params.hh"

#include <cstring>

namespace sipedge::parser {

using namespace detail;

namespace {

// Past the closing quote of the quoted-string at s[i] == '"' (npos if unterminated),
// as skip_quoted, but a run without a backslash (nonces, digests: the usual case)
// is found with memchr rather than byte by byte.
std::size_t skip_quoted_value(std::string_view s, std::size_t i) {
    const char* const b = s.data() + i + 1;
    const std::size_t n = s.size() - i - 1;
    const auto* q = static_cast<const char*>(std::memchr(b, '"', n));
    if (q != nullptr && std::memchr(b, '\\', static_cast<std::size_t>(q - b)) == nullptr) {
        return static_cast<std::size_t>(q - s.data()) + 1;
    }
    return skip_quoted(s, i);
}

// auth-param *(COMMA auth-param), auth-param = token LWS "=" LWS (token / quoted).
// Calls fn(name, value-without-quotes).
template <typename Fn>
bool for_each_auth_param(std::string_view s, Fn&& fn) {
    std::size_t i = skip_lws(s, 0);
    if (i == s.size()) {
        return true;
    }
    while (true) {
        const std::size_t nb = i;
        i = skip_token(s, i);
        if (i == nb) {
            return false;
        }
        const std::string_view name = s.substr(nb, i - nb);
        i = skip_lws(s, i);
        if (i == s.size() || s[i] != '=') {
            return false;
        }
        i = skip_lws(s, i + 1);
        std::string_view value;
        if (i < s.size() && s[i] == '"') {
            const std::size_t e = skip_quoted_value(s, i);
            if (e == std::string_view::npos) {
                return false;
            }
            value = s.substr(i + 1, e - i - 2);
            i = e;
        } else {
            const std::size_t vb = i;
            // token, or token68-like values some peers send unquoted ("nc=00000001").
            while (i < s.size() && s[i] != ',' && !is_lws(s[i])) {
                ++i;
            }
            if (i == vb) {
                return false;
            }
            value = s.substr(vb, i - vb);
        }
        fn(name, value);
        i = skip_lws(s, i);
        if (i == s.size()) {
            return true;
        }
        if (s[i] != ',') {
            return false;
        }
        i = skip_lws(s, i + 1);
    }
}

value_result<auth_params> parse_auth(std::string_view value, bool challenge) {
    auth_params out;
    std::size_t i = skip_lws(value, 0);
    const std::size_t sb = i;
    i = skip_token(value, i);
    if (i == sb) {
        return value_error{parse_error_code::invalid_value, "missing auth scheme"};
    }
    out.scheme = value.substr(sb, i - sb);
    out.is_digest = iequal(out.scheme, "Digest");
    const std::size_t ws = i;
    i = skip_lws(value, i);
    if (i != value.size() && i == ws) {
        return value_error{parse_error_code::invalid_value, "auth scheme not followed by LWS"};
    }
    out.params = value.substr(i);
    while (!out.params.empty() && is_lws(out.params.back())) {
        out.params.remove_suffix(1);
    }
    const bool ok = for_each_auth_param(out.params, [&](std::string_view n, std::string_view v) {
        if (!out.is_digest) {
            return;
        }
        // By length first: one or two word compares per parameter, not a chain.
        switch (n.size()) {
        case 2:
            if (!challenge && iequal_letters(n, "nc")) {
                out.nc = v;
            }
            break;
        case 3:
            if (iequal_letters(n, "qop")) {
                out.qop = v;
            } else if (!challenge && iequal_letters(n, "uri")) {
                out.uri = v;
            }
            break;
        case 5:
            if (iequal_letters(n, "realm")) {
                out.realm = v;
            } else if (iequal_letters(n, "nonce")) {
                out.nonce = v;
            } else if (challenge && iequal_letters(n, "stale")) {
                out.stale = iequal(v, "true");
            }
            break;
        case 6:
            if (iequal_letters(n, "opaque")) {
                out.opaque = v;
            } else if (challenge && iequal_letters(n, "domain")) {
                out.domain = v;
            } else if (!challenge && iequal_letters(n, "cnonce")) {
                out.cnonce = v;
            }
            break;
        case 8:
            if (!challenge && iequal_letters(n, "username")) {
                out.username = v;
            } else if (!challenge && iequal_letters(n, "response")) {
                out.response = v;
            }
            break;
        case 9:
            if (iequal(n, "algorithm")) {
                out.algorithm = v;
            }
            break;
        default:
            break;
        }
    });
    if (!ok) {
        return value_error{parse_error_code::invalid_param, "malformed auth-param list"};
    }
    return out;
}

} // namespace

value_result<auth_params> parse_credentials(std::string_view value) {
    return parse_auth(value, false);
}

value_result<auth_params> parse_challenge(std::string_view value) {
    return parse_auth(value, true);
}

} // namespace sipedge::parser
