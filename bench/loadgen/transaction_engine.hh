#pragma once
// The load generator's non-INVITE scenarios, sans-IO (like call_engine):
//
//   register: a population of users (--users) registering with digest. A
//     registration is REGISTER -> 401 (WWW-Authenticate) -> REGISTER with
//     Authorization -> 200 with our Contact. With reuse_nonce a refresh sends
//     credentials on the last nonce with nc + 1 straight away (one round trip),
//     as real UAs do, and is challenged again only when the server says
//     stale=true (or refuses the nonce).
//   options: the same population sending OPTIONS pings; 200 is success.
//
// Item j (registration or OPTIONS, paced by `rate`) belongs to user j mod
// users; each user has one Call-ID for the run (its index and randomness in
// it, so a message finds its user in O(1)) and a CSeq that grows with every
// request. A user runs one transaction at a time: an item due for a busy user
// is counted as failed (fail_user_busy: the population is too small for the
// rate and the latency).
//
// Each request is an RFC 3261 17.1.2 non-INVITE client transaction on the
// engine's timer wheel (1 ms ticks): timer E from T1 doubling up to T2 (T2 once
// a provisional came), timer F at 64*T1 (failure). A response for an older
// CSeq of the user is late (e.g. the second 401 to a retransmitted REGISTER);
// a final response repeated is a repeat, counted and absorbed.
//
// The UAS side (direct mode) is uas_responder: a registrar with digest and an
// OPTIONS answerer. Nothing is allocated after create().

#include "bench/loadgen/digest_client.hh"
#include "bench/loadgen/engine.hh"
#include "bench/loadgen/pacer.hh"
#include "bench/loadgen/sender.hh"
#include "bench/loadgen/stats.hh"
#include "bench/loadgen/uas_responder.hh"
#include "common/result.hh"
#include "dataplane/timer/timer_wheel.hh"
#include "parser/message_parser.hh"
#include "sip/message_view.hh"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sipedge::loadgen {

class transaction_engine : public paced_run {
public:
    // cfg.kind must be register_ or options; register_ needs cfg.domain.
    static result<std::unique_ptr<transaction_engine>, timer::timer_errc>
    create(const engine_config& cfg, stats_block& stats, send_fn send, void* user);

    void start(std::uint64_t now);
    // A datagram that arrived at `to`'s address (readable: as call_engine).
    void on_datagram(side to, std::uint32_t src_ip, std::uint16_t src_port, const char* bytes,
                     std::size_t length, std::size_t readable, std::uint64_t now);
    // Once per loop pass: starts what is due (unless may_place is false) and
    // fires due timers.
    void on_pass(std::uint64_t now, bool may_place = true);
    void stop_placing();
    // Counts every transaction still in progress as failed (fail_unfinished).
    void abandon_all();

    // placing(), finished(), drain_deadline() (last placement + three
    // transactions' 64*T1: REGISTER, a stale re-challenge, the credentials; + 1 s)
    // and the schedule's figures: paced_run.

    ~transaction_engine();
    transaction_engine(const transaction_engine&) = delete;
    transaction_engine& operator=(const transaction_engine&) = delete;

private:
    struct user;

    transaction_engine(const engine_config& cfg, stats_block& stats, send_fn send, void* user,
                       timer::timer_wheel wheel);

    void start_item(std::uint64_t now);
    void begin_transaction(std::uint32_t index);
    void send_request(std::uint32_t index, bool retransmission);
    void on_response(std::uint32_t index, const sip::message_view& msg, std::uint32_t cseq,
                     std::uint64_t now);
    void register_final(std::uint32_t index, const sip::message_view& msg, std::uint64_t now);
    void finish(std::uint32_t index, stat_id outcome, std::uint64_t now);
    bool has_our_contact(std::uint32_t index, const sip::message_view& msg) const;
    std::uint32_t find_user(std::string_view call_id, side to) const;
    void on_timer_fired(std::uint32_t index);

    static void on_timer(void* self, timer::timer_wheel& wheel, const timer::timer_event& ev);
    void arm(std::uint32_t index, std::uint64_t delay_ms);
    void disarm(std::uint32_t index);
    std::uint64_t random();

    engine_config _cfg;
    stats_block& _stats;
    sender _send;
    timer::timer_wheel _wheel;
    parser::message_parser _parser;
    std::unique_ptr<sip::message_view> _view;
    std::unique_ptr<user[]> _users;
    std::unique_ptr<stored_challenge[]> _challenges; // register only
    uas_responder _uas;
    std::unique_ptr<char[]> _buffer; // one outgoing message
    // Text fixed for the run.
    std::string _uac_host;   // "ip:port"
    std::string _uac_ip;     // "ip" (Call-ID host)
    std::string _request_uri; // "sip:domain" or "sip:target-ip:port"
    std::string _method;      // "REGISTER" / "OPTIONS"
    char _id_prefix[2];       // Call-ID and branch marker: "lr" / "lo"
    std::uint64_t _t0 = 0, _now = 0, _clock_per_tick = 1;
    std::uint64_t _rng;
};

static_assert(load_engine<transaction_engine>);

} // namespace sipedge::loadgen
