#pragma once
// Drivers handle link events on EAL's interrupt thread. net_memif (DPDK 22.11)
// marks the link down when its peer leaves, and only then closes the queues and
// unmaps the shared regions, still on that thread. A process that closes its
// port and calls rte_eal_cleanup() as soon as it sees the link down races with
// that teardown: seen as a SIGSEGV in memif_free_regions (the loadgen, --no-huge,
// 16384-slot rings, 7 exits in 10) once EAL had unmapped its memory.

#include <chrono>

namespace sipedge::dataplane {

// Waits until every callback the interrupt thread had started or had due when
// called has returned: an EAL alarm runs on that same thread, after them.
// Returns false if the alarm could not be set or did not run within `limit`.
bool wait_for_interrupt_thread(std::chrono::milliseconds limit);

// Parks the interrupt thread for the rest of the process in a callback of ours, so
// that it never again rebuilds its set of sources. DPDK 22.11's net_memif server
// never unregisters its listener's callback (memif_socket_remove_device frees the
// handle and leaves the source), and a source's handle lives in EAL memory.
// rte_eal_cleanup() unregisters its alarm source, which wakes the thread to rebuild
// its set, reading every source's handle, while or after that memory is unmapped:
// SIGSEGV in rte_intr_fd_get on that thread (sipedge's exit, 1 run in 5-10 of the
// memif loadgen test). Returns false if the thread did not reach the callback within
// `limit` (busy in a driver's callback) or the callback could not be registered.
bool park_interrupt_thread(std::chrono::milliseconds limit);

// Has the interrupt thread call fn(arg) on every pass from now on (an external
// source that stays readable): what park_interrupt_thread stands on, and how tests
// keep the thread busy. False if the source could not be set up.
bool keep_interrupt_thread_calling(void (*fn)(void*), void* arg);

// Every exit after rte_eal_init(): park_interrupt_thread, then rte_eal_cleanup().
void shut_down_eal();

} // namespace sipedge::dataplane
