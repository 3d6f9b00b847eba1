#pragma once
// The load generator's SIP user agents, sans-IO: a UAC population placing the
// classic call (INVITE, 100/180/200, ACK, hold, BYE, 200) and a UAS population
// answering it, both in one engine because one port carries both. Datagrams and
// clock readings go in; datagrams come out through a send function. Everything
// runs on one lcore; nothing here touches DPDK, so the engine is tested with a
// simulated wire (bench/loadgen/engine_test.cc).
//
// Calls live in a preallocated table (--max-concurrent slots). A call's slot
// index and generation are written into its Call-ID, so a message finds its
// slot in O(1) and a message for an ended call (older generation) is told from
// a stranger. Both sides of a call share its slot: the UAC part (client
// transactions and dialog) and the UAS part (what it must repeat until ACK);
// the slot is free once both are idle. Nothing is allocated after create().
//
// Retransmission follows RFC 3261 17.1/17.2 over UDP, on the engine's own timer
// wheel (1 ms ticks): INVITE at T1, 2T1, 4T1... until a provisional or final
// response, giving up at 64*T1 (timer B); BYE at T1 doubling up to T2 (T2 once
// a provisional came), giving up at 64*T1 (timer F); the UAS repeats its 200 at
// T1 doubling up to T2 until the ACK comes, giving up at 64*T1 (timer H), and
// answers a repeated INVITE with its 200 again. A repeated 2xx is acknowledged
// again. Every one of these is counted.

#include "bench/loadgen/engine.hh"
#include "bench/loadgen/msg_writer.hh"
#include "bench/loadgen/pacer.hh"
#include "bench/loadgen/stats.hh"
#include "common/result.hh"
#include "dataplane/timer/timer_wheel.hh"
#include "parser/cseq.hh"
#include "parser/message_parser.hh"
#include "sip/message_view.hh"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sipedge::loadgen {

class call_engine : public paced_run {
public:
    using send_fn = loadgen::send_fn;

    // Start-up: allocates the call table and timer wheel.
    static result<std::unique_ptr<call_engine>, timer::timer_errc>
    create(const engine_config& cfg, stats_block& stats, send_fn send, void* user);

    // The run's start: call placing is timed from here.
    void start(std::uint64_t now);
    // A datagram that arrived at `to`'s address. readable: bytes that may be read
    // from `bytes` (>= length + parser::parser_padding: mbuf tailroom).
    void on_datagram(side to, std::uint32_t src_ip, std::uint16_t src_port, const char* bytes,
                     std::size_t length, std::size_t readable, std::uint64_t now);
    // Once per loop pass: starts the calls that are due (unless may_place is
    // false: the caller's queue is full) and fires due timers.
    void on_pass(std::uint64_t now, bool may_place = true);
    // Stops placing calls (e.g. on SIGINT); calls in progress go on, until the
    // drain deadline at the latest.
    void stop_placing();
    // Counts every call still in progress as failed (fail_unfinished) and drops
    // it: the end of an interrupted run.
    void abandon_all();

    // placing(), finished(), drain_deadline() (last placement + hold + 2 * 64*T1
    // for setup and BYE + 1 s) and the schedule's figures: paced_run.

    ~call_engine();
    call_engine(const call_engine&) = delete;
    call_engine& operator=(const call_engine&) = delete;

private:
    struct slot;
    struct incoming;
    struct uas_block;
    struct uac_block;
    enum class kind : std::uint16_t { uac_timer = 0, uas_timer = 1 };

    call_engine(const engine_config& cfg, stats_block& stats, send_fn send, void* user,
                timer::timer_wheel wheel);

    // Call placing and the call table.
    void place_calls(std::uint64_t now);
    bool start_call(std::uint64_t now);
    void release_if_idle(std::uint32_t index);
    std::uint32_t find_slot(std::string_view call_id, bool& late) const;

    // UAC.
    void uac_response(std::uint32_t index, const sip::message_view& msg, const incoming& in,
                      std::uint64_t now);
    void uac_invite_response(std::uint32_t index, const sip::message_view& msg, std::uint64_t now);
    void uac_bye_response(std::uint32_t index, unsigned code);
    bool uac_store_dialog(std::uint32_t index, const sip::message_view& msg);
    void uac_finish(std::uint32_t index, stat_id outcome);
    void uac_timer(std::uint32_t index);
    void send_bye(std::uint32_t index, bool retransmission);

    // UAS.
    void uas_request(std::uint32_t index, const sip::message_view& msg, const incoming& in,
                     std::uint32_t src_ip, std::uint16_t src_port);
    void uas_answer(std::uint32_t index, const sip::message_view& msg, const incoming& in,
                    std::uint32_t src_ip, std::uint16_t src_port);
    void uas_timer(std::uint32_t index);
    void uas_finish(std::uint32_t index);

    // Message building (into _buffer) and sending. send_built counts the message
    // and, unless `retransmission` is no_stat, a retransmission of that kind
    // (retrans_sent alone, or retrans_sent and retrans_invite/_bye/_200).
    void send_built(const msg_writer& w, side from, std::uint32_t ip, std::uint16_t port,
                    bool request, stat_id retransmission);
    void send_invite(std::uint32_t index, bool retransmission);
    void send_ack(std::uint32_t index, bool for_2xx, std::string_view to_value);
    void send_uas_response(std::uint32_t index, unsigned code, bool retransmission);
    void send_stateless_response(const sip::message_view& msg, unsigned code, std::uint32_t dst_ip,
                                 std::uint16_t dst_port, bool retransmission);
    static void on_timer(void* self, timer::timer_wheel& wheel, const timer::timer_event& ev);
    void arm(timer::timer_handle& h, kind k, std::uint32_t index, std::uint64_t delay_ms);
    void disarm(timer::timer_handle& h);
    std::uint64_t ms_to_clock(std::uint64_t ms) const { return ms * _cfg.hz / 1000; }
    std::uint64_t random();

    engine_config _cfg;
    stats_block& _stats;
    send_fn _send;
    void* _user;
    timer::timer_wheel _wheel;
    parser::message_parser _parser;
    std::unique_ptr<sip::message_view> _view;
    std::unique_ptr<slot[]> _slots;
    std::unique_ptr<uas_block[]> _uas;
    std::unique_ptr<uac_block[]> _uac;
    // Free slot indices, a stack: the slot freed last is reused first, so the
    // slots in use stay few and hot in cache (the generation in the Call-ID
    // still tells a late message from the slot's new call).
    std::unique_ptr<std::uint32_t[]> _free;
    std::uint32_t _free_count = 0;
    std::unique_ptr<char[]> _buffer; // one outgoing message
    // Text pieces fixed for the run.
    std::string _uac_host, _uas_host; // "ip:port"
    std::string _uac_sdp, _uas_sdp;
    std::string _uac_sdp_length, _uas_sdp_length;
    std::uint64_t _t0 = 0, _now = 0, _last_tick = 0;
    std::uint64_t _clock_per_tick = 1;
    std::uint64_t _rng;
    bool _started = false;
};

} // namespace sipedge::loadgen
