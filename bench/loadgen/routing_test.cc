// via_branch: the branch parameter of a Via value, up to whatever ends it.
#include "bench/loadgen/routing.hh"

#include <gtest/gtest.h>

namespace {

using sipedge::loadgen::via_branch;

TEST(ViaBranch, EndsAtEveryParameterAndValueSeparator) {
    EXPECT_EQ(via_branch("SIP/2.0/UDP 198.51.100.2:5061;branch=z9hG4bKab12"), "z9hG4bKab12");
    EXPECT_EQ(via_branch("SIP/2.0/UDP 198.51.100.2;branch=z9hG4bKab12;rport"), "z9hG4bKab12");
    EXPECT_EQ(via_branch("SIP/2.0/UDP 198.51.100.2;branch=z9hG4bKab12,SIP/2.0/UDP x"),
              "z9hG4bKab12");
    EXPECT_EQ(via_branch("SIP/2.0/UDP 198.51.100.2;branch=z9hG4bKab12 ;rport"), "z9hG4bKab12");
    EXPECT_EQ(via_branch("SIP/2.0/UDP 198.51.100.2;branch=z9hG4bKab12\t;rport"), "z9hG4bKab12");
    EXPECT_EQ(via_branch("SIP/2.0/UDP 198.51.100.2;branch=z9hG4bKab12\r\n"), "z9hG4bKab12");
    EXPECT_EQ(via_branch("SIP/2.0/UDP 198.51.100.2;branch=z9hG4bKab12\n"), "z9hG4bKab12");
}

TEST(ViaBranch, NoBranchIsEmpty) {
    EXPECT_EQ(via_branch("SIP/2.0/UDP 198.51.100.2:5061;rport"), "");
    EXPECT_EQ(via_branch("SIP/2.0/UDP 198.51.100.2;branch="), "");
}

} // namespace
