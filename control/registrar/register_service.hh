#pragma once
// A REGISTER from the dataplane to its response, sans-IO (RFC 3261 §10.3 with
// digest authentication, RFC 3665 §2): domain check, digest check, the binding
// update (registrar.hh) and the response bytes, written with the parser's
// response builder into a caller buffer.
//
// Answers:
//   200  bindings updated or listed; every current binding as a Contact with its
//        remaining expires, Path echoed (RFC 3327), Date
//   400  malformed request, credentials or Contact; uri= differs from Request-URI
//   401  no / bad / stale (stale=true) / replayed credentials, unknown user, wrong
//        password: a fresh challenge per offered algorithm (SHA-256 first, RFC 8760)
//   403  To is not in one of our domains ("Domain Not Served"), the authenticated
//        user is not the AOR's user, or too many contacts
//   423  expiry below min_expires, with Min-Expires
//   500  out-of-order CSeq for an existing binding
// Anything but 200 leaves the bindings untouched.

#include "control/auth/credential_store.hh"
#include "control/auth/digest.hh"
#include "control/registrar/registrar.hh"
#include "parser/response_builder.hh"
#include "sip/message_view.hh"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::control::registrar {

struct served_domain {
    std::string name;  // host part of AORs, compared without case
    std::string realm; // digest realm; the domain name when empty
};

struct service_settings {
    std::vector<served_domain> domains;
    bool require_auth = true;
    // Challenges offered, most preferred first.
    std::vector<auth::digest_algorithm> algorithms = {auth::digest_algorithm::sha256,
                                                      auth::digest_algorithm::md5};
};

struct register_result {
    std::size_t length = 0;      // response bytes written into the caller's buffer
    std::uint16_t status = 0;    // 0: not a REGISTER (not handled), or no room for the response
    bool changed = false;        // bindings of `aor` changed: persist
    bool routes_changed = false; // ...and what the dataplane routes on: publish now
    std::string_view aor;        // valid until the next handle() of the same service
    auth::verdict verdict = auth::verdict::missing;
};

class register_service {
public:
    register_service(registrar& reg, const auth::credential_store& users,
                     auth::nonce_manager& nonces, service_settings settings);

    register_result handle(const sip::message_view& req, const register_context& ctx, char* out,
                           std::size_t capacity);

    const service_settings& settings() const { return _settings; }
    void set_settings(service_settings s) { _settings = std::move(s); }
    // The domain entry for a host, or null.
    const served_domain* find_domain(std::string_view host) const;

private:
    register_result respond(const sip::message_view& req, register_result r, std::string_view aor,
                            const served_domain* domain, std::uint16_t status,
                            std::string_view reason, bool stale, std::uint32_t min_expires,
                            const register_context& ctx, char* out, std::size_t capacity,
                            std::span<const binding> listed = {});

    registrar& _registrar;
    const auth::credential_store& _users;
    auth::nonce_manager& _nonces;
    service_settings _settings;
    // Reused from request to request (no allocation once grown).
    std::vector<std::string> _scratch_values; // header values
    std::vector<parser::extra_header> _extra; // the response's added headers
    std::string _aor;
};

} // namespace sipedge::control::registrar
