#include "bench/loadgen/digest_client.hh"

#include "parser/auth.hh"
#include "parser/params.hh"

#include <cstring>

namespace sipedge::loadgen {

namespace {

// qop-options is a quoted comma list ("auth,auth-int").
bool offers_auth(std::string_view qop_options) {
    while (!qop_options.empty()) {
        const std::size_t comma = qop_options.find(',');
        std::string_view item = qop_options.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
            item.remove_prefix(1);
        }
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
            item.remove_suffix(1);
        }
        if (parser::iequals(item, "auth")) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        qop_options.remove_prefix(comma + 1);
    }
    return false;
}

void copy_into(char* dst, std::uint8_t& length, std::string_view src) {
    std::memcpy(dst, src.data(), src.size());
    length = static_cast<std::uint8_t>(src.size());
}

} // namespace

challenge_outcome take_challenge(const sip::message_view& response, stored_challenge& out,
                                 bool& stale) {
    bool seen = false;
    for (const sip::header_ref h : response.headers(sip::header_id::www_authenticate)) {
        seen = true;
        const auto parsed = parser::parse_challenge(h.value);
        if (!parsed.ok() || !parsed.value().is_digest) {
            continue;
        }
        const parser::auth_params& c = parsed.value();
        ipc::digest::algorithm alg;
        if (c.algorithm.empty() || parser::iequals(c.algorithm, "MD5")) {
            alg = ipc::digest::algorithm::md5;
        } else if (parser::iequals(c.algorithm, "SHA-256")) {
            alg = ipc::digest::algorithm::sha256;
        } else {
            continue;
        }
        const bool qop_auth = !c.qop.empty() && offers_auth(c.qop);
        if ((!c.qop.empty() && !qop_auth) || c.nonce.empty() ||
            c.nonce.size() > stored_challenge::nonce_capacity ||
            c.realm.size() > stored_challenge::realm_capacity ||
            c.opaque.size() > stored_challenge::opaque_capacity) {
            continue;
        }
        if (!out.valid || out.alg != alg || c.realm != out.realm_view()) {
            out.ha1_valid = false;
        }
        copy_into(out.nonce, out.nonce_length, c.nonce);
        copy_into(out.realm, out.realm_length, c.realm);
        copy_into(out.opaque, out.opaque_length, c.opaque);
        out.alg = alg;
        out.qop_auth = qop_auth;
        out.valid = true;
        stale = c.stale;
        return challenge_outcome::taken;
    }
    return seen ? challenge_outcome::unusable : challenge_outcome::none;
}

void write_authorization(msg_writer& w, stored_challenge& c, std::string_view username,
                         std::string_view password, std::string_view method,
                         std::string_view uri, std::uint32_t nc, std::string_view cnonce) {
    if (!c.ha1_valid) {
        ipc::digest::ha1(c.alg, username, c.realm_view(), password, c.ha1);
        c.ha1_valid = true;
    }
    char nc_text[8];
    msg_writer(nc_text, sizeof nc_text).hex(nc, 8);
    const std::string_view qop = c.qop_auth ? "auth" : "";
    char response[64];
    const std::size_t n = ipc::digest::response(
        c.alg, {c.ha1, ipc::digest::size_of(c.alg)}, method, uri, c.nonce_view(),
        {nc_text, sizeof nc_text}, cnonce, qop, response);
    w.str("Authorization: Digest username=\"").str(username);
    w.str("\", realm=\"").str(c.realm_view());
    w.str("\", nonce=\"").str(c.nonce_view());
    w.str("\", uri=\"").str(uri);
    w.str("\", response=\"").str({response, n});
    w.str(c.alg == ipc::digest::algorithm::md5 ? "\", algorithm=MD5" : "\", algorithm=SHA-256");
    if (c.qop_auth) {
        w.str(", cnonce=\"").str(cnonce);
        w.str("\", qop=auth, nc=").str({nc_text, sizeof nc_text});
    }
    if (c.opaque_length != 0) {
        w.str(", opaque=\"").str(c.opaque_view()).str("\"");
    }
    w.str("\r\n");
}

} // namespace sipedge::loadgen
