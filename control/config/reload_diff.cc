#include "control/config/reload_diff.hh"

namespace sipedge::control::config {

namespace {

bool same_domains(const std::vector<registrar::served_domain>& a,
                  const std::vector<registrar::served_domain>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].name != b[i].name || a[i].realm != b[i].realm) {
            return false;
        }
    }
    return true;
}

} // namespace

config_diff diff_control_config(const control_config& r, const control_config& n) {
    config_diff d;
    auto note = [](std::vector<std::string>& into, bool differs, const char* key) {
        if (differs) {
            into.emplace_back(key);
        }
    };
    note(d.applied, r.registrar.min_expires != n.registrar.min_expires, "registrar.min_expires");
    note(d.applied, r.registrar.max_expires != n.registrar.max_expires, "registrar.max_expires");
    note(d.applied, r.registrar.default_expires != n.registrar.default_expires,
         "registrar.default_expires");
    note(d.applied, r.registrar.max_contacts != n.registrar.max_contacts, "registrar.max_contacts");
    note(d.applied, !same_domains(r.domains, n.domains), "domains");
    note(d.applied, r.auth_register != n.auth_register, "auth.register");
    note(d.applied, r.auth_invite != n.auth_invite, "auth.invite");
    note(d.applied, r.algorithms != n.algorithms, "auth.algorithms");
    note(d.applied, r.publish_interval_ms != n.publish_interval_ms, "control.publish_interval_ms");
    note(d.restart, r.socket_path != n.socket_path, "control.socket");
    note(d.restart, r.shm_path != n.shm_path, "control.shm");
    note(d.restart, r.sqlite_path != n.sqlite_path, "control.sqlite");
    note(d.restart, r.nonce_secret != n.nonce_secret, "control.nonce_secret");
    note(d.restart, r.nonce_lifetime != n.nonce_lifetime, "control.nonce_lifetime");
    return d;
}

} // namespace sipedge::control::config
