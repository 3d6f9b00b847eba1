#include "dataplane/invite_auth.hh"

#include "common/ipc/digest_check.hh"
#include "parser/auth.hh"
#include "parser/name_addr.hh"
#include "parser/params.hh"
#include "parser/uri.hh"
#include "sip/value_list.hh"

#include <cstdio>
#include <cstring>
#include <ctime>

namespace sipedge::dataplane {

namespace {

namespace digest = ipc::digest;

std::uint64_t load_be64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
        v = v << 8 | p[i];
    }
    return v;
}

// 8 hex digits (RFC 2617 nc-value); false otherwise.
bool parse_nc(std::string_view hex, std::uint32_t& out) {
    std::uint8_t b[4];
    if (hex.size() != 8 || !digest::from_hex(hex, b, sizeof b)) {
        return false;
    }
    out = static_cast<std::uint32_t>(b[0]) << 24 | static_cast<std::uint32_t>(b[1]) << 16 |
          static_cast<std::uint32_t>(b[2]) << 8 | b[3];
    return true;
}

} // namespace

invite_auth::invite_auth(ipc::dataplane_link& link, std::uint16_t lcore,
                         const proxy::auth_config& config, counter_block& counters)
    : _link(link), _lcore(lcore), _config(config), _counters(counters),
      _now(static_cast<std::int64_t>(std::time(nullptr))),
      _salt(0x9e3779b97f4a7c15ull * (lcore + 1u) ^ reinterpret_cast<std::uintptr_t>(this)),
      _nc(std::make_unique<nc_entry[]>(nc_slots)) {}

const proxy::auth_realm* invite_auth::realm_of_domain(std::string_view host) const {
    for (const proxy::auth_realm& r : _config.realms) {
        if (parser::iequals(host, r.domain)) {
            return &r;
        }
    }
    return nullptr;
}

bool invite_auth::is_our_realm(std::string_view realm) const {
    for (const proxy::auth_realm& r : _config.realms) {
        if (realm == r.realm) {
            return true;
        }
    }
    return false;
}

bool invite_auth::consumes(std::string_view credentials) const {
    const auto c = parser::parse_credentials(credentials);
    return c.ok() && c.value().is_digest && is_our_realm(c.value().realm);
}

void invite_auth::challenge(std::string_view realm, bool stale, proxy::auth_decision& out) {
    out.status = 407;
    out.extra_count = 0;
    char nonce[digest::nonce_length];
    _salt = _salt * 6364136223846793005ull + 1442695040888963407ull; // LCG: unique, not secret
    digest::mint_nonce(_config.nonce_secret, realm, _now, _salt, nonce);
    const std::string_view algorithms[] = {_config.offer_sha256 ? "SHA-256" : "",
                                           _config.offer_md5 ? "MD5" : ""};
    for (const std::string_view a : algorithms) {
        if (a.empty()) {
            continue;
        }
        std::array<char, 320>& buf = _challenge[out.extra_count];
        const int n = std::snprintf(
            buf.data(), buf.size(), "Digest realm=\"%.*s\", nonce=\"%.*s\", qop=\"auth\", algorithm=%.*s%s",
            static_cast<int>(realm.size()), realm.data(), static_cast<int>(sizeof nonce), nonce,
            static_cast<int>(a.size()), a.data(), stale ? ", stale=true" : "");
        if (n <= 0 || static_cast<std::size_t>(n) >= buf.size()) {
            continue; // a realm too long for the buffer: config checks prevent it
        }
        out.extra[out.extra_count++] = {"Proxy-Authenticate",
                                        {buf.data(), static_cast<std::size_t>(n)}};
    }
}

bool invite_auth::accept_nc(std::string_view nonce, std::string_view nc_hex) {
    std::uint32_t nc = 0;
    std::uint8_t raw[16];
    if (!parse_nc(nc_hex, nc) || nc == 0 || !digest::from_hex(nonce.substr(0, 32), raw, sizeof raw)) {
        return false;
    }
    const std::uint64_t stamp = load_be64(raw);
    const std::uint64_t salt = load_be64(raw + 8);
    nc_entry& e = _nc[(salt ^ stamp * 0x9e3779b97f4a7c15ull) >> 32 & (nc_slots - 1)];
    if (e.stamp == stamp && e.salt == salt) {
        if (nc <= e.nc) {
            return false;
        }
        e.nc = nc;
        return true;
    }
    if (nc != 1) {
        return false; // unknown here: never seen, or forgotten — see the header
    }
    e = {stamp, salt, nc};
    return true;
}

