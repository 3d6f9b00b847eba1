#pragma once
// Builds the EAL argument list from our options and decides, at run time,
// whether to use hugepages: reserved ones when enough are free, otherwise
// --no-huge with a clear log line (DPDK-NOTES.md).

#include "dataplane/options.hh"

#include <string>
#include <string_view>
#include <vector>

namespace sipedge::dataplane {

struct hugepage_info {
    unsigned long free_pages = 0;
    unsigned long page_kb = 0;
    unsigned long free_mb() const { return free_pages * page_kb / 1024; }
};

// Reads /proc/meminfo (or the given file, for tests).
hugepage_info read_hugepage_info(const char* meminfo_path = "/proc/meminfo");

struct eal_plan {
    std::vector<std::string> args; // argv for rte_eal_init, program name first
    bool use_hugepages = false;
    std::string reason; // one line for the operator
    bool ok = true;     // false: --hugepages yes but none free
};

// True for a PCI address ("0000:3b:00.0" or "3b:00.0", devargs after a comma).
bool is_pci_address(std::string_view port);

// cpu_count: CPUs the process may use (0: do not remap lcore numbers).
eal_plan plan_eal(const options& o, const hugepage_info& huge, const char* program,
                  unsigned cpu_count);

} // namespace sipedge::dataplane
