#pragma once
// SIP status codes: classes and default reason phrases (RFC 3261 section 21 and the
// extensions the proxy emits).

#include <cstdint>
#include <string_view>

namespace sipedge::sip {

namespace status {
inline constexpr std::uint16_t trying = 100;
inline constexpr std::uint16_t ringing = 180;
inline constexpr std::uint16_t ok = 200;
inline constexpr std::uint16_t bad_request = 400;
inline constexpr std::uint16_t unauthorized = 401;
inline constexpr std::uint16_t forbidden = 403;
inline constexpr std::uint16_t not_found = 404;
inline constexpr std::uint16_t method_not_allowed = 405;
inline constexpr std::uint16_t proxy_authentication_required = 407;
inline constexpr std::uint16_t request_timeout = 408;
inline constexpr std::uint16_t unsupported_media_type = 415;
inline constexpr std::uint16_t unsupported_uri_scheme = 416;
inline constexpr std::uint16_t bad_extension = 420;
inline constexpr std::uint16_t extension_required = 421;
inline constexpr std::uint16_t session_interval_too_small = 422;
inline constexpr std::uint16_t interval_too_brief = 423;
inline constexpr std::uint16_t temporarily_unavailable = 480;
inline constexpr std::uint16_t call_does_not_exist = 481;
inline constexpr std::uint16_t loop_detected = 482;
inline constexpr std::uint16_t too_many_hops = 483;
inline constexpr std::uint16_t busy_here = 486;
inline constexpr std::uint16_t request_terminated = 487;
inline constexpr std::uint16_t server_internal_error = 500;
inline constexpr std::uint16_t not_implemented = 501;
inline constexpr std::uint16_t service_unavailable = 503;
inline constexpr std::uint16_t server_timeout = 504;
inline constexpr std::uint16_t version_not_supported = 505;
inline constexpr std::uint16_t message_too_large = 513;
inline constexpr std::uint16_t decline = 603;
} // namespace status

// 1 for 1xx ... 6 for 6xx; 0 outside 100..699.
constexpr int status_class(std::uint16_t code) {
    return code >= 100 && code <= 699 ? code / 100 : 0;
}

// Default reason phrase for a code; for an unknown code, the class's phrase
// ("Unknown" outside 100..699). Never empty.
std::string_view default_reason(std::uint16_t code);

} // namespace sipedge::sip
