#pragma once
// A deterministic simulated datagram network for proxy tests: an event queue on a
// manual clock (1 tick = 1 ms, the proxy's wheel tick), a seeded random source,
// and links that drop, duplicate and delay datagrams. Random delays reorder them.
// Same seed, same run: every figure a test asserts on can be reproduced.

#include "dataplane/timer/timer_wheel.hh"
#include "dataplane/transaction/types.hh"

#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <utility>
#include <vector>

namespace sipedge::proxy::test {

using timer::tick_t;

// splitmix64: small, seedable, the same on every platform (unlike std distributions).
class sim_random {
public:
    explicit sim_random(std::uint64_t seed) : _state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    // Uniform in [lo, hi].
    std::uint64_t between(std::uint64_t lo, std::uint64_t hi) {
        return lo + next() % (hi - lo + 1);
    }
    // True with probability percent / 100.
    bool chance(unsigned percent) { return next() % 100 < percent; }

private:
    std::uint64_t _state;
};

// Callbacks at simulated times; equal times run in the order they were added.
class sim_events {
public:
    void at(tick_t when, std::function<void()> fn) {
        _queue.push({when < _now ? _now : when, _seq++, std::move(fn)});
    }
    void after(tick_t delay, std::function<void()> fn) { at(_now + delay, std::move(fn)); }
    bool empty() const { return _queue.empty(); }
    tick_t next_time() const { return _queue.top().when; }
    tick_t now() const { return _now; }
    // Moves the clock to t and runs everything due by then, including events the
    // callbacks add for times <= t.
    void run_until(tick_t t) {
        _now = t;
        while (!_queue.empty() && _queue.top().when <= t) {
            std::function<void()> fn = std::move(const_cast<event&>(_queue.top()).fn);
            _queue.pop();
            fn();
        }
    }

private:
    struct event {
        tick_t when;
        std::uint64_t seq;
        std::function<void()> fn;
        bool operator>(const event& o) const {
            return when != o.when ? when > o.when : seq > o.seq;
        }
    };
    std::priority_queue<event, std::vector<event>, std::greater<>> _queue;
    std::uint64_t _seq = 0;
    tick_t _now = 0;
};

struct loss_profile {
    unsigned drop_percent = 0;      // each datagram lost with this probability
    unsigned duplicate_percent = 0; // a surviving datagram delivered twice
    tick_t min_delay = 1;           // one-way delay, uniform in [min, max] per copy
    tick_t max_delay = 40;
};

class sim_network {
public:
    using receiver = std::function<void(const txn::endpoint& from, const std::string& bytes)>;

    struct stats {
        std::uint64_t sent = 0;
        std::uint64_t dropped = 0;
        std::uint64_t duplicated = 0;
        std::uint64_t delivered = 0;
        std::uint64_t reordered = 0;     // delivered after a later-sent datagram of its link
        std::uint64_t undeliverable = 0; // no one attached at the destination
    };

    sim_network(sim_events& events, sim_random& random, loss_profile profile)
        : _events(events), _random(random), _profile(profile) {}

    void attach(const txn::endpoint& at, receiver r) { _receivers[key(at)] = std::move(r); }

    void send(const txn::endpoint& from, const txn::endpoint& to, std::string bytes) {
        ++_stats.sent;
        if (_random.chance(_profile.drop_percent)) {
            ++_stats.dropped;
            return;
        }
        const std::uint64_t seq = _link_sent[{key(from), key(to)}]++;
        const bool twice = _random.chance(_profile.duplicate_percent);
        if (twice) {
            ++_stats.duplicated;
            schedule(from, to, seq, bytes);
        }
        schedule(from, to, seq, std::move(bytes));
    }

    const stats& counts() const { return _stats; }

private:
    using endpoint_key = std::pair<std::uint64_t, std::uint64_t>;
    static endpoint_key key(const txn::endpoint& e) {
        std::uint64_t hi = 0;
        std::uint64_t lo = 0;
        for (int i = 0; i < 8; ++i) {
            hi = (hi << 8) | e.addr[static_cast<std::size_t>(i)];
            lo = (lo << 8) | e.addr[static_cast<std::size_t>(i + 8)];
        }
        return {hi, lo ^ (std::uint64_t{e.port} << 48)};
    }

    void schedule(const txn::endpoint& from, const txn::endpoint& to, std::uint64_t seq,
                  std::string bytes) {
        const tick_t delay = _random.between(_profile.min_delay, _profile.max_delay);
        _events.after(delay, [this, from, to, seq, bytes = std::move(bytes)] {
            std::uint64_t& newest = _link_delivered[{key(from), key(to)}];
            if (seq + 1 < newest) {
                ++_stats.reordered;
            }
            newest = seq + 1 > newest ? seq + 1 : newest;
            auto r = _receivers.find(key(to));
            if (r == _receivers.end()) {
                ++_stats.undeliverable;
                return;
            }
            ++_stats.delivered;
            r->second(from, bytes);
        });
    }

    sim_events& _events;
    sim_random& _random;
    loss_profile _profile;
    std::map<endpoint_key, receiver> _receivers;
    std::map<std::pair<endpoint_key, endpoint_key>, std::uint64_t> _link_sent;
    std::map<std::pair<endpoint_key, endpoint_key>, std::uint64_t> _link_delivered;
    stats _stats;
};

} // namespace sipedge::proxy::test
