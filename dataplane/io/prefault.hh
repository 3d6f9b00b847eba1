#pragma once
// Packet memory shared with another process (net_memif's regions, a memfd both
// sides map) is given pages on first touch. Left to the traffic, the first pass
// of packets round the rings takes a page fault per 4 KiB inside the polling
// loop: measured ~0.1 s of a worker's time on this VM, during which its ring
// fills and the peer's retransmissions begin. Faulting the regions in when the
// link comes up moves that cost before the first packet.

#include <cstddef>
#include <string_view>

namespace sipedge::dataplane {

// The name net_memif gives its shared memory (DPDK 22.11: memif_region_N).
inline constexpr std::string_view memif_region_name = "memif_region_";

// Faults in, writable, every shared mapping of this process whose path contains
// `name`, without changing its contents (the peer may already be using it).
// Returns the bytes faulted in; 0 when there is no such mapping.
std::size_t prefault_shared_mappings(std::string_view name);

} // namespace sipedge::dataplane
