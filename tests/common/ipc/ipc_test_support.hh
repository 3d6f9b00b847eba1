#pragma once
// Shared by the ipc tests: a link path unique to this process and test.

#include <string>
#include <unistd.h>

namespace sipedge::ipc::testing {

inline std::string test_path(const char* name) {
    return "/dev/shm/sipedge-test-" + std::to_string(::getpid()) + "-" + name;
}

} // namespace sipedge::ipc::testing
