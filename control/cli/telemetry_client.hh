#pragma once
// sipedgectl's reader of the dataplane's DPDK telemetry socket
// (/var/run/dpdk/<instance>/dpdk_telemetry.v2: SOCK_SEQPACKET, a JSON greeting,
// then one JSON reply per command). sipedgectl reads the dataplane directly
// rather than through control: the numbers then come from the process that owns
// them, and stats work while control is down.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sipedge::control::cli {

std::string telemetry_socket_path(const std::string& instance);

// Sends each command ("/sipedge/counters,1") on one connection; replies[i] is the
// value of command i (null when the dataplane refused it). false with error set
// when the dataplane cannot be reached.
bool telemetry_query(const std::string& socket_path, const std::vector<std::string>& commands,
                     std::vector<nlohmann::json>& replies, std::string& error,
                     int timeout_ms = 10000);

} // namespace sipedge::control::cli
