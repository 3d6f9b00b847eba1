// sipedgectl: the operator CLI (control/cli/ctl.hh lists its commands).

#include "control/cli/ctl.hh"

#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return sipedge::control::cli::run_ctl(args, std::cin, ::isatty(STDIN_FILENO) != 0, std::cout,
                                          std::cerr);
}
