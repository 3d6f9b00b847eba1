#pragma once
// One worker lcore's digest check for out-of-dialog requests from our users
// (RFC 3665 §3.2 F2), plugged into the proxy core as its request_authorizer.
// A request whose From host is one of our domains (not ACK, CANCEL or REGISTER —
// REGISTER is the registrar's) needs a Proxy-Authorization for that domain's
// realm: a nonce this dataplane minted (common/ipc/digest_check.hh, the secret of
// [control] nonce_secret), an HA1 from the credential table control publishes,
// a response that matches. Otherwise 407 with fresh challenges (stale=true when
// only the nonce's age failed); malformed credentials 400; a username other than
// the From user 403.
//
// Nonce-count replay: accepted (nonce, nc) pairs are remembered in a fixed table
// per lcore; a nonce must come with nc above the last seen, and a nonce not in
// the table (never seen, or pushed out by a newer one) only with nc=1 (otherwise
// stale=true, and the UA retries with a fresh nonce). Limits, stated plainly:
// requests are owned by Call-ID hash, so a replay with a changed Call-ID that
// lands on another lcore is not caught there; and a first use (nc=1) whose entry
// was pushed out can be replayed. Both only within the nonce's short lifetime
// ([auth] invite_nonce_lifetime, 30 s by default), and only for the same method
// and Request-URI the digest covers. With one worker lcore only the second holds.
//
// No allocation and no locks after construction; views into the credential
// snapshot are used within the call only.

#include "common/counters.hh"
#include "common/ipc/link.hh"
#include "dataplane/proxy/request_auth.hh"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sipedge::dataplane {

class invite_auth {
public:
    // nc table entries (power of two): a nonce is forgotten only when a newer one
    // takes its slot.
    static constexpr std::size_t nc_slots = 1u << 14;

    invite_auth(ipc::dataplane_link& link, std::uint16_t lcore, const proxy::auth_config& config,
                counter_block& counters);

    proxy::request_authorizer authorizer() { return {this, &invite_auth::check_thunk, &consumes_thunk}; }

    // The clock for nonces (seconds since the epoch), set a few times a second.
    void set_time(std::int64_t now_unix) { _now = now_unix; }

    void check(const sip::message_view& request, const parser::message_essentials& e,
               proxy::auth_decision& out);
    bool consumes(std::string_view credentials) const;

private:
    static void check_thunk(void* self, const sip::message_view& r,
                            const parser::message_essentials& e, proxy::auth_decision& out) {
        static_cast<invite_auth*>(self)->check(r, e, out);
    }
    static bool consumes_thunk(const void* self, std::string_view c) {
        return static_cast<const invite_auth*>(self)->consumes(c);
    }
    const proxy::auth_realm* realm_of_domain(std::string_view host) const;
    bool is_our_realm(std::string_view realm) const;
    void challenge(std::string_view realm, bool stale, proxy::auth_decision& out);
    // nc must be above the last one accepted for this nonce (see above); records it.
    bool accept_nc(std::string_view nonce, std::string_view nc_hex);

    struct nc_entry {
        std::uint64_t stamp = 0; // the nonce's timestamp and salt (its first 32 hex digits)
        std::uint64_t salt = 0;
        std::uint32_t nc = 0;
    };

    ipc::dataplane_link& _link;
    std::uint16_t _lcore;
    const proxy::auth_config& _config;
    counter_block& _counters;
    std::int64_t _now = 0;
    std::uint64_t _salt;
    // The 407's Proxy-Authenticate values, alive until the core has built it.
    std::array<std::array<char, 320>, 2> _challenge{};
    std::unique_ptr<nc_entry[]> _nc;
};

} // namespace sipedge::dataplane
