#pragma once
// Which of control's settings changed between the running configuration and a
// re-read file, split into those `sipedgectl reload` applies live (registrar
// limits, domains, auth, publish pacing) and those that need a restart (socket,
// link file, store, nonce key and lifetime: outstanding nonces and open files
// depend on them).

#include "control/config/control_config.hh"

#include <string>
#include <vector>

namespace sipedge::control::config {

struct config_diff {
    std::vector<std::string> applied;
    std::vector<std::string> restart;
};

config_diff diff_control_config(const control_config& running, const control_config& next);

} // namespace sipedge::control::config
