// shut_down_eal against DPDK 22.11's net_memif server. Each case runs in a child
// process (one EAL per process): EAL with a memif server port, the port closed, then
// the exit. The listener's interrupt source outlives the port with its handle in EAL
// memory; when the interrupt thread next rebuilds its set of sources (woken by
// rte_eal_cleanup() unregistering its alarm) after that memory is unmapped, it
// faults. A slow callback in flight at the exit stands in for an interrupt thread
// that the host delays (as happened at sipedge's exit).

#include "dataplane/io/interrupt_thread.hh"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>
#include <iterator>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace sipedge::dataplane {
namespace {

using namespace std::chrono_literals;

void take_100ms(void*) {
    std::this_thread::sleep_for(100ms);
}

// The child's exit status (as waitpid gives it): 0 on a clean exit, 3 when EAL or
// the slow callback could not be set up; a fault shows as a signal or, under
// AddressSanitizer, as its exit code.
int exit_status_of_child(bool park) {
    const pid_t pid = fork();
    if (pid == 0) {
        const std::string socket = "/tmp/sipedge-eal-exit-" + std::to_string(getpid()) + ".sock";
        const std::string vdev = "net_memif0,role=server,socket=" + socket + ",socket-abstract=no";
        const std::string prefix = "eal-exit-" + std::to_string(getpid());
        const char* args[] = {"eal_exit_test",  "-l",          "0",         "--no-pci",
                              "--no-huge",      "-m",          "64",        "--no-shconf",
                              "--no-telemetry", "--log-level", "*:error",   "--file-prefix",
                              prefix.c_str(),   "--vdev",      vdev.c_str()};
        if (rte_eal_init(static_cast<int>(std::size(args)), const_cast<char**>(args)) < 0 ||
            rte_eth_dev_count_avail() != 1) {
            _exit(3);
        }
        rte_eth_dev_close(0);
        std::remove(socket.c_str());
        if (!keep_interrupt_thread_calling(take_100ms, nullptr)) {
            _exit(3);
        }
        std::this_thread::sleep_for(50ms); // the thread is now in take_100ms
        if (park) {
            shut_down_eal();
        } else {
            rte_eal_cleanup();
        }
        // The slow callback returns meanwhile; an unparked thread then rebuilds.
        std::this_thread::sleep_for(400ms);
        _exit(0);
    }
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        return -1;
    }
    return status;
}

std::string describe(int status) {
    if (WIFSIGNALED(status)) {
        return "killed by signal " + std::to_string(WTERMSIG(status));
    }
    return "exit status " + std::to_string(WEXITSTATUS(status));
}

TEST(EalExit, AParkedInterruptThreadSurvivesCleanupAfterAMemifServer) {
    // First, that the scenario shows the hazard: without parking, the child faults.
    // (A DPDK that unregisters memif's listener would exit cleanly here: then this
    // test shows nothing, and whether shut_down_eal is still needed is worth a look.)
    const int unparked = exit_status_of_child(false);
    ASSERT_NE(unparked, -1);
    ASSERT_FALSE(WIFEXITED(unparked) && WEXITSTATUS(unparked) == 3) << "set-up failed";
    ASSERT_FALSE(WIFEXITED(unparked) && WEXITSTATUS(unparked) == 0)
        << "without the park the late interrupt thread did not fault: the scenario no "
           "longer reproduces DPDK 22.11's stale memif source";
    for (int run = 0; run < 3; ++run) {
        const int parked = exit_status_of_child(true);
        EXPECT_TRUE(WIFEXITED(parked) && WEXITSTATUS(parked) == 0)
            << "run " << run << ": " << describe(parked) << " (unparked: " << describe(unparked)
            << ")";
    }
}

} // namespace
} // namespace sipedge::dataplane
