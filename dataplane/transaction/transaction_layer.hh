#pragma once
// The SIP transaction layer of one lcore: RFC 3261 §17 state machines with the
// RFC 6026 correction (INVITE server `Accepted` + Timer L; INVITE client
// `Accepted` + Timer M passing every further 2xx up), retransmissions over
// unreliable transports (A, E, G doubling up to T2; none over reliable ones), ACK
// generation for non-2xx final responses, and the timeouts that end transactions.
//
// Sans-IO: messages come in as parsed views, go out into a caller-provided
// outbox; timers run on the lcore's timer_wheel (one wheel kind reserved for this
// layer). Matching (which transaction a message belongs to) is done by the caller
// with key_maker + find(); the layer then runs the state machine.
//
// The transaction user (the proxy core) is told of events it cannot get as a
// return value through tu_hooks (plain function pointers, per timeout, not per
// packet): a client transaction failed (timer B/F: 408, transport error: 503),
// and a transaction is being destroyed.

#include "common/counters.hh"
#include "dataplane/timer/sip_timers.hh"
#include "dataplane/timer/timer_wheel.hh"
#include "dataplane/transaction/message_store.hh"
#include "dataplane/transaction/transaction.hh"
#include "dataplane/transaction/transaction_key.hh"
#include "dataplane/transaction/transaction_table.hh"
#include "dataplane/transaction/types.hh"
#include "parser/message_parser.hh"
#include "sip/message_view.hh"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

namespace sipedge::txn {

// 1 KiB per transaction. At steady state a call's transactions hold 0.6 chunks each on
// average (its BYE's 200 for 32 s), a REGISTER's at most about 2.6 (a 3-chunk
// response for 32 s of its 37 transaction-seconds). A full store is a counted drop
// (drop_message_store_full): a new client transaction is refused, a server
// transaction's response is sent but not kept for retransmissions.
inline constexpr std::uint32_t store_chunks_per_transaction = 4;

struct transaction_layer_config {
    std::uint32_t capacity = 4096; // transactions (server + client) of this lcore
    // 256-byte chunks for stored messages; 0: store_chunks_per_transaction each. Most
    // live transactions hold none (RFC 6026's Accepted states, Timer K's wait); a
    // non-INVITE server transaction keeps its final response for Timer J (32 s).
    std::uint32_t store_chunks = 0;
    timer::sip_timer_config timers{};
    std::chrono::nanoseconds tick = std::chrono::milliseconds(1); // the wheel's tick
    std::uint16_t timer_kind = 0;               // wheel kind this layer registers its handler for
    std::uint64_t seed = 0x5eed5eed12345678ull; // key hash seed (per lcore is fine)
};

struct tu_hooks {
    void* context = nullptr;
    // A client transaction failed: 408 for timer B/F, 503 for a transport error.
    // The TU treats it like that response arriving; the transaction then ends.
    void (*client_failed)(void* context, txn_id id, std::uint16_t status) = nullptr;
    // The transaction is being destroyed (RFC 3261 §17: at once when Terminated).
    // The TU drops its references; the slot is reused afterwards.
    void (*terminated)(void* context, txn_id id) = nullptr;
    // Optional: start loading what `terminated` will read for this transaction (its
    // expiry is coming up, and the TU's state for it is cold by then).
    void (*prefetch_terminated)(void* context, txn_id id) = nullptr;
};

// What a request matching an existing server transaction led to.
enum class server_disposition : std::uint8_t {
    absorbed,      // retransmission swallowed (nothing to send, or ACK in Completed/Confirmed)
    retransmitted, // the last response was sent again
    ack_to_tu,     // ACK in Accepted (RFC 6026): the TU handles it (proxy: forwards)
};

enum class client_disposition : std::uint8_t {
    pass_up,  // hand the response to the TU
    absorbed, // retransmission or late response: nothing more to do
};

class transaction_layer {
public:
    // Registers the layer's timer handler on `wheel` for config.timer_kind.
    // Precondition: timer::validate(config.timers) succeeded; the wheel has room for
    // the kind. The layer keeps references to wheel and counters.
    transaction_layer(const transaction_layer_config& config, timer::timer_wheel& wheel,
                      counter_block& counters, tu_hooks hooks);
    transaction_layer(const transaction_layer&) = delete;
    transaction_layer& operator=(const transaction_layer&) = delete;

