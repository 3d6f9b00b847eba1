#include "dataplane/io/prefault.hh"

#include <cstdint>
#include <cstdio>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 // Linux 5.14; older glibc headers lack the name
#endif

namespace sipedge::dataplane {

namespace {

// Where the kernel cannot populate (before 5.14): a write fault per page. A read
// fault may map a shared zero page instead, which is no use. Adding 0 atomically
// writes without changing a byte the peer may be writing at the same moment.
void touch_pages(std::uint8_t* p, std::size_t bytes, std::size_t page) {
    for (std::size_t off = 0; off < bytes; off += page) {
        __atomic_fetch_add(p + off, 0, __ATOMIC_RELAXED);
    }
}

} // namespace

std::size_t prefault_shared_mappings(std::string_view name) {
    std::FILE* maps = std::fopen("/proc/self/maps", "r");
    if (maps == nullptr) {
        return 0;
    }
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    std::size_t total = 0;
    char line[512];
    while (std::fgets(line, sizeof line, maps) != nullptr) {
        unsigned long start = 0, end = 0;
        char perms[5] = {};
        int path_at = 0;
        // "start-end perms offset dev inode path"
        if (std::sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &start, &end, perms, &path_at) < 3 ||
            path_at == 0) {
            continue;
        }
        const std::string_view path(line + path_at);
        if (perms[1] != 'w' || perms[3] != 's' || path.find(name) == std::string_view::npos) {
            continue;
        }
        void* base = reinterpret_cast<void*>(start);
        const std::size_t bytes = end - start;
        if (madvise(base, bytes, MADV_POPULATE_WRITE) != 0) {
            touch_pages(static_cast<std::uint8_t*>(base), bytes, page);
        }
        total += bytes;
    }
    std::fclose(maps);
    return total;
}

} // namespace sipedge::dataplane
