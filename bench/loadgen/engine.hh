#pragma once
// What every sipedge-loadgen scenario engine shares: the two populations on one
// port (side), the send function, the run's configuration, and the interface
// main.cc drives (load_engine). Engines are sans-IO: datagrams and clock
// readings in, datagrams out through send_fn; each is unit-tested on a
// simulated wire. main.cc instantiates its polling loop per engine type (a
// template, not a virtual call per packet).

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sipedge::loadgen {

enum class side : std::uint8_t { uac, uas };

// call: the classic call (call_engine). register: REGISTER with digest, options:
// OPTIONS pings (transaction_engine).
enum class scenario : std::uint8_t { call, register_, options };

constexpr std::string_view scenario_name(scenario s) {
    return s == scenario::call ? "call" : s == scenario::register_ ? "register" : "options";
}

enum class digest_alg : std::uint8_t { md5, sha256 };

// Sends one datagram from `from`'s address. False when it could not be sent
// (counted by the engine; retransmission takes over where there is one).
using send_fn = bool (*)(void* user, side from, std::uint32_t dst_ip, std::uint16_t dst_port,
                         std::string_view bytes);

struct engine_config {
    scenario kind = scenario::call;
    // Addresses in host byte order.
    std::uint32_t uac_ip = 0;
    std::uint16_t uac_port = 5061;
    std::uint32_t uas_ip = 0;
    std::uint16_t uas_port = 5060;
    // Where the UAC sends every request (an outbound proxy, like sipp -rsa):
    // the device under test, or the UAS itself in direct mode.
    std::uint32_t next_hop_ip = 0;
    std::uint16_t next_hop_port = 5060;

    std::uint64_t rate = 100;         // calls (registrations, OPTIONS) per second
    std::uint64_t calls = 0;          // how many to start; 0: bounded by duration only
    std::uint64_t duration_ms = 0;    // starting stops after this; 0: bounded by calls only
    std::uint32_t hold_ms = 0;        // call: between ACK and BYE
    std::uint32_t t1_ms = 500;        // RFC 3261 T1
    std::uint32_t t2_ms = 4000;       // RFC 3261 T2
    std::uint32_t capacity = 65536;   // call: call slots, i.e. calls in progress at once
    std::uint32_t max_burst = 32;     // started in one pass at most (catch-up is spread)
    std::uint64_t seed = 1;           // Call-ID, tag, branch and cnonce randomness
    std::uint64_t hz = 1'000'000'000; // clock units per second (TSC rate)

    // register / options: the user population. User k (0..users-1) is
    // "<user_prefix>k"; registration (or OPTIONS) j is sent by user j mod users,
    // each user with one Call-ID for the run and a CSeq that grows.
    std::uint32_t users = 1000;
    std::string user_prefix = "user";
    std::string domain; // register: the registrar's domain and realm (R-URI sip:domain)
    std::string password;
    std::uint32_t expires_s = 3600;
    // A refresh reuses the last nonce with nc + 1 (one round trip) until the
    // server answers stale=true or refuses it; off: every registration starts
    // unauthenticated and is challenged.
    bool reuse_nonce = true;
    // Direct mode's registrar (the UAS side): the algorithm it challenges with,
    // its nonces' lifetime, and the password it checks (empty: `password`).
    digest_alg uas_algorithm = digest_alg::md5;
    std::uint32_t uas_nonce_lifetime_s = 300;
    std::string uas_password;
};

// What main.cc needs of an engine.
template <class E>
concept load_engine = requires(E& e, const E& ce, side s, const char* p, std::uint64_t now) {
    e.start(now);
    e.on_datagram(s, std::uint32_t{}, std::uint16_t{}, p, std::size_t{}, std::size_t{}, now);
    e.on_pass(now, true);
    e.stop_placing();
    e.abandon_all();
    { ce.placing() } -> std::same_as<bool>;
    { ce.finished() } -> std::same_as<bool>;
    { ce.drain_deadline() } -> std::same_as<std::uint64_t>;
    { ce.active() } -> std::same_as<std::uint32_t>;
    { ce.placing_ended_at() } -> std::same_as<std::uint64_t>;
    { ce.final_schedule_lag() } -> std::same_as<std::uint64_t>;
};

} // namespace sipedge::loadgen
