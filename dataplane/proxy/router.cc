#include "dataplane/proxy/router.hh"

#include "parser/params.hh"

namespace sipedge::proxy {

namespace {

std::uint16_t default_port(const parser::uri& u) {
    return u.scheme == parser::uri_scheme::sips ? 5061 : 5060;
}

bool host_suffix(std::string_view host, std::string_view suffix) {
    if (suffix.starts_with('.')) {
        return host.size() > suffix.size() &&
               parser::iequals(host.substr(host.size() - suffix.size()), suffix);
    }
    return parser::iequals(host, suffix);
}

} // namespace

txn::transport router::uri_transport(const parser::uri& u) {
    const parser::param p = parser::find_param(u.params, "transport");
    if (!p.name.empty()) {
        if (parser::iequals(p.value, "tcp")) {
            return txn::transport::tcp;
        }
        if (parser::iequals(p.value, "tls")) {
            return txn::transport::tls;
        }
        if (parser::iequals(p.value, "sctp")) {
            return txn::transport::sctp;
        }
    }
    return u.scheme == parser::uri_scheme::sips ? txn::transport::tls : txn::transport::udp;
}

bool router::is_us(const parser::uri& u) const {
    const std::uint16_t port = u.port != 0 ? u.port : default_port(u);
    if (port != _config.port) {
        return false;
    }
    if (parser::iequals(u.host, _config.host)) {
        return true;
    }
    for (const std::string& alias : _config.aliases) {
        if (parser::iequals(u.host, alias)) {
            return true;
        }
    }
    return false;
}

bool router::owns_domain(std::string_view host) const {
    for (const std::string& d : _config.domains) {
        if (host_suffix(host, d)) {
            return true;
        }
    }
    if (parser::iequals(host, _config.host)) {
        return true;
    }
    for (const std::string& alias : _config.aliases) {
        if (parser::iequals(host, alias)) {
            return true;
        }
    }
    return false;
}

std::optional<next_hop> router::resolve(const parser::uri& u) const {
    if (u.scheme != parser::uri_scheme::sip && u.scheme != parser::uri_scheme::sips) {
        return std::nullopt;
    }
    // §16.6 step 6 / RFC 3263: maddr wins over the host.
    std::string_view host = u.host;
    const parser::param maddr = parser::find_param(u.params, "maddr");
    if (!maddr.name.empty() && !maddr.value.empty()) {
        host = maddr.value;
    }
    const std::uint16_t port = u.port != 0 ? u.port : default_port(u);
    next_hop hop;
    hop.tp = uri_transport(u);
    hop.destination.port = port;
    if (txn::parse_ipv4(host, hop.destination)) {
        return hop;
    }
    for (const static_host& h : _config.hosts) {
        if (parser::iequals(host, h.name)) {
            hop.destination = h.address;
            if (hop.destination.port == 0) {
                hop.destination.port = port;
            }
            return hop;
        }
    }
    for (const static_route& r : _config.routes) {
        if (host_suffix(host, r.domain)) {
            hop.destination = r.next_hop;
            hop.tp = r.tp;
            return hop;
        }
    }
    return std::nullopt;
}

} // namespace sipedge::proxy
