#include "dataplane/eal_setup.hh"

#include <cctype>
#include <fstream>
#include <string_view>
#include <sstream>

namespace sipedge::dataplane {

hugepage_info read_hugepage_info(const char* meminfo_path) {
    hugepage_info h;
    std::ifstream in(meminfo_path);
    std::string key;
    unsigned long value = 0;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        if (!(fields >> key >> value)) {
            continue;
        }
        if (key == "HugePages_Free:") {
            h.free_pages = value;
        } else if (key == "Hugepagesize:") {
            h.page_kb = value;
        }
    }
    return h;
}

bool is_pci_address(std::string_view s) {
    // [dddd:]bb:dd.f with hex digits, optionally followed by ",devargs".
    s = s.substr(0, s.find(','));
    auto hex_run = [&](std::size_t n) {
        if (s.size() < n) {
            return false;
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
                return false;
            }
        }
        s.remove_prefix(n);
        return true;
    };
    auto sep = [&](char c) {
        if (s.empty() || s.front() != c) {
            return false;
        }
        s.remove_prefix(1);
        return true;
    };
    if (s.size() == 12 && !(hex_run(4) && sep(':'))) {
        return false;
    }
    return hex_run(2) && sep(':') && hex_run(2) && sep('.') && hex_run(1) && s.empty();
}

eal_plan plan_eal(const options& o, const hugepage_info& huge, const char* program,
                  unsigned cpu_count) {
    eal_plan p;
    // An lcore numbered beyond the CPUs runs as a thread pinned to CPU (n mod
    // cpus): several polling loops can share a small machine (for tests, not speed).
    std::string lcores;
    bool shared_cpu = false;
    auto add_lcore = [&](unsigned id) {
        lcores += lcores.empty() ? "" : ",";
        lcores += std::to_string(id);
        if (cpu_count > 0 && id >= cpu_count) {
            lcores += "@" + std::to_string(id % cpu_count);
            shared_cpu = true;
        }
    };
    add_lcore(o.main_lcore);
    for (unsigned w : o.worker_lcores) {
        add_lcore(w);
    }
    p.args = {program,
              "--lcores",
              lcores,
              "--main-lcore",
              std::to_string(o.main_lcore),
              "--file-prefix",
              o.instance,
              "--log-level",
              o.log_level};
    // A PCI address (0000:3b:00.0) names a physical port bound to vfio-pci;
    // anything else is a virtual device spec (net_tap0,iface=...).
    // PCI is probed only for the ports listed (-a); none listed: no PCI at all.
    bool any_pci = false;
    for (const port_spec& port : o.ports) {
        if (is_pci_address(port.device)) {
            p.args.insert(p.args.end(), {"-a", port.device});
            any_pci = true;
        } else {
            p.args.insert(p.args.end(), {"--vdev", port.device});
        }
    }
    if (!any_pci) {
        p.args.emplace_back("--no-pci");
    }
    // Enough for the mbuf pool and the port's rings with headroom.
    const unsigned long needed_mb = 64;
    const bool huge_available = huge.free_mb() >= needed_mb;
    switch (o.hugepages) {
    case hugepage_mode::disabled:
        p.use_hugepages = false;
        p.reason = "hugepages disabled by --hugepages no";
        break;
    case hugepage_mode::required:
        p.use_hugepages = huge_available;
        if (!huge_available) {
            p.ok = false;
            p.reason = "--hugepages yes, but only " + std::to_string(huge.free_mb()) +
                       " MB of hugepages are free (need " + std::to_string(needed_mb) +
                       "); run scripts/hugepages as root";
            return p;
        }
        p.reason = "hugepages required and available";
        break;
    case hugepage_mode::automatic:
        p.use_hugepages = huge_available;
        p.reason = huge_available
                       ? "hugepages: " + std::to_string(huge.free_mb()) + " MB free"
                       : "no hugepages free (" + std::to_string(huge.free_mb()) +
                             " MB); falling back to --no-huge -m " + std::to_string(o.memory_mb) +
                             " (run scripts/hugepages as root to reserve some)";
        break;
    }
    if (p.use_hugepages) {
        // In-memory: no files under /var/run/dpdk, several instances at once.
        p.args.insert(p.args.end(), {"--in-memory"});
    } else {
        p.args.insert(p.args.end(),
                      {"--no-huge", "-m", std::to_string(o.memory_mb), "--no-shconf"});
    }
    if (shared_cpu) {
        p.reason += "; lcores beyond the " + std::to_string(cpu_count) +
                    " CPUs share CPUs (" + lcores + ")";
    }
    for (const std::string& extra : o.extra_eal_args) {
        p.args.push_back(extra);
    }
    return p;
}

} // namespace sipedge::dataplane
