#pragma once
// One EAL per test process (rte_eal_init runs once): --no-huge, no PCI, no
// device unless a test creates one. Tests share the mbuf pool it makes.

#include <gtest/gtest.h>
#include <iterator>
#include <rte_eal.h>
#include <rte_mbuf.h>

namespace sipedge::dataplane::testing {

inline rte_mempool* test_pool = nullptr;

class eal_environment : public ::testing::Environment {
public:
    void SetUp() override {
        const char* args[] = {"dataplane_test", "-l",          "0",      "--no-pci",
                              "--no-huge",      "-m",          "128",    "--no-shconf",
                              "--no-telemetry", "--log-level", "*:error"};
        ASSERT_GE(rte_eal_init(static_cast<int>(std::size(args)), const_cast<char**>(args)), 0);
        test_pool = rte_pktmbuf_pool_create("test_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
        ASSERT_NE(test_pool, nullptr);
    }
    void TearDown() override {
        rte_mempool_free(test_pool);
        rte_eal_cleanup();
    }
};

} // namespace sipedge::dataplane::testing

#define SIPEDGE_EAL_TEST_MAIN()                                                                    \
    int main(int argc, char** argv) {                                                              \
        ::testing::InitGoogleTest(&argc, argv);                                                    \
        ::testing::AddGlobalTestEnvironment(new sipedge::dataplane::testing::eal_environment);     \
        return RUN_ALL_TESTS();                                                                    \
    }