    const key_maker& keys() const { return _keys; }
    txn_id find(const txn_key& key) const { return _table.find(key); }
    // The index line of key (transaction_table::prefetch): before a create_*()
    // that has other work to do first.
    void prefetch(const txn_key& key) const { _table.prefetch(key); }
    // The id (and its generation) that the next create_client()/create_server()
    // will use, or no_txn when the table is full.
    txn_id next_id() const { return _table.next_free(); }
    // id when it is a live transaction of that generation and key: a lookup by a
    // handle the caller kept (e.g. in a branch) that needs no hash-index probe.
    bool is(txn_id id, std::uint32_t generation, const txn_key& key) const {
        return _table.live(id) && _table[id].generation == generation && _table[id].key == key &&
               _table[id].state != txn_state::terminated;
    }
    transaction& get(txn_id id) { return _table[id]; }
    const transaction& get(txn_id id) const { return _table[id]; }
    bool live(txn_id id) const { return _table.live(id); }
    std::uint32_t size() const { return _table.size(); }
    std::uint32_t capacity() const { return _table.capacity(); }
    bool full() const { return _table.size() == _table.capacity(); }
    message_store& store() { return _store; }
    timer::timer_wheel& wheel() { return _wheel; }
    const timer::sip_timer_ticks& ticks() const { return _ticks; }
    // New T1/T2/T4/D values (a live reload). Transactions started from now on use
    // them; running ones keep their armed timers, and their next retransmit
    // interval doubles from the current one capped at the new T2.
    // Precondition: timer::validate(timers) succeeded.
    void set_timers(const timer::sip_timer_config& timers, std::chrono::nanoseconds tick) {
        _ticks = timer::sip_timer_ticks(timers, timer::tick_scale(tick));
    }

    // ---- server transactions ----
    // New server transaction in Proceeding (IST) or Trying (NIST); no_txn when the
    // table is full (the caller answers 503 statelessly).
    txn_id create_server(const txn_key& key, bool invite, transport tp, const endpoint& peer);
    // A request that matched server transaction id (a retransmission, or an ACK for
    // an INVITE transaction).
    server_disposition on_request(txn_id id, bool is_ack, outbox& out);
    // The TU's response: sent, stored for retransmission when the state machine
    // needs it, and the state moved on. Responses the state no longer allows (a
    // provisional after a final) are ignored.
    void send_response(txn_id id, std::uint16_t status, std::string_view bytes, outbox& out);

    // ---- client transactions ----
    // Sends request to dst and starts the client state machine (timers A/B or
    // E/F). The request is stored (retransmission, ACK and CANCEL building).
    // no_txn when the table or the message store is full.
    // lookup by_handle: the caller names the transaction by the id and generation
    // that next_id() gave (in its Via branch) and finds it with is(); find() does not
    // see it.
    txn_id create_client(const txn_key& key, bool invite, transport tp, const endpoint& dst,
                         std::string_view request, std::uint32_t owner, std::uint16_t slot,
                         outbox& out, txn_lookup lookup = txn_lookup::by_key);
    // A response that matched client transaction id.
    client_disposition on_response(txn_id id, const sip::message_view& response, outbox& out);
    // Copies the stored request of a client transaction into buf (>= its length).
    std::string_view stored_request(txn_id id, char* buf) const;
    // The TU will not ask for this client transaction's request again: once a 2xx
    // has come there is no retransmission, no CANCEL and no ACK built from it
    // (RFC 6026 Accepted; NICT Completed), so its chunks go back to the store now
    // rather than when Timer M or K ends the transaction. Ignored in the states that
    // still retransmit (Calling, Trying, Proceeding) and for a non-2xx final, which
    // keeps it.
    void drop_request(txn_id id);

    // ---- both ----
    // The dataplane could not send a message of this transaction.
    void on_transport_error(txn_id id);
    // Ends a transaction at once (TU decision, e.g. tearing down on shutdown).
    void terminate(txn_id id);

private:
    static void on_timer(void* context, timer::timer_wheel& wheel, const timer::timer_event& ev);
    static void prefetch_timer(void* context, std::uint64_t data, unsigned stage);
    void handle_timer(txn_id id, std::uint32_t generation);
    bool set_timer(txn_id id, timer::tick_t delay);
    bool start_retransmit_timer(txn_id id, timer::tick_t interval, timer::tick_t timeout);
    bool arm_retransmit_or_timeout(txn_id id, timer::tick_t now);
    bool retransmit_or_time_out(txn_id id, timer::tick_t now);
    void stop_timer(timer::timer_handle& slot);
    void send_stored(txn_id id, const stored_message& m, outbox* out);
    void replace_stored(stored_message& slot, std::string_view bytes);
    void send_ack_for(txn_id id, const sip::message_view& response, outbox& out);
    void fail_client(txn_id id, std::uint16_t status);

    timer::timer_wheel& _wheel;
    counter_block& _counters;
    tu_hooks _hooks;
    timer::sip_timer_ticks _ticks;
    std::uint16_t _timer_kind;
    key_maker _keys;
    transaction_table _table;
    message_store _store;
    parser::message_parser _parser;
    // Timer callbacks have no outbox of their own: retransmissions fired by the
    // wheel go to the one registered for the current advance (see set_timer_outbox).
    outbox* _timer_out = nullptr;
    std::unique_ptr<char[]> _scratch; // one stored message, re-parsed (ACK building)
    std::unique_ptr<char[]> _scratch2;
    sip::message_view _scratch_view;

public:
    static constexpr std::size_t scratch_size = 65536;
    // Where timer-driven retransmissions go during the next wheel.advance(); the
    // owner (proxy_core::on_tick) sets it around the call. nullptr drops them.
    void set_timer_outbox(outbox* out) { _timer_out = out; }
};

} // namespace sipedge::txn
