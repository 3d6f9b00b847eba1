#pragma once
// The simulated wire of the engines' unit tests: datagrams between the UAC and
// UAS sides with a fixed one-way delay, which a test may drop or rewrite, and a
// harness that steps an engine's clock until it is done.

#include "bench/loadgen/engine.hh"
#include "bench/loadgen/stats.hh"
#include "parser/stage1.hh"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

namespace sipedge::loadgen {

constexpr std::uint32_t uac_ip = 0xc6336402; // 198.51.100.2
constexpr std::uint32_t uas_ip = 0xc6336403; // 198.51.100.3
constexpr std::uint64_t ms = 1'000'000;      // clock units (ns) per millisecond

// Datagrams in flight between the engine's two sides, delivered after a fixed
// one-way delay; a test may drop or rewrite them.
struct wire {
    struct packet {
        side to;
        std::uint32_t src_ip;
        std::uint16_t src_port;
        std::string bytes;
        std::uint64_t at;
    };
    std::deque<packet> in_flight;
    std::uint64_t now = 0;
    std::uint64_t delay = 200'000; // 0.2 ms
    std::uint64_t sent = 0, dropped = 0, misrouted = 0;
    std::function<bool(const packet&)> drop; // true: lose it
    std::function<void(packet&)> rewrite;    // changes a datagram in flight
    std::vector<std::string> log;            // every datagram, when keep_log
    bool keep_log = false;

    static bool send(void* user, side from, std::uint32_t ip, std::uint16_t port,
                     std::string_view bytes) {
        auto* w = static_cast<wire*>(user);
        packet p;
        if (ip == uas_ip && port == 5060) {
            p.to = side::uas;
        } else if (ip == uac_ip && port == 5061) {
            p.to = side::uac;
        } else {
            ++w->misrouted;
            return true;
        }
        p.src_ip = from == side::uac ? uac_ip : uas_ip;
        p.src_port = from == side::uac ? 5061 : 5060;
        p.bytes = bytes;
        p.at = w->now + w->delay;
        ++w->sent;
        if (w->keep_log) {
            w->log.emplace_back(bytes);
        }
        if (w->rewrite) {
            w->rewrite(p);
        }
        if (w->drop && w->drop(p)) {
            ++w->dropped;
            return true;
        }
        w->in_flight.push_back(std::move(p));
        return true;
    }
};

inline engine_config direct_config() {
    engine_config c;
    c.uac_ip = uac_ip;
    c.uac_port = 5061;
    c.uas_ip = uas_ip;
    c.uas_port = 5060;
    c.next_hop_ip = uas_ip;
    c.next_hop_port = 5060;
    c.hz = 1'000'000'000;
    c.seed = 42;
    return c;
}

template <class Engine>
struct wire_harness {
    stats_block stats;
    wire net;
    std::unique_ptr<Engine> engine;

    explicit wire_harness(const engine_config& cfg) {
        auto e = Engine::create(cfg, stats, wire::send, &net);
        EXPECT_TRUE(e.ok());
        engine = std::move(e).value();
    }

    void deliver(const std::string& bytes, side to, std::uint32_t src_ip, std::uint16_t src_port) {
        std::vector<char> padded(bytes.size() + parser::parser_padding, '\0');
        std::copy(bytes.begin(), bytes.end(), padded.begin());
        engine->on_datagram(to, src_ip, src_port, padded.data(), bytes.size(), padded.size(),
                            net.now);
    }

    // Steps the clock until the engine is done (or the limit passes); true if done.
    bool run(std::uint64_t step, std::uint64_t limit) {
        net.now = 1'000 * ms; // a non-zero start
        engine->start(net.now);
        const std::uint64_t end = net.now + limit;
        while (net.now < end) {
            engine->on_pass(net.now);
            while (!net.in_flight.empty() && net.in_flight.front().at <= net.now) {
                wire::packet p = std::move(net.in_flight.front());
                net.in_flight.pop_front();
                deliver(p.bytes, p.to, p.src_ip, p.src_port);
            }
            if (engine->finished()) {
                return true;
            }
            net.now += step;
        }
        return false;
    }

    std::uint64_t operator[](stat_id id) const { return stats.get(id); }
};

} // namespace sipedge::loadgen
