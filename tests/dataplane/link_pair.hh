#pragma once
// Both ends of a real control link in one test process: the dataplane creates a
// small link file, a control side attaches to it. Removed again in TearDown.

#include "common/ipc/link.hh"

#include <ctime>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <unistd.h>

namespace sipedge::dataplane::test {

struct link_pair_base : ::testing::Test {
    std::string path;
    std::unique_ptr<ipc::dataplane_link> dp;
    std::unique_ptr<ipc::control_link> ctl;

    explicit link_pair_base(const std::string& name)
        : path("/tmp/sipedge-" + name + "-" + std::to_string(getpid())) {}

    void SetUp() override {
        ipc::link_sizes small;
        small.location_bytes = 1 << 16;
        small.credential_bytes = 1 << 16;
        auto d = ipc::dataplane_link::create(path, 1, small);
        ASSERT_TRUE(d.ok()) << d.message();
        dp = std::move(d).value();
        auto c = ipc::control_link::attach(path, std::time(nullptr));
        ASSERT_TRUE(c.ok()) << c.message();
        ctl = std::move(c).value();
    }
    void TearDown() override {
        ctl.reset();
        dp.reset();
        ::unlink(path.c_str());
    }
};

} // namespace sipedge::dataplane::test
