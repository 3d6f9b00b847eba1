#include "parser/auth.hh"

#include "parser/char_class.hh"
#include "parser/params.hh"

namespace sipedge::parser {

using namespace detail;

namespace {

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
            const std::size_t e = skip_quoted(s, i);
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
        if (iequal(n, "realm")) {
            out.realm = v;
        } else if (iequal(n, "nonce")) {
            out.nonce = v;
        } else if (iequal(n, "opaque")) {
            out.opaque = v;
        } else if (iequal(n, "algorithm")) {
            out.algorithm = v;
        } else if (iequal(n, "qop")) {
            out.qop = v;
        } else if (challenge && iequal(n, "domain")) {
            out.domain = v;
        } else if (challenge && iequal(n, "stale")) {
            out.stale = iequal(v, "true");
        } else if (!challenge && iequal(n, "username")) {
            out.username = v;
        } else if (!challenge && iequal(n, "uri")) {
            out.uri = v;
        } else if (!challenge && iequal(n, "response")) {
            out.response = v;
        } else if (!challenge && iequal(n, "cnonce")) {
            out.cnonce = v;
        } else if (!challenge && iequal(n, "nc")) {
            out.nc = v;
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
