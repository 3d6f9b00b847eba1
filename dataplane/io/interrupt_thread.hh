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

} // namespace sipedge::dataplane
