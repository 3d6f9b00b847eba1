// prefault_shared_mappings against a real memfd mapped shared, as net_memif maps
// its regions: every page resident afterwards, contents kept, other mappings
// left alone.
#include "dataplane/io/prefault.hh"

#include <cstddef>
#include <cstring>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace {

using sipedge::dataplane::prefault_shared_mappings;

struct shared_region {
    int fd = -1;
    void* base = MAP_FAILED;
    std::size_t bytes = 0;

    shared_region(const char* name, std::size_t size) : bytes(size) {
        fd = memfd_create(name, 0);
        if (fd >= 0 && ftruncate(fd, static_cast<off_t>(size)) == 0) {
            base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        }
    }
    ~shared_region() {
        if (base != MAP_FAILED) {
            munmap(base, bytes);
        }
        if (fd >= 0) {
            close(fd);
        }
    }
    std::size_t resident_pages() const {
        const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        std::vector<unsigned char> in_core(bytes / page);
        if (mincore(base, bytes, in_core.data()) != 0) {
            return ~std::size_t{0};
        }
        std::size_t n = 0;
        for (unsigned char c : in_core) {
            n += c & 1;
        }
        return n;
    }
};

TEST(Prefault, FaultsInEveryPageOfTheNamedSharedMappingAndKeepsItsBytes) {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    shared_region region("memif_region_prefault_test", 256 * page);
    shared_region other("unrelated_prefault_test", 64 * page);
    ASSERT_NE(region.base, MAP_FAILED);
    ASSERT_NE(other.base, MAP_FAILED);
    // A peer already wrote into one page.
    char* bytes = static_cast<char*>(region.base);
    std::memcpy(bytes + 7 * page + 10, "INVITE", 6);
    ASSERT_EQ(region.resident_pages(), 1u);

    EXPECT_EQ(prefault_shared_mappings("memif_region_prefault_test"), region.bytes);

    EXPECT_EQ(region.resident_pages(), 256u);
    EXPECT_EQ(std::memcmp(bytes + 7 * page + 10, "INVITE", 6), 0);
    EXPECT_EQ(bytes[0], 0);
    EXPECT_EQ(other.resident_pages(), 0u);
}

TEST(Prefault, NoSuchMappingFaultsNothingIn) {
    EXPECT_EQ(prefault_shared_mappings("no mapping has this name"), 0u);
}

} // namespace
