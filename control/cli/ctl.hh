#pragma once
// sipedgectl, the operator CLI, as a function (control/cli/sipedgectl.cc is its
// main) so that tests can run it against a live server.
//
//   sipedgectl [--socket PATH | --config FILE] [--instance NAME] [--json] COMMAND
//     status                        control, link and registrar state
//     registrations [AOR]           current bindings
//     users add USER@DOMAIN [--realm REALM]   password from the prompt, or the
//                                   first line of stdin; only HA1s leave this process
//     users del USER@DOMAIN [--realm REALM]
//     users list
//     config check FILE             control and dataplane tables of FILE (no control needed)
//     reload                        control re-reads its file, applies what it can live,
//                                   SIGHUPs the dataplane; both report applied keys and
//                                   keys that need a restart
//     version
//   From the dataplane's DPDK telemetry socket (instance NAME; control not needed):
//     stats [--interval S] [--all]  counters per lcore, totals, rates over S seconds (1)
//     transactions | dialogs        counts per lcore and a sample of each lcore
//     routes                        domains, static routes and hosts in use
//
// Instance: --instance, else $SIPEDGE_INSTANCE, else [dataplane] instance of the
// config file, else "sipedge". The socket is /var/run/dpdk/<instance>/dpdk_telemetry.v2.
// Socket: --socket, else $SIPEDGE_SOCKET, else [control] socket of --config FILE
// (default /etc/sipedge/sipedge.toml when it exists), else /run/sipedge/control.sock.
// Exit status: 0 ok, 1 the command failed, 2 usage, 3 control (or, for the
// telemetry commands, the dataplane) is not running.

#include <iosfwd>
#include <string>
#include <vector>

namespace sipedge::control::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_not_running = 3;

int run_ctl(const std::vector<std::string>& args, std::istream& in, bool stdin_is_tty,
            std::ostream& out, std::ostream& err);

} // namespace sipedge::control::cli
