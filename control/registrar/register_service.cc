#include "control/registrar/register_service.hh"

#include "common/ipc/flat_table.hh"
#include "parser/auth.hh"
#include "parser/params.hh"
#include "parser/response_builder.hh"
#include "sip/value_list.hh"

#include <cstring>
#include <ctime>

namespace sipedge::control::registrar {

namespace {

using sip::header_id;

// A To-tag that is the same for retransmissions of one request.
void make_to_tag(const sip::message_view& req, char* out) {
    const std::string_view call_id = req.first_value(header_id::call_id).value_or("");
    const std::string_view cseq = req.first_value(header_id::cseq).value_or("");
    const std::uint32_t h = ipc::hash_key2(call_id, cseq);
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; ++i) {
        out[i] = hex[(h >> (28 - 4 * i)) & 15];
    }
}

// RFC 1123 date of `now`, formatted once per second (every 200 carries it; strftime
// cost more than the rest of the response). One control thread calls it.
std::size_t format_date(std::int64_t now, char* out, std::size_t cap) {
    static std::int64_t cached_at = -1;
    static char cached[64];
    static std::size_t cached_len = 0;
    if (now != cached_at) {
        const std::time_t t = static_cast<std::time_t>(now);
        std::tm tm{};
        gmtime_r(&t, &tm);
        cached_len = std::strftime(cached, sizeof cached, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached_at = now;
    }
    if (cached_len > cap) {
        return 0;
    }
    std::memcpy(out, cached, cached_len);
    return cached_len;
}

// The user part of "user@host".
std::string_view user_of(std::string_view aor) {
    return aor.substr(0, aor.find('@'));
}

} // namespace

register_service::register_service(registrar& reg, const auth::credential_store& users,
                                   auth::nonce_manager& nonces, service_settings settings)
    : _registrar(reg), _users(users), _nonces(nonces), _settings(std::move(settings)) {}

const served_domain* register_service::find_domain(std::string_view host) const {
    for (const served_domain& d : _settings.domains) {
        if (parser::iequals(d.name, host)) {
            return &d;
        }
    }
    return nullptr;
}

register_result register_service::handle(const sip::message_view& req, const register_context& ctx,
                                         char* out, std::size_t capacity) {
    register_result r;
    if (!req.is_request() || req.method_id() != sip::sip_method::register_) {
        return r;
    }
    std::string_view host;
    aor_of(req.first_value(header_id::to).value_or(""), _aor, &host);
    const std::string_view aor = _aor;
    if (aor.empty()) {
        return respond(req, r, aor, nullptr, 400, "Bad To Header", false, 0, ctx, out, capacity);
    }
    const served_domain* domain = find_domain(host);
    if (domain == nullptr) {
        return respond(req, r, aor, nullptr, 403, "Domain Not Served", false, 0, ctx, out,
                       capacity);
    }
    const std::string_view realm = domain->realm.empty() ? domain->name : domain->realm;

    if (_settings.require_auth) {
        // The Authorization for our realm, if the client sent several (§22.4).
        auth::verdict v = auth::verdict::missing;
        for (const sip::header_ref h : req.headers(header_id::authorization)) {
            const auto creds = parser::parse_credentials(h.value);
            if (!creds.ok()) {
                // Other schemes (Basic's token68) are not ours to judge.
                const std::string_view t = sip::trim_lws(h.value);
                if (parser::iequals(t.substr(0, 6), "Digest")) {
                    v = auth::verdict::malformed;
                    break;
                }
                continue;
            }
            if (!creds.value().is_digest || creds.value().realm != realm) {
                continue;
            }
            v = auth::verify_digest(_nonces, creds.value(), req.method(), req.request_uri(), realm,
                                    _users.lookup(), ctx.now);
            if (v == auth::verdict::ok && creds.value().username != user_of(aor)) {
                r.verdict = v;
                return respond(req, r, aor, domain, 403, "Username Does Not Match AOR", false, 0,
                               ctx, out, capacity);
            }
            break;
        }
        r.verdict = v;
        switch (v) {
        case auth::verdict::ok:
            break;
        case auth::verdict::malformed:
            return respond(req, r, aor, domain, 400, "Malformed Credentials", false, 0, ctx, out,
                           capacity);
        case auth::verdict::wrong_uri:
            return respond(req, r, aor, domain, 400, "Digest URI Mismatch", false, 0, ctx, out,
                           capacity);
        default:
            return respond(req, r, aor, domain, 401, "", v == auth::verdict::stale_nonce, 0, ctx,
                           out, capacity);
        }
    } else {
        r.verdict = auth::verdict::ok;
    }

    const register_outcome o = _registrar.apply(aor, req, ctx);
    r.changed = o.changed;
    r.routes_changed = o.routes_changed;
    return respond(req, r, aor, domain, o.status, o.reason, false, o.min_expires, ctx, out,
                   capacity, o.bindings);
}

register_result register_service::respond(const sip::message_view& req, register_result r,
                                          std::string_view aor, const served_domain* domain,
                                          std::uint16_t status, std::string_view reason, bool stale,
                                          std::uint32_t min_expires, const register_context& ctx,
                                          char* out, std::size_t capacity,
                                          std::span<const binding> listed) {
    r.aor = aor;
    r.status = status;
    std::vector<parser::extra_header>& extra = _extra;
    extra.clear();
    std::size_t used = 0;
    auto value = [&]() -> std::string& {
        if (used == _scratch_values.size()) {
            _scratch_values.emplace_back();
        }
        std::string& s = _scratch_values[used++];
        s.clear();
        return s;
    };
    if (status == 200) {
        // The 200 lists what apply() left (listed): no second lookup of the AOR.
        for (const binding& b : listed) {
            if (b.expires_at <= ctx.now) {
                continue;
            }
            std::string& v = value();
            v += '<';
            v += b.uri;
            v += '>';
            if (!b.params.empty()) {
                v += ';';
                v += b.params;
            }
            if (b.q != 1000) {
                char q[16];
                std::snprintf(q, sizeof q, ";q=%d.%03d", b.q / 1000, b.q % 1000);
                v += q;
            }
            v += ";expires=";
            v += std::to_string(b.expires_at - ctx.now);
            extra.push_back({"Contact", v});
        }
        for (const sip::header_ref h : req.headers(header_id::path)) {
            extra.push_back({"Path", h.value});
        }
        std::string& d = value();
        d.resize(64);
        d.resize(format_date(ctx.now, d.data(), d.size()));
        extra.push_back({"Date", d});
    } else if (status == 401 && domain != nullptr) {
        const std::string_view realm = domain->realm.empty() ? domain->name : domain->realm;
        for (const auth::digest_algorithm a : _settings.algorithms) {
            char nonce[auth::nonce_manager::nonce_length];
            _nonces.issue(ctx.now, realm, nonce);
            std::string& v = value();
            v.resize(realm.size() + 160);
            v.resize(
                auth::write_challenge(v.data(), v.size(), realm, {nonce, sizeof nonce}, a, stale));
            extra.push_back({"WWW-Authenticate", v});
        }
    } else if (status == 423) {
        std::string& v = value();
        v = std::to_string(min_expires);
        extra.push_back({"Min-Expires", v});
    }
    char tag[8];
    make_to_tag(req, tag);
    const auto w =
        parser::build_response(req, status, reason, {tag, sizeof tag}, extra, out, capacity);
    if (!w.ok()) {
        r.status = 0;
        return r;
    }
    r.length = w.value();
    return r;
}

} // namespace sipedge::control::registrar
