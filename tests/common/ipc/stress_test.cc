// Publish vs lookup under load: control publishes thousands of location snapshots
// while dataplane lcores look AORs up and check that every contact they read
// belongs to one consistent generation and does not change while they hold it.
// If control ever overwrote a buffer an lcore may still read, a reader would see
// a torn or changed entry (and TSan, in the tsan twin, reports the race).
// Two forms: threads in one process, and control in a forked child process.

#include "common/ipc/link.hh"
#include "tests/common/ipc/ipc_test_support.hh"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace sipedge::ipc {
namespace {

using testing::test_path;

constexpr int aor_count = 40;
constexpr std::uint64_t generations = 2000;

link_sizes sizes() {
    link_sizes s;
    s.ring_slots = 8;
    s.slot_payload = 512;
    s.location_bytes = 1 << 18;
    s.credential_bytes = 1 << 12;
    s.lookup_scratch = 4096;
    return s;
}

int contacts_of(std::uint64_t g) {
    return static_cast<int>(g % 5) + 1;
}

void build(location_table_builder& b, std::uint64_t g) {
    b.clear();
    std::vector<contact_input> cs;
    for (int i = 0; i < aor_count; ++i) {
        cs.clear();
        for (int j = 0; j < contacts_of(g); ++j) {
            contact_input c;
            c.uri = "sip:u" + std::to_string(i) + "-g" + std::to_string(g) + "-c" +
                    std::to_string(j) + "@192.0.2.1";
            c.q = static_cast<std::int16_t>(j);
            c.expires_at = static_cast<std::int64_t>(g);
            cs.push_back(c);
        }
        b.add("u" + std::to_string(i) + "@example.com", cs);
    }
}

// Publishes generations 1..generations; returns how often it had to wait.
std::uint64_t publish_all(control_link& c) {
    location_table_builder b;
    std::uint64_t waits = 0;
    for (std::uint64_t g = 1; g <= generations; ++g) {
        build(b, g);
        for (;;) {
            const publish_result r = c.publish_location(b, 1);
            if (r == publish_result::ok) {
                break;
            }
            if (r != publish_result::busy) {
                return ~std::uint64_t{0};
            }
            ++waits;
            std::this_thread::yield();
        }
    }
    return waits;
}

struct reader_result {
    std::uint64_t lookups = 0;
    std::uint64_t errors = 0;
    std::uint64_t last_generation = 0;
    std::string first_error;
};

// One lcore: poll passes until stop. Each pass looks a few AORs up, checks them,
// yields the CPU while still holding the views (as if the lcore were slow), and
// checks them again: a publisher that reused a buffer too early would have
// rewritten it meanwhile.
void read_loop(dataplane_link& d, std::uint16_t lcore, const std::atomic<bool>& stop,
               reader_result& out) {
    struct held {
        int aor;
        std::uint64_t generation;
        std::span<const contact_view> contacts;
    };
    char expect[128];
    std::uint64_t seen_max = 0;
    unsigned seed = lcore * 7919u + 1;
    auto fail = [&](const std::string& what) {
        if (out.errors++ == 0) {
            out.first_error = what;
        }
    };
    auto verify = [&](const held& h) {
        for (std::size_t j = 0; j < h.contacts.size(); ++j) {
            const int n = std::snprintf(expect, sizeof expect, "sip:u%d-g%llu-c%zu@192.0.2.1",
                                        h.aor, static_cast<unsigned long long>(h.generation), j);
            const contact_view& c = h.contacts[j];
            if (c.uri != std::string_view(expect, static_cast<std::size_t>(n)) ||
                c.expires_at != static_cast<std::int64_t>(h.generation) ||
                c.q != static_cast<std::int16_t>(j)) {
                fail("torn or overwritten contact: " + std::string(c.uri) + " expected " + expect);
            }
        }
    };
    while (!stop.load(std::memory_order_acquire)) {
        d.quiescent(lcore);
        held pass[4];
        int held_count = 0;
        for (int k = 0; k < 4; ++k) {
            seed = seed * 1103515245u + 12345u;
            const int i = static_cast<int>((seed >> 8) % aor_count);
            char aor[32];
            std::snprintf(aor, sizeof aor, "u%d@EXAMPLE.com", i);
            const auto cs = d.lookup(lcore, aor);
            if (cs.empty()) {
                if (seen_max != 0) {
                    fail("AOR vanished after a snapshot was seen");
                }
                continue;
            }
            ++out.lookups;
            const auto g = static_cast<std::uint64_t>(cs[0].expires_at);
            if (g < seen_max) {
                fail("generation went backwards");
            }
            seen_max = g;
            if (cs.size() != static_cast<std::size_t>(contacts_of(g))) {
                fail("contact count does not match the generation");
                continue;
            }
            pass[held_count++] = {i, g, cs};
        }
        for (int k = 0; k < held_count; ++k) {
            verify(pass[k]);
        }
        // Two cores run three threads here: the publisher gets the CPU while this
        // lcore still holds its views (a real lcore owns its core and never yields).
        std::this_thread::yield();
        for (int k = 0; k < held_count; ++k) {
            verify(pass[k]);
        }
    }
    d.offline(lcore);
    out.last_generation = seen_max;
}

TEST(ipc_stress, threads_publish_versus_lookup) {
    const std::string p = test_path("stress-threads");
    auto dp = dataplane_link::create(p, 2, sizes());
    ASSERT_TRUE(dp.ok());
    auto cp = control_link::attach(p, 1);
    ASSERT_TRUE(cp.ok());
    std::atomic<bool> stop{false};
    reader_result r0, r1;
    std::thread t0([&] { read_loop(*dp.value(), 0, stop, r0); });
    std::thread t1([&] { read_loop(*dp.value(), 1, stop, r1); });
    const std::uint64_t waits = publish_all(*cp.value());
    stop.store(true, std::memory_order_release);
    t0.join();
    t1.join();
    ASSERT_NE(waits, ~std::uint64_t{0}) << "publish failed";
    EXPECT_EQ(r0.errors, 0u) << r0.first_error;
    EXPECT_EQ(r1.errors, 0u) << r1.first_error;
    EXPECT_GT(r0.lookups + r1.lookups, 0u);
    EXPECT_EQ(cp.value()->status().location_generation, generations);
    RecordProperty("publish_waits", static_cast<int>(waits));
}

TEST(ipc_stress, control_in_another_process_publishes_versus_lookup) {
    const std::string p = test_path("stress-fork");
    auto dp = dataplane_link::create(p, 2, sizes());
    ASSERT_TRUE(dp.ok());
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto cp = control_link::attach(p, 1);
        if (!cp.ok()) {
            ::_exit(2);
        }
        const std::uint64_t waits = publish_all(*cp.value());
        ::_exit(waits == ~std::uint64_t{0} ? 3 : 0);
    }
    std::atomic<bool> stop{false};
    reader_result r0, r1;
    std::thread t0([&] { read_loop(*dp.value(), 0, stop, r0); });
    std::thread t1([&] { read_loop(*dp.value(), 1, stop, r1); });
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    stop.store(true, std::memory_order_release);
    t0.join();
    t1.join();
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_EQ(r0.errors, 0u) << r0.first_error;
    EXPECT_EQ(r1.errors, 0u) << r1.first_error;
    EXPECT_EQ(dp.value()->location_generation(), generations);
}

TEST(ipc_stress, rings_under_concurrent_producer_and_consumer) {
    const std::string p = test_path("stress-rings");
    auto dp = dataplane_link::create(p, 1, sizes());
    ASSERT_TRUE(dp.ok());
    auto cp = control_link::attach(p, 1);
    ASSERT_TRUE(cp.ok());
    constexpr int total = 20000;
    std::thread producer([&] {
        message_meta meta;
        for (int i = 0; i < total;) {
            meta.token = static_cast<std::uint64_t>(i);
            const std::string body = "msg " + std::to_string(i);
            if (dp.value()->push_to_control(0, body, meta) == push_result::ok) {
                ++i;
            } else {
                std::this_thread::yield();
            }
        }
    });
    int next = 0;
    int bad = 0;
    received_message m;
    while (next < total) {
        if (cp.value()->pop_from_dataplane(0, m)) {
            if (m.meta.token != static_cast<std::uint64_t>(next) ||
                m.bytes != "msg " + std::to_string(next)) {
                ++bad;
            }
            ++next;
        } else {
            std::this_thread::yield();
        }
    }
    producer.join();
    EXPECT_EQ(bad, 0);
}

} // namespace
} // namespace sipedge::ipc
