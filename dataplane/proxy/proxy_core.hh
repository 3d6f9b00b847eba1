#pragma once
// The stateful SIP proxy core of one lcore (RFC 3261 §16, with the §17 transaction
// layer underneath and the RFC 6026 correction). Sans-IO: the dataplane hands it
// each received SIP message (bytes, source, transport) and each timer tick; the core
// appends the messages to send to a caller-provided outbox.
//
// Use from the lcore loop (single-threaded; one proxy_core per lcore):
//
//   timer::timer_wheel wheel = timer::timer_wheel::create({.capacity = 4 * txns,
//       .kinds = proxy_core::timer_kinds_needed(cfg)}).value();
//   proxy_core core(cfg, location.lookup(), wheel, counters);
//   ...per received datagram (already dispatched to its owner, see owning_lcore()):
//   core.on_message({bytes, readable, source, transport::udp}, out);
//   ...once per loop pass:
//   core.on_tick(scale.to_tick(clock.now_ns()), out);
//   ...then transmit every out[i] (out.bytes(out[i]) to out[i].destination) and out.clear().
//   If sending out[i] fails, call core.on_transport_error(out[i].txn).
//
// The outbox must be cleared by the caller between bursts; a full outbox drops the
// message (counted, and retransmission timers cover UDP).

#include "common/counters.hh"
#include "dataplane/proxy/dialog_table.hh"
#include "dataplane/proxy/location.hh"
#include "dataplane/proxy/our_via.hh"
#include "dataplane/proxy/proxy_config.hh"
#include "dataplane/proxy/request_auth.hh"
#include "dataplane/proxy/response_context.hh"
#include "dataplane/proxy/router.hh"
#include "dataplane/timer/timer_wheel.hh"
#include "dataplane/transaction/transaction_layer.hh"
#include "dataplane/transaction/types.hh"
#include "parser/essentials.hh"
#include "parser/message_parser.hh"
#include "parser/response_builder.hh"
#include "sip/message_view.hh"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::proxy {

struct incoming_message {
    std::string_view bytes;
    // Readable bytes from bytes.data() (mbuf tailroom included). Pass at least
    // bytes.size() + parser::parser_padding to use the padded parser; 0 = unpadded.
    std::size_t readable = 0;
    txn::endpoint source;
    txn::transport tp = txn::transport::udp;
};

class proxy_core {
public:
    // Wheel kinds used: config.timer_kind_base .. +2. The wheel's `kinds` must be
    // larger, and its capacity at least timer_capacity_needed().
    static std::uint16_t timer_kinds_needed(const proxy_config& config) {
        return static_cast<std::uint16_t>(config.timer_kind_base + 3);
    }
    // Transactions (3 timers each at most) and one session timer per dialog.
    static std::uint32_t timer_capacity_needed(const proxy_config& config) {
        return 3 * config.transaction_capacity +
               (config.session_timers.enabled ? config.session_timers.dialog_capacity : 0);
    }

    // Timers fired per on_tick() at most; what is due beyond that fires on the next
    // calls (timer_wheel::advance with a budget). About 40 us of a pass.
    static constexpr std::size_t timers_per_tick_call = 256;

    // Keeps references to config, wheel and counters; the location table behind
    // `location` must stay valid (and read-only while in use).
    proxy_core(const proxy_config& config, location_lookup location, timer::timer_wheel& wheel,
               counter_block& counters);
    ~proxy_core();
    proxy_core(const proxy_core&) = delete;
    proxy_core& operator=(const proxy_core&) = delete;

    // The configuration's RFC 3261 timers (T1, T2, T4, C, D) changed (a live
    // reload): new transactions and new Timer C runs use the new values.
    void timers_changed();

    // Out-of-dialog requests are checked by `a` before routing (request_auth.hh);
    // by default none is.
    void set_authorizer(request_authorizer a) { _auth = a; }

    // One received SIP message. Never throws, never allocates.
    void on_message(const incoming_message& in, txn::outbox& out);
    // Advances the timer wheel to `now` (ticks of config.tick): retransmissions,
    // timeouts, timer C. Messages go to out.
    void on_tick(timer::tick_t now, txn::outbox& out);
    // Sending outgoing_message.txn failed (e.g. no route, ICMP unreachable, TCP reset).
    void on_transport_error(std::uint32_t txn, txn::outbox& out);

