#include "dataplane/config_view.hh"

#include <arpa/inet.h>

namespace sipedge::dataplane {

namespace {

std::string text_of(const txn::endpoint& e) {
    char buf[48];
    const std::size_t n = txn::format_address(e, buf);
    return std::string(buf, n) + ":" + std::to_string(e.port);
}

} // namespace

void config_view::set_tables(const options& o) {
    std::lock_guard lock(_mutex);
    _s.file = o.config_path;
    _s.domains = o.proxy.domains;
    _s.routes.clear();
    for (const proxy::static_route& r : o.proxy.routes) {
        _s.routes.push_back(r.domain + " " + text_of(r.next_hop));
    }
    _s.hosts.clear();
    for (const proxy::static_host& h : o.proxy.hosts) {
        _s.hosts.push_back(h.name + " " + text_of(h.address));
    }
}

void config_view::set_reload(bool ok, std::string error, std::vector<std::string> applied,
                             std::vector<std::string> restart) {
    std::lock_guard lock(_mutex);
    ++_s.reload_generation;
    _s.reload_ok = ok;
    _s.reload_error = std::move(error);
    _s.applied = std::move(applied);
    _s.restart = std::move(restart);
}

config_snapshot config_view::get() const {
    std::lock_guard lock(_mutex);
    return _s;
}

} // namespace sipedge::dataplane