void invite_auth::check(const sip::message_view& request, const parser::message_essentials& e,
                        proxy::auth_decision& out) {
    using sip::sip_method;
    const sip_method m = request.method_id();
    if (!_config.invite || e.to_has_tag || m == sip_method::ack || m == sip_method::cancel ||
        m == sip_method::register_) {
        return;
    }
    parser::name_addr from;
    parser::uri from_uri;
    if (!parser::parse_name_addr(request.first_value(sip::header_id::from).value_or(""), from).ok() ||
        !parser::parse_uri(from.uri, from_uri).ok()) {
        return; // essentials accepted the From; a URI we cannot read is not our user's
    }
    const proxy::auth_realm* domain = realm_of_domain(from_uri.host);
    if (domain == nullptr) {
        return;
    }
    const std::string_view realm = domain->realm;

    // The Proxy-Authorization for our realm, if several proxies' are present.
    parser::auth_params c;
    bool found = false;
    for (const sip::header_ref h : request.headers(sip::header_id::proxy_authorization)) {
        const auto parsed = parser::parse_credentials(h.value);
        if (!parsed.ok()) {
            if (parser::iequals(sip::trim_lws(h.value).substr(0, 6), "Digest")) {
                out.status = 400;
                _counters.add(counter_id::auth_refused);
                return;
            }
            continue; // another scheme: not ours to judge
        }
        if (parsed.value().is_digest && parsed.value().realm == realm) {
            c = parsed.value();
            found = true;
            break;
        }
    }
    if (!found) {
        _counters.add(counter_id::auth_challenged);
        challenge(realm, false, out);
        return;
    }
    if (c.username.empty() || c.nonce.empty() || c.response.empty() || c.uri.empty() ||
        (!c.qop.empty() && (c.nc.empty() || c.cnonce.empty()))) {
        _counters.add(counter_id::auth_refused);
        out.status = 400;
        return;
    }
    if (c.uri != request.request_uri()) {
        _counters.add(counter_id::auth_refused);
        out.status = 400;
        return;
    }
    if (c.username != from_uri.user) {
        _counters.add(counter_id::auth_refused);
        out.status = 403;
        return;
    }
    digest::algorithm a;
    if (c.algorithm.empty() || parser::iequals(c.algorithm, "MD5")) {
        a = digest::algorithm::md5;
    } else if (parser::iequals(c.algorithm, "SHA-256")) {
        a = digest::algorithm::sha256;
    } else {
        _counters.add(counter_id::auth_failed);
        challenge(realm, false, out);
        return;
    }
    if (!c.qop.empty() && c.qop != "auth") {
        _counters.add(counter_id::auth_failed);
        challenge(realm, false, out);
        return;
    }
    switch (digest::check_nonce(_config.nonce_secret, realm, c.nonce, _now,
                                _config.nonce_lifetime)) {
    case digest::nonce_state::valid:
        break;
    case digest::nonce_state::stale:
        _counters.add(counter_id::auth_stale);
        challenge(realm, true, out);
        return;
    case digest::nonce_state::invalid:
        _counters.add(counter_id::auth_failed);
        challenge(realm, false, out);
        return;
    }
    const ipc::credential_record* cred = _link.find_credential(_lcore, c.username, realm);
    if (cred == nullptr || !digest::verify(a, *cred, request.method(), c.uri, c.nonce, c.nc,
                                           c.cnonce, c.qop, c.response)) {
        _counters.add(counter_id::auth_failed);
        challenge(realm, false, out);
        return;
    }
    // Only a correct response may advance the nonce-count (no one can burn it).
    if (!c.qop.empty() && !accept_nc(c.nonce, c.nc)) {
        _counters.add(counter_id::auth_replay);
        challenge(realm, true, out);
        return;
    }
    _counters.add(counter_id::auth_ok);
}

} // namespace sipedge::dataplane