    // Owning lcore for dispatch (see branch.hh): responses by our branch, requests
    // by Call-ID hash.
    static std::uint16_t owning_lcore(const sip::message_view& msg, std::uint16_t lcore_count);

    std::uint32_t transactions() const { return _txns.size(); }
    std::uint32_t contexts_in_use() const { return _contexts_used; }
    const txn::transaction_layer& transactions_layer() const { return _txns; }
    // RFC 4028 dialogs this lcore times (count, and sample() for a status view:
    // dialogs().sample(array, wheel.now(), ticks_per_second())). Owning lcore only:
    // the table is not shared; another thread asks the lcore (e.g. over a ring) or
    // reads the counters (live = st_dialogs_created - st_dialogs_expired - st_dialogs_ended).
    const dialog_table& dialogs() const { return _dialogs; }
    std::uint64_t ticks_per_second() const;
    // Bytes preallocated for transactions, contexts and the message store.
    std::size_t memory_bytes() const;
    std::size_t message_store_chunks_used() {
        return _txns.store().chunks_total() - _txns.store().chunks_free();
    }

private:
    struct route_plan;
    struct request_checks;
    struct ack_route;
    struct request_scratch;
    struct target;

    // requests
    void handle_request(const incoming_message& in, txn::outbox& out);
    // checks: the request's validation and route plan (check_request()).
    void handle_new_request(const incoming_message& in, const txn::txn_key& key,
                            const request_checks& checks, txn::outbox& out);
    void check_request(request_checks& checks) const;
    void handle_cancel(const incoming_message& in, txn::txn_id invite_server, txn::outbox& out);
    // An ACK's route (r.routable false: it has none); forward_ack() sends it.
    void plan_ack(ack_route& r) const;
    void forward_ack(const incoming_message& in, const ack_route& r, txn::outbox& out);
    std::uint16_t validate(const sip::message_view& msg, const parser::message_essentials& e,
                           std::uint64_t loop, std::string_view& unsupported) const;
    bool plan_route(const sip::message_view& msg, const parser::message_essentials& e,
                    route_plan& plan) const;
    // A Route element that is, byte for byte, one of the Record-Route values we
    // insert (so it names us: is_us() of its URI holds).
    bool is_our_record_route(std::string_view element) const;
    // §16.6 step 7: where a request with this plan goes when its target is
    // target_uri (the plan's Request-URI text, or a contact).
    std::optional<next_hop> next_hop_for(const route_plan& plan, std::string_view target_uri) const;
    bool forward_branch(std::uint32_t ctx, const sip::message_view& msg,
                        const parser::message_essentials& e, const route_plan& plan,
                        std::string_view target_uri, txn::outbox& out);
    // The request as forwarded, written in the outbox's free space when it fits
    // (push() then copies nothing) or in _tx; empty on failure.
    std::string_view build_forwarded(const sip::message_view& msg,
                                     const parser::message_essentials& e, const route_plan& plan,
                                     std::string_view target_uri, const next_hop& hop,
                                     std::string_view branch, bool record_route,
                                     const txn::endpoint& source, txn::outbox& out) const;
    void start_next_group(std::uint32_t ctx, txn::outbox& out);

    // responses
    void handle_response(txn::outbox& out);
    // Fills _ess.top_via and _ess.cseq_value of the response in _view; false when
    // it lacks what a response must have. ours: the top Via is ours as we wrote it,
    // and f holds its branch's fields.
    bool response_essentials(branch_fields& f, bool& ours);
    void on_branch_response(std::uint32_t ctx, std::uint16_t slot, std::uint16_t status,
                            const sip::message_view* msg, txn::outbox& out);
    bool remove_lone_top_via(const sip::message_view& msg, parser::message_writer& w);
    void forward_response(std::uint32_t ctx, const sip::message_view& msg, std::uint16_t status,
                          bool aggregate_challenges, txn::outbox& out);
    void send_best(std::uint32_t ctx, txn::outbox& out);
    void cancel_branch(std::uint32_t ctx, std::uint16_t slot, txn::outbox& out);
    void cancel_pending(std::uint32_t ctx, int except_slot, txn::outbox& out);
    bool all_branches_final(const response_context& c) const;

