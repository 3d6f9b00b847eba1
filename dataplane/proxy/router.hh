#pragma once
// Address decisions of the proxy core: whether a URI names this proxy (§16.4),
// whether a domain is ours (§16.5), and where a URI's request goes (a next hop
// address and transport) without DNS: IP literals, configured host names and
// static routes. Built once from proxy_config; lookups do not allocate.

#include "dataplane/proxy/proxy_config.hh"
#include "dataplane/transaction/types.hh"
#include "parser/uri.hh"

#include <optional>
#include <string_view>

namespace sipedge::proxy {

struct next_hop {
    txn::endpoint destination;
    txn::transport tp = txn::transport::udp;
};

class router {
public:
    explicit router(const proxy_config& config) : _config(config) {}

    // The URI's host is our host or an alias (case-insensitive) and its port is
    // ours (absent = 5060, or 5061 for sips).
    bool is_us(const parser::uri& u) const;
    // The host is one of our domains (or is us).
    bool owns_domain(std::string_view host) const;
    // Where a request for this URI is sent; nullopt when it cannot be resolved.
    std::optional<next_hop> resolve(const parser::uri& u) const;
    // Transport named by the URI (transport= parameter; sips means TLS).
    static txn::transport uri_transport(const parser::uri& u);

private:
    const proxy_config& _config;
};

} // namespace sipedge::proxy
