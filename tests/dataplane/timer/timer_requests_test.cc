// Cross-core requests: another thread asks for starts and cancels through SPSC
// rings; only the owner thread touches the wheel.

#include "dataplane/timer/timer_requests.hh"

#include <atomic>
#include <cstdint>
#include <gtest/gtest.h>
#include <thread>
#include <utility>
#include <vector>

namespace sipedge::timer {
namespace {

// Ring elements must be trivially copyable (std::pair is not).
struct reply {
    std::uint64_t key;
    timer_handle handle;
};

struct fired_log {
    std::vector<std::uint64_t> data;
    static void callback(void* ctx, timer_wheel&, const timer_event& ev) {
        static_cast<fired_log*>(ctx)->data.push_back(ev.data);
    }
};

timer_wheel make(std::uint32_t capacity, fired_log& log) {
    timer_wheel w = timer_wheel::create({.capacity = capacity}).value();
    EXPECT_TRUE(w.set_handler(0, &fired_log::callback, &log).ok());
    return w;
}

TEST(timer_requests, apply_each_op_and_report_failures) {
    fired_log log;
    timer_wheel w = make(4, log);
    timer_request_ring ring(16);
    ASSERT_TRUE(ring.push(timer_request::make_start(10, 0, 1)));
    ASSERT_TRUE(ring.push(timer_request::make_start(10, 0, 2)));
    ASSERT_TRUE(ring.push(timer_request::make_start(10, 5, 3))); // no such kind
    std::vector<std::pair<std::uint64_t, timer_handle>> started;
    int failures = 0;
    auto sink = [&](const timer_request& req, const result<timer_handle, timer_errc>& r) {
        if (r) {
            started.emplace_back(req.data, r.value());
        } else {
            ++failures;
            EXPECT_EQ(r.error_code(), timer_errc::unknown_kind);
        }
    };
    EXPECT_EQ(drain_timer_requests(w, ring, sink), 3u);
    ASSERT_EQ(started.size(), 2u);
    EXPECT_EQ(failures, 1);

    ASSERT_TRUE(ring.push(timer_request::make_cancel(started[0].second)));
    ASSERT_TRUE(ring.push(timer_request::make_restart(started[1].second, 50)));
    ASSERT_TRUE(ring.push(timer_request::make_cancel(started[0].second))); // now stale
    failures = 0;
    auto sink2 = [&](const timer_request&, const result<timer_handle, timer_errc>& r) {
        if (!r) {
            ++failures;
            EXPECT_EQ(r.error_code(), timer_errc::stale_handle);
        }
    };
    EXPECT_EQ(drain_timer_requests(w, ring, sink2), 3u);
    EXPECT_EQ(failures, 1);
    w.advance(49);
    EXPECT_TRUE(log.data.empty());
    w.advance(50);
    EXPECT_EQ(log.data, std::vector<std::uint64_t>{2});
}

TEST(timer_requests, drain_respects_the_batch_limit) {
    fired_log log;
    timer_wheel w = make(128, log);
    timer_request_ring ring(128);
    for (std::uint64_t i = 0; i < 100; ++i) {
        ASSERT_TRUE(ring.push(timer_request::make_start(5, 0, i)));
    }
    EXPECT_EQ(drain_timer_requests(w, ring, 40), 40u);
    EXPECT_EQ(w.size(), 40u);
    EXPECT_EQ(drain_timer_requests(w, ring, 1000), 60u);
    EXPECT_EQ(drain_timer_requests(w, ring), 0u);
    EXPECT_EQ(w.advance(5), 100u);
}

// Producer thread: asks for n starts, learns the handles from a reply ring, then
// asks to cancel the even ones. The owner thread applies everything and advances.
TEST(timer_requests, two_threads) {
    constexpr std::uint64_t n = 200000;
    fired_log log;
    timer_wheel w = make(n, log);
    timer_request_ring requests(1024);
    spsc_ring<reply> replies(1024);
    std::atomic<bool> producer_done{false};

    std::thread producer([&] {
        std::uint64_t sent = 0;
        std::uint64_t replies_seen = 0;
        std::vector<timer_request> pending_cancels;
        while (sent < n || replies_seen < n || !pending_cancels.empty()) {
            if (sent < n && requests.push(timer_request::make_start(1000 + sent % 5000, 0, sent))) {
                ++sent;
            }
            reply rep;
            while (replies.pop(rep)) {
                ++replies_seen;
                if (rep.key % 2 == 0) {
                    pending_cancels.push_back(timer_request::make_cancel(rep.handle, rep.key));
                }
            }
            while (!pending_cancels.empty() && requests.push(pending_cancels.back())) {
                pending_cancels.pop_back();
            }
        }
        producer_done.store(true, std::memory_order_release);
    });

    std::uint64_t cancel_failures = 0;
    std::vector<reply> reply_backlog;
    auto sink = [&](const timer_request& req, const result<timer_handle, timer_errc>& r) {
        if (req.op == timer_op::start) {
            ASSERT_TRUE(r.ok());
            reply_backlog.push_back({req.data, r.value()});
        } else if (!r) {
            ++cancel_failures;
        }
    };
    for (;;) {
        const bool done = producer_done.load(std::memory_order_acquire);
        drain_timer_requests(w, requests, sink, 64);
        while (!reply_backlog.empty() && replies.push(reply_backlog.back())) {
            reply_backlog.pop_back();
        }
        if (done && requests.empty()) {
            break;
        }
    }
    producer.join();
    EXPECT_EQ(cancel_failures, 0u);
    EXPECT_EQ(w.size(), n / 2);
    w.advance(w.now() + 10000);
    ASSERT_EQ(log.data.size(), n / 2);
    std::vector<bool> seen(n, false);
    for (std::uint64_t d : log.data) {
        ASSERT_EQ(d % 2, 1u) << "a cancelled timer fired";
        ASSERT_FALSE(seen[d]);
        seen[d] = true;
    }
}

} // namespace
} // namespace sipedge::timer