    // local responses
    void send_local(txn::txn_id server, std::uint16_t status,
                    std::span<const parser::extra_header> extra, txn::outbox& out);
    // The 100 Trying form of a server transaction's request (local_response.hh)
    // into buf (buffer_size bytes); empty when nothing holds the request any more.
    // Uses _replay and _replay_view.
    std::string_view response_skeleton(txn::txn_id server, char* buf);
    void respond_stateless(const incoming_message& in, std::uint16_t status,
                           std::span<const parser::extra_header> extra, txn::outbox& out);
    std::string_view local_tag(txn::txn_id server, char* buf) const;

    // contexts
    std::uint32_t alloc_context();
    void unref_context(std::uint32_t ctx);

    // RFC 4028 session timers (proxy_session_timers.cc). Request hook: false when
    // the request has been answered (400, 422).
    bool st_on_request(txn::txn_id server, std::uint32_t ctx, txn::outbox& out);
    // Edits of a forwarded INVITE/UPDATE (§8.1); false when an edit failed.
    bool st_edit_request(parser::message_writer& w, const sip::message_view& msg,
                         timer_scratch& scratch) const;
    // A 2xx going upstream: edits (§8.2), then the dialog is created or refreshed.
    bool st_on_response(std::uint32_t ctx, const sip::message_view& msg, std::uint16_t status,
                        parser::message_writer& w, timer_scratch& scratch);
    void st_track(std::uint32_t ctx, const sip::message_view& msg, const response_decision& d);
    // (Re)starts the dialog's expiry timer; false (dialog freed, counted) when the
    // wheel is full, which timer_capacity_needed() rules out.
    bool st_arm(std::uint32_t index);
    void st_send_bye(const dialog& d, bool to_caller, txn::outbox& out);
    static void on_session_timer(void* self, timer::timer_wheel& wheel,
                                 const timer::timer_event& ev);

    // hooks from the transaction layer and the wheel
    static void hook_client_failed(void* self, txn::txn_id id, std::uint16_t status);
    static void hook_terminated(void* self, txn::txn_id id);
    static void hook_prefetch_terminated(void* self, txn::txn_id id);
    static void on_timer_c(void* self, timer::timer_wheel& wheel, const timer::timer_event& ev);

    const proxy_config& _config;
    router _router;
    location_lookup _location;
    request_authorizer _auth;
    timer::timer_wheel& _wheel;
    counter_block& _counters;
    timer::tick_t _timer_c_ticks;
    txn::transaction_layer _txns;
    parser::message_parser _parser;
    std::unique_ptr<response_context[]> _contexts;
    std::uint32_t _context_capacity;
    std::uint32_t _free_context = no_context;
    std::uint32_t _contexts_used = 0;
    std::array<std::string, 4> _via_prefix;   // by transport: "SIP/2.0/UDP host:port;branch="
    std::array<std::string, 4> _record_route; // by transport: "<sip:host[:port][;transport=x];lr>"
    std::vector<our_via> _our_vias;           // by transport, from _via_prefix
    txn::outbox* _out = nullptr;              // for hooks called from timers
    dialog_table _dialogs;                    // RFC 4028 timed dialogs

    // Per-message scratch (one lcore, one message at a time). Replayed messages
    // (stored requests and responses) are copied into _replay and parsed into
    // _replay_view / _replay_view2 so that the live view stays intact.
    sip::message_view _view;
    parser::message_essentials _ess;
    bool _ess_valid = false; // _ess describes _view (a request whose essentials parsed)
    txn::txn_id _current_server = txn::no_txn; // server transaction of the request in _view
    // A request's checks and an ACK's route, kept here rather than built per
    // message: their route plans are ~600 bytes that only need a few fields reset.
    std::unique_ptr<request_scratch> _scratch;
    std::unique_ptr<sip::message_view> _replay_view;
    std::unique_ptr<char[]> _replay;
    std::unique_ptr<char[]> _tx;
    std::unique_ptr<char[]> _aux;
};

} // namespace sipedge::proxy
