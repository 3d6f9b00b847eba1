#pragma once
// The control process's tables of the project's one TOML file (the dataplane and
// proxy tables are parsed by common/config; unknown top-level tables are ignored
// here). Every error names the file, the line and the dotted key.
//
//   [control]
//   socket = "/run/sipedge/control.sock"   # CLI unix socket
//   shm = "/dev/shm/sipedge"               # link file the dataplane creates
//   sqlite = "/var/lib/sipedge/location.sqlite"
//   nonce_secret = "..."                   # HMAC key of digest nonces (>= 16 chars);
//                                          # absent: random per start (clients re-auth)
//   nonce_lifetime = 300                   # seconds
//   publish_interval_ms = 5                # batch snapshot publication and saves
//
//   [registrar]
//   min_expires = 60      max_expires = 7200      default_expires = 3600
//   max_contacts = 10     # per AOR
//
//   [[domains]]
//   name = "biloxi.example.com"            # AOR host part served here
//   realm = "biloxi.example.com"           # digest realm (default: name)
//
//   [auth]
//   register = true                        # digest required for REGISTER
//   invite = true                          # 407 for INVITEs from our users (dataplane)
//   invite_nonce_lifetime = 30             # seconds (dataplane; see dataplane/invite_auth.hh)
//   algorithms = ["SHA-256", "MD5"]        # challenges offered, preferred first

#include "control/auth/digest.hh"
#include "control/registrar/register_service.hh"
#include "control/registrar/registrar.hh"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::control::config {

struct control_config {
    std::string source; // file the settings came from
    std::string socket_path = "/run/sipedge/control.sock";
    std::string shm_path = "/dev/shm/sipedge";
    std::string sqlite_path = "/var/lib/sipedge/location.sqlite";
    std::string nonce_secret; // empty: random per start
    std::uint32_t nonce_lifetime = 300;
    // Changed bindings are saved and republished at most this often (and never
    // more often than 4x the time a snapshot takes to build): under load one
    // publication covers many REGISTERs. 0: after every pass.
    std::uint32_t publish_interval_ms = 5;
    registrar::registrar_limits registrar;
    std::vector<registrar::served_domain> domains;
    bool auth_register = true;
    bool auth_invite = true;
    // Read by the dataplane, which mints and checks INVITE nonces; here only checked.
    std::uint32_t invite_nonce_lifetime = 30;
    std::vector<auth::digest_algorithm> algorithms = {auth::digest_algorithm::sha256,
                                                      auth::digest_algorithm::md5};

    registrar::service_settings service_settings() const;
};

struct config_error {
    std::string file;
    std::size_t line = 0; // 0 when the error is about the whole file
    std::string key;      // dotted, e.g. "registrar.min_expires" or "domains[1].name"
    std::string message;
    // "file:line: key: message"
    std::string text() const;
};

struct config_result {
    control_config config;
    std::vector<config_error> errors;
    std::vector<config_error> warnings;
    bool ok() const { return errors.empty(); }
};

// Reads and checks path.
config_result load_control_config(const std::string& path);
// Checks TOML text; source_name is used in messages.
config_result parse_control_config(std::string_view text, const std::string& source_name);

} // namespace sipedge::control::config
