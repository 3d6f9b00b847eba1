#pragma once
// Digest credentials (Authorization, Proxy-Authorization) and challenges
// (WWW-Authenticate, Proxy-Authenticate), RFC 3261 25.1 / RFC 2617 / RFC 8760.
// Quoted values are returned without their quotes (escapes kept as written).
// Any scheme is accepted: for a non-Digest scheme the known fields stay empty
// and `params` holds the raw auth-params (RFC 4475 regaut01).

#include <cstdint>
#include <string_view>

#include "parser/parse_error.hh"

namespace sipedge::parser {

struct auth_params {
    std::string_view scheme; // "Digest"
    bool is_digest = false;
    std::string_view params; // raw, after the scheme
    // credentials and challenges
    std::string_view realm;
    std::string_view nonce;
    std::string_view opaque;
    std::string_view algorithm;
    std::string_view qop; // challenge: qop-options list; credentials: one qop
    // credentials
    std::string_view username;
    std::string_view uri;
    std::string_view response;
    std::string_view cnonce;
    std::string_view nc;
    // challenges
    std::string_view domain;
    bool stale = false;
};

value_result<auth_params> parse_credentials(std::string_view value);
value_result<auth_params> parse_challenge(std::string_view value);

} // namespace sipedge::parser
