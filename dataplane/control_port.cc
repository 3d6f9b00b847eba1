#include "dataplane/control_port.hh"

#include <algorithm>
#include <cstring>
#include <ctime>

namespace sipedge::dataplane {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20); // host names: letters, digits, '.', '-'
           });
}

} // namespace

std::string_view register_domain(std::string_view bytes) {
    constexpr std::string_view method = "REGISTER ";
    if (bytes.substr(0, method.size()) != method) {
        return {};
    }
    std::string_view uri = bytes.substr(method.size());
    uri = uri.substr(0, uri.find_first_of(" \r\n"));
    std::size_t colon = uri.find(':');
    if (colon == std::string_view::npos) {
        return {};
    }
    std::string_view rest = uri.substr(colon + 1);
    if (const std::size_t at = rest.find('@'); at != std::string_view::npos) {
        rest = rest.substr(at + 1);
    }
    return rest.substr(0, rest.find_first_of(":;?>"));
}

txn::endpoint control_port::to_txn(const ipc::endpoint& e) {
    txn::endpoint t;
    t.addr = e.addr;
    t.port = e.port;
    return t;
}

ipc::endpoint control_port::to_ipc(const txn::endpoint& e) {
    ipc::endpoint i;
    i.addr = e.addr;
    i.port = e.port;
    return i;
}

control_port::control_port(ipc::dataplane_link& link, std::uint16_t lcore,
                           proxy::location_lookup fallback, std::span<const std::string> domains,
                           counter_block& counters)
    : _link(link), _lcore(lcore), _fallback(fallback), _domains(domains.begin(), domains.end()),
      _counters(counters) {}

void control_port::begin_pass() {
    _link.quiescent(_lcore);
    _now_unix = static_cast<std::int64_t>(std::time(nullptr)); // vDSO: no system call
}

bool control_port::ours(std::string_view host) const {
    for (const std::string& d : _domains) {
        if (iequals(host, d)) {
            return true;
        }
    }
    return false;
}

control_port::handoff control_port::take_register(std::string_view bytes,
                                                   const txn::endpoint& source,
                                                   const txn::endpoint& local) {
    const std::string_view domain = register_domain(bytes);
    if (domain.empty() || !ours(domain)) {
        return handoff::not_ours;
    }
    ipc::message_meta meta;
    meta.source = to_ipc(source);
    meta.destination = to_ipc(local);
    switch (_link.push_to_control(_lcore, bytes, meta)) {
    case ipc::push_result::ok:
        _counters.add(counter_id::sip_to_control);
        break;
    case ipc::push_result::full:
        return handoff::busy;
    case ipc::push_result::too_large:
        return handoff::too_large;
    }
    return handoff::taken;
}

std::span<const proxy::contact_binding> control_port::thunk(const void* self_ptr,
                                                            std::string_view aor) {
    const auto* self = static_cast<const control_port*>(self_ptr);
    const std::span<const ipc::contact_view> found =
        self->_link.lookup(self->_lcore, aor, self->_now_unix);
    if (found.empty()) {
        return self->_fallback(aor);
    }
    const std::size_t n = std::min(found.size(), self->_bindings.size());
    for (std::size_t i = 0; i < n; ++i) {
        self->_bindings[i] = {found[i].uri, found[i].q};
    }
    return {self->_bindings.data(), n};
}

} // namespace sipedge::dataplane
