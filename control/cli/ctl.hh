#pragma once
// sipedgectl, the operator CLI, as a function (control/cli/sipedgectl.cc is its
// main) so that tests can run it against a live server.
//
//   sipedgectl [--socket PATH | --config FILE] [--json] COMMAND
//     status                        control, link and registrar state
//     registrations [AOR]           current bindings
//     users add USER@DOMAIN [--realm REALM]   password from the prompt, or the
//                                   first line of stdin; only HA1s leave this process
//     users del USER@DOMAIN [--realm REALM]
//     users list
//     config check FILE             control tables of FILE (no control needed)
//     version
//   Not yet: stats, transactions, dialogs, routes, reload (exit status 4).
//
// Socket: --socket, else $SIPEDGE_SOCKET, else [control] socket of --config FILE
// (default /etc/sipedge/sipedge.toml when it exists), else /run/sipedge/control.sock.
// Exit status: 0 ok, 1 the command failed, 2 usage, 3 control is not running,
// 4 not implemented yet.

#include <iosfwd>
#include <string>
#include <vector>

namespace sipedge::control::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_not_running = 3;
inline constexpr int exit_not_implemented = 4;

int run_ctl(const std::vector<std::string>& args, std::istream& in, bool stdin_is_tty,
            std::ostream& out, std::ostream& err);

} // namespace sipedge::control::cli
