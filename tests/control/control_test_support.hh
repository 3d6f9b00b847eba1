#pragma once
// Helpers for the control tests and the registrar benchmark: parsed messages that
// own their bytes, a REGISTER writer, a digest client, and response inspection.

#include "control/auth/digest.hh"
#include "parser/auth.hh"
#include "parser/message_parser.hh"
#include "sip/message_view.hh"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::control::testing {

// A message_view over bytes it owns (the view is large: keep it on the heap).
struct parsed {
    std::string bytes;
    std::unique_ptr<sip::message_view> view = std::make_unique<sip::message_view>();
    bool ok = false;
};

inline std::unique_ptr<parsed> parse(std::string text) {
    auto p = std::make_unique<parsed>();
    p->bytes = std::move(text);
    static const parser::message_parser mp;
    p->ok = mp.parse_unpadded(p->bytes, *p->view).ok();
    return p;
}

struct register_spec {
    std::string user = "bob";
    std::string domain = "biloxi.example.com";
    std::string request_uri = "sip:biloxi.example.com";
    std::string call_id = "1j9FpLxk3uxtm8tn@biloxi.example.com";
    unsigned cseq = 1;
    std::vector<std::string> contacts = {"<sip:bob@192.0.2.4>"};
    std::optional<unsigned> expires;
    std::vector<std::string> extra_headers; // full lines without CRLF
    std::string authorization;              // header value, empty for none
};

inline std::string register_text(const register_spec& s) {
    std::string m = "REGISTER " + s.request_uri + " SIP/2.0\r\n";
    m += "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK" + std::to_string(s.cseq) + "x\r\n";
    m += "Max-Forwards: 70\r\n";
    m += "From: <sip:" + s.user + "@" + s.domain + ">;tag=fromtag\r\n";
    m += "To: <sip:" + s.user + "@" + s.domain + ">\r\n";
    m += "Call-ID: " + s.call_id + "\r\n";
    m += "CSeq: " + std::to_string(s.cseq) + " REGISTER\r\n";
    for (const std::string& c : s.contacts) {
        m += "Contact: " + c + "\r\n";
    }
    if (s.expires) {
        m += "Expires: " + std::to_string(*s.expires) + "\r\n";
    }
    for (const std::string& h : s.extra_headers) {
        m += h + "\r\n";
    }
    if (!s.authorization.empty()) {
        m += "Authorization: " + s.authorization + "\r\n";
    }
    m += "Content-Length: 0\r\n\r\n";
    return m;
}

struct digest_client {
    std::string user = "bob";
    std::string realm = "biloxi.example.com";
    std::string password = "zanzibar";
    auth::digest_algorithm algorithm = auth::digest_algorithm::md5;
    bool qop = true;
    unsigned nc = 1;
    std::string cnonce = "0a4f113b";

    // Authorization value for method/uri with this nonce (nc as given).
    std::string authorization(std::string_view method, std::string_view uri,
                              std::string_view nonce) const {
        auth::hasher h;
        const auth::stored_credential c = auth::compute_credential(h, user, realm, password);
        char ncs[9];
        std::snprintf(ncs, sizeof ncs, "%08x", nc);
        const std::string resp =
            auth::client_response(h, algorithm, c.ha1(algorithm), method, uri, nonce,
                                  qop ? ncs : "", qop ? cnonce : "", qop ? "auth" : "");
        std::string v = "Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" +
                        std::string(nonce) + "\", uri=\"" + std::string(uri) + "\", response=\"" +
                        resp + "\", algorithm=" + std::string(auth::algorithm_name(algorithm));
        if (qop) {
            v += ", qop=auth, nc=" + std::string(ncs) + ", cnonce=\"" + cnonce + "\"";
        }
        return v;
    }
};

// Every value of a header in a response (each line one value; lists not split).
inline std::vector<std::string> header_values(std::string_view response, std::string_view name) {
    std::vector<std::string> out;
    auto p = parse(std::string(response));
    if (!p->ok) {
        return out;
    }
    for (std::size_t i = 0; i < p->view->header_count(); ++i) {
        const sip::header_ref h = p->view->header(i);
        if (h.name.size() == name.size() &&
            std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            out.emplace_back(h.value);
        }
    }
    return out;
}

inline int status_of(std::string_view response) {
    if (response.size() < 12 || response.substr(0, 8) != "SIP/2.0 ") {
        return -1;
    }
    return std::stoi(std::string(response.substr(8, 3)));
}

// The nonce of the first challenge with this algorithm ("" when none).
inline std::string challenge_nonce(std::string_view response, std::string_view algorithm,
                                   bool* stale = nullptr) {
    for (const std::string& v : header_values(response, "WWW-Authenticate")) {
        const auto c = parser::parse_challenge(v);
        if (c.ok() && c.value().algorithm == algorithm) {
            if (stale != nullptr) {
                *stale = c.value().stale;
            }
            return std::string(c.value().nonce);
        }
    }
    return {};
}

} // namespace sipedge::control::testing
