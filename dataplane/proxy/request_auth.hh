#pragma once
// The proxy core's hook for authorising out-of-dialog requests (RFC 3261 §22.3,
// RFC 3665 §3.2 F2: 407 for INVITEs from our users). The core asks once per new
// request, after the §16.3 checks, and answers locally when told to; when it
// forwards, it drops the Proxy-Authorization values the authoriser consumed
// (credentials for this proxy's realms are not passed on). A function-pointer
// pair like location_lookup: the checker lives outside the sans-IO core.

#include "parser/essentials.hh"
#include "parser/response_builder.hh"
#include "sip/message_view.hh"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::proxy {

struct auth_decision {
    // 0: forward; otherwise answer with this status (407, 403, 400) and `extra`.
    std::uint16_t status = 0;
    std::array<parser::extra_header, 2> extra{};
    std::uint8_t extra_count = 0;
};

struct request_authorizer {
    void* context = nullptr;
    void (*check)(void* context, const sip::message_view& request,
                  const parser::message_essentials& e, auth_decision& out) = nullptr;
    // A Proxy-Authorization value meant for this proxy (removed when forwarding).
    bool (*consumes)(const void* context, std::string_view credentials) = nullptr;

    explicit operator bool() const { return check != nullptr; }
};

// Settings of the dataplane's digest check (the one TOML file's [auth],
// [control] and [[domains]] tables; see config/sipedge.example.toml).
struct auth_realm {
    std::string domain; // From host that makes a request "from our user"
    std::string realm;  // digest realm (default: domain)
};

struct auth_config {
    // Challenge out-of-dialog requests from our users (control's default too).
    bool invite = true;
    // Shared with control's nonce format; absent in the file: random per start
    // (INVITE nonces are minted and checked by the dataplane only).
    std::string nonce_secret;
    // Seconds an INVITE nonce is accepted: short, because nonce-counts are only
    // tracked per lcore (see dataplane/invite_auth.hh).
    std::uint32_t nonce_lifetime = 30;
    std::vector<auth_realm> realms;
    bool offer_sha256 = true; // challenges offered: SHA-256 first, then MD5
    bool offer_md5 = true;
};

} // namespace sipedge::proxy
