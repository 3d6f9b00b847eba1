#include "dataplane/transaction/transaction_layer.hh"

#include "dataplane/transaction/request_builder.hh"

namespace sipedge::txn {

namespace {

using timer::sip_timer;

timer::sip_transport timer_transport(transport tp) {
    return is_reliable(tp) ? timer::sip_transport::reliable : timer::sip_transport::unreliable;
}

// Timer data: transaction index and generation. A transaction has one timer at a
// time, and what it means follows from the transaction's kind and state.
std::uint64_t pack(txn_id id, std::uint32_t generation) {
    return (std::uint64_t{id} << 32) | generation;
}

// The tick whose low 32 bits are `lo`, for a tick within 2^31 of now (deadlines are
// at most 64*T1 ahead, which validate() keeps within a wheel delay, < 2^30).
timer::tick_t full_tick(std::uint32_t lo, timer::tick_t now) {
    const auto delta = static_cast<std::int32_t>(lo - static_cast<std::uint32_t>(now));
    return now + static_cast<timer::tick_t>(static_cast<std::int64_t>(delta));
}

} // namespace

transaction_layer::transaction_layer(const transaction_layer_config& config,
                                     timer::timer_wheel& wheel, counter_block& counters,
                                     tu_hooks hooks)
    : _wheel(wheel), _counters(counters), _hooks(hooks),
      _ticks(config.timers, timer::tick_scale(config.tick)), _timer_kind(config.timer_kind),
      _keys(config.seed), _table(config.capacity),
      _store(config.store_chunks != 0 ? config.store_chunks
                                      : config.capacity * store_chunks_per_transaction),
      _scratch(new char[scratch_size + parser::parser_padding]), _scratch2(new char[scratch_size]) {
    (void)_wheel.set_handler(_timer_kind, &transaction_layer::on_timer, this);
    (void)_wheel.set_prefetch(_timer_kind, &transaction_layer::prefetch_timer);
}

// ---------------------------------------------------------------- helpers

// Arms the transaction's one timer `delay` ticks from now: a running one is moved
// (restart keeps its data, this transaction), else a new one is started. False when
// the wheel is full: the transaction cannot be timed, and the caller ends it rather
// than leak it.
bool transaction_layer::set_timer(txn_id id, timer::tick_t delay) {
    transaction& t = _table[id];
    if (t.timer.valid() && _wheel.restart(t.timer, delay).ok()) {
        return true;
    }
    auto h = _wheel.start(delay, _timer_kind, pack(id, t.generation));
    t.timer = h ? h.value() : timer::timer_handle{};
    return h.ok();
}

// A state that retransmits every `interval` ticks (0: never, as on reliable
// transports) until a timeout `timeout` ticks from now -- A+B, E+F, G+H -- runs on
// one timer, armed for whichever comes first. RFC 3261 §17 restarts A, E and G from
// their firing and runs B, F and H from the state's start; so does this.
bool transaction_layer::start_retransmit_timer(txn_id id, timer::tick_t interval,
                                               timer::tick_t timeout) {
    transaction& t = _table[id];
    const timer::tick_t now = _wheel.now();
    t.retransmit_interval = static_cast<std::uint32_t>(interval);
    t.deadline = static_cast<std::uint32_t>(now + timeout);
    return arm_retransmit_or_timeout(id, now);
}

// Precondition: now is before the deadline. A retransmission is armed only if its
// interval ends before the deadline; otherwise the timeout is. Either way the
// timeout fires no later than a separate timer for it would (the wheel's lateness
// grows with the delay, and this delay is shorter).
bool transaction_layer::arm_retransmit_or_timeout(txn_id id, timer::tick_t now) {
    const transaction& t = _table[id];
    const timer::tick_t to_timeout = full_tick(t.deadline, now) - now;
    const timer::tick_t interval = t.retransmit_interval;
    return set_timer(id, interval != 0 && interval < to_timeout ? interval : to_timeout);
}

void transaction_layer::stop_timer(timer::timer_handle& slot) {
    if (slot.valid()) {
        (void)_wheel.cancel(slot);
        slot = {};
    }
}

void transaction_layer::send_stored(txn_id id, const stored_message& m, outbox* out) {
    if (m.empty() || out == nullptr) {
        return;
    }
    const transaction& t = _table[id];
    char* p = out->reserve(m.length);
    if (p == nullptr) {
        _counters.add(counter_id::drop_outbox_full);
        return;
    }
    _store.copy_out(m, p);
    out->commit(t.peer, t.tp, m.length, is_client(t.kind) ? id : no_txn);
}

void transaction_layer::replace_stored(stored_message& slot, std::string_view bytes) {
    _store.release(slot);
    slot = _store.store(bytes);
    if (slot.empty()) {
        _counters.add(counter_id::drop_message_store_full);
    }
}

std::string_view transaction_layer::stored_request(txn_id id, char* buf) const {
    const transaction& t = _table[id];
    if (t.message.empty()) {
        return {};
    }
    _store.copy_out(t.message, buf);
    return {buf, t.message.length};
}

// ---------------------------------------------------------------- server side

txn_id transaction_layer::create_server(const txn_key& key, bool invite, transport tp,
                                        const endpoint& peer) {
    const txn_id id = _table.allocate(key);
    if (id == no_txn) {
        return no_txn;
    }
    transaction& t = _table[id];
    t.kind = invite ? txn_kind::invite_server : txn_kind::non_invite_server;
    t.state = invite ? txn_state::proceeding : txn_state::trying;
    t.tp = tp;
    t.peer = peer;
    _counters.add(counter_id::txn_server_created);
    return id;
}

server_disposition transaction_layer::on_request(txn_id id, bool is_ack, outbox& out) {
    transaction& t = _table[id];
    if (t.kind == txn_kind::invite_server) {
        if (is_ack) {
            switch (t.state) {
            case txn_state::completed:
                // §17.2.1: ACK for our non-2xx: G and H give way to I, which absorbs
                // ACK retransmits.
                t.state = txn_state::confirmed;
                _store.release(t.message);
                if (!set_timer(id, _ticks.initial(sip_timer::i, timer_transport(t.tp)))) {
                    terminate(id);
                }
                return server_disposition::absorbed;
            case txn_state::accepted:
                return server_disposition::ack_to_tu; // RFC 6026 §7.1
            default:
                _counters.add(counter_id::txn_retransmits_absorbed);
                return server_disposition::absorbed;
            }
        }
        if (t.state == txn_state::proceeding || t.state == txn_state::completed) {
            // §17.2.1: resend the most recent provisional, or the final response.
            if (!t.message.empty()) {
                send_stored(id, t.message, &out);
                _counters.add(counter_id::txn_retransmits_sent);
                return server_disposition::retransmitted;
            }
        }
        // Accepted (RFC 6026): INVITE retransmissions are absorbed, never passed up.
        _counters.add(counter_id::txn_retransmits_absorbed);
        return server_disposition::absorbed;
    }
    // NIST, §17.2.2: Trying absorbs; Proceeding and Completed resend the last response.
    if ((t.state == txn_state::proceeding || t.state == txn_state::completed) &&
        !t.message.empty()) {
        send_stored(id, t.message, &out);
        _counters.add(counter_id::txn_retransmits_sent);
        return server_disposition::retransmitted;
    }
    _counters.add(counter_id::txn_retransmits_absorbed);
    return server_disposition::absorbed;
}

void transaction_layer::send_response(txn_id id, std::uint16_t status, std::string_view bytes,
                                      outbox& out) {
    transaction& t = _table[id];
    const bool provisional = status < 200;
    const bool success = status >= 200 && status < 300;
    const timer::sip_transport tt = timer_transport(t.tp);
    auto push = [&] {
        if (!out.push(t.peer, t.tp, bytes)) {
            _counters.add(counter_id::drop_outbox_full);
        }
    };
    if (t.kind == txn_kind::invite_server) {
        if (t.state == txn_state::accepted && success) {
            push(); // RFC 6026 §7.1: further 2xx (forks) go out from Accepted
            return;
        }
        if (t.state != txn_state::proceeding) {
            return;
        }
        t.last_status = status;
        push();
        if (provisional) {
            replace_stored(t.message, bytes);
            return;
        }
        if (success) {
            // RFC 6026: Accepted, Timer L absorbs INVITE retransmissions.
            _store.release(t.message);
            t.state = txn_state::accepted;
            if (!set_timer(id, _ticks.initial(sip_timer::l, tt))) {
                terminate(id);
            }
            return;
        }
        replace_stored(t.message, bytes);
        t.state = txn_state::completed;
        // G (unreliable transports only) and H.
        const timer::tick_t g =
            timer::sip_timer_applies(sip_timer::g, tt) ? _ticks.initial(sip_timer::g, tt) : 0;
        if (!start_retransmit_timer(id, g, _ticks.initial(sip_timer::h, tt))) {
            terminate(id);
        }
        return;
    }
    // NIST
    if (t.state != txn_state::trying && t.state != txn_state::proceeding) {
        return;
    }
    t.last_status = status;
    push();
    replace_stored(t.message, bytes);
    if (provisional) {
        t.state = txn_state::proceeding;
        return;
    }
    t.state = txn_state::completed;
    // Timer J (0 on reliable transports: wait one tick, then end).
    if (!set_timer(id, _ticks.initial(sip_timer::j, tt))) {
        terminate(id);
    }
}

// ---------------------------------------------------------------- client side

txn_id transaction_layer::create_client(const txn_key& key, bool invite, transport tp,
                                        const endpoint& dst, std::string_view request,
                                        std::uint32_t owner, std::uint16_t slot, outbox& out,
                                        txn_lookup lookup) {
    const txn_id id = _table.allocate(key, lookup);
    if (id == no_txn) {
        return no_txn;
    }
    transaction& t = _table[id];
    t.kind = invite ? txn_kind::invite_client : txn_kind::non_invite_client;
    t.state = invite ? txn_state::calling : txn_state::trying;
    t.tp = tp;
    t.peer = dst;
    t.owner = owner;
    t.owner_slot = slot;
    t.message = _store.store(request);
    if (t.message.empty()) {
        _counters.add(counter_id::drop_message_store_full);
        t.state = txn_state::terminated;
        _table.release(id);
        return no_txn;
    }
    _counters.add(counter_id::txn_client_created);
    if (!out.push(dst, tp, request, id)) {
        _counters.add(counter_id::drop_outbox_full); // the retransmit timer will resend
    }
    // A and B, or E and F (A and E on unreliable transports only).
    const timer::sip_transport tt = timer_transport(tp);
    const sip_timer retx = invite ? sip_timer::a : sip_timer::e;
    const sip_timer timeout = invite ? sip_timer::b : sip_timer::f;
    const timer::tick_t interval =
        timer::sip_timer_applies(retx, tt) ? _ticks.initial(retx, tt) : 0;
    if (!start_retransmit_timer(id, interval, _ticks.initial(timeout, tt))) {
        // Untimed client transactions would hang their branch: fail it now.
        t.owner = owner;
        stop_timer(t.timer);
        _store.release(t.message);
        t.state = txn_state::terminated;
        _table.release(id);
        return no_txn;
    }
    return id;
}

void transaction_layer::send_ack_for(txn_id id, const sip::message_view& response, outbox& out) {
    transaction& t = _table[id];
    if (t.ack.empty()) {
        const std::string_view req = stored_request(id, _scratch.get());
        auto parsed = _parser.parse(req, req.size() + parser::parser_padding, _scratch_view);
        if (!parsed.ok()) {
            return;
        }
        auto n = build_ack(_scratch_view, response, _scratch2.get(), scratch_size);
        if (!n) {
            return;
        }
        t.ack = _store.store(std::string_view(_scratch2.get(), n.value()));
        if (t.ack.empty()) {
            _counters.add(counter_id::drop_message_store_full);
            (void)out.push(t.peer, t.tp, std::string_view(_scratch2.get(), n.value()));
            return;
        }
    } else {
        _counters.add(counter_id::txn_retransmits_sent);
    }
    send_stored(id, t.ack, &out);
}

client_disposition transaction_layer::on_response(txn_id id, const sip::message_view& response,
                                                  outbox& out) {
    transaction& t = _table[id];
    const std::uint16_t status = response.status_code();
    const timer::sip_transport tt = timer_transport(t.tp);
    const bool provisional = status < 200;
    const bool success = status >= 200 && status < 300;

    if (t.kind == txn_kind::invite_client) {
        switch (t.state) {
        case txn_state::calling:
        case txn_state::proceeding:
            t.last_status = status;
            if (provisional) {
                // §17.1.1.2: Proceeding stops retransmissions; B only runs in Calling.
                stop_timer(t.timer);
                t.state = txn_state::proceeding;
                return client_disposition::pass_up;
            }
            if (success) {
                // RFC 6026 §8.4: Accepted, Timer M (in place of A and B); later 2xx
                // still go up.
                t.state = txn_state::accepted;
                if (!set_timer(id, _ticks.initial(sip_timer::m, tt))) {
                    terminate(id);
                }
                return client_disposition::pass_up;
            }
            t.state = txn_state::completed;
            send_ack_for(id, response, out);
            // Timer D in place of A and B.
            if (!set_timer(id, _ticks.initial(sip_timer::d, tt))) {
                terminate(id);
            }
            return client_disposition::pass_up;
        case txn_state::completed:
            if (status >= 300) {
                send_ack_for(id, response, out); // retransmitted final: ACK again
            }
            _counters.add(counter_id::txn_retransmits_absorbed);
            return client_disposition::absorbed;
        case txn_state::accepted:
            if (success) {
                return client_disposition::pass_up;
            }
            _counters.add(counter_id::txn_retransmits_absorbed);
            return client_disposition::absorbed;
        default:
            return client_disposition::absorbed;
        }
    }
    // NICT, §17.1.2.2
    if (t.state != txn_state::trying && t.state != txn_state::proceeding) {
        _counters.add(counter_id::txn_retransmits_absorbed);
        return client_disposition::absorbed;
    }
    t.last_status = status;
    if (provisional) {
        t.state = txn_state::proceeding;
        return client_disposition::pass_up;
    }
    // Timer K in place of E and F.
    t.state = txn_state::completed;
    if (!set_timer(id, _ticks.initial(sip_timer::k, tt))) {
        terminate(id);
    }
    return client_disposition::pass_up;
}

void transaction_layer::drop_request(txn_id id) {
    if (!_table.live(id)) {
        return;
    }
    transaction& t = _table[id];
    const bool after_2xx =
        t.last_status >= 200 && t.last_status < 300 &&
        (t.state == txn_state::accepted ||
         (t.kind == txn_kind::non_invite_client && t.state == txn_state::completed));
    if (is_client(t.kind) && after_2xx) {
        _store.release(t.message);
    }
}

// ---------------------------------------------------------------- endings

void transaction_layer::fail_client(txn_id id, std::uint16_t status) {
    if (_hooks.client_failed != nullptr) {
        _hooks.client_failed(_hooks.context, id, status);
    }
    if (_table.live(id)) {
        terminate(id);
    }
}

void transaction_layer::on_transport_error(txn_id id) {
    if (!_table.live(id) || _table[id].state == txn_state::terminated) {
        return;
    }
    _counters.add(counter_id::txn_transport_errors);
    const transaction& t = _table[id];
    // §17.1.4 / §17.2.4: inform the TU; a failed client transaction reads as 503.
    if (is_client(t.kind) && (t.state == txn_state::calling || t.state == txn_state::trying ||
                              t.state == txn_state::proceeding)) {
        fail_client(id, 503);
        return;
    }
    terminate(id);
}

void transaction_layer::terminate(txn_id id) {
    if (!_table.live(id) || _table[id].state == txn_state::terminated) {
        return;
    }
    transaction& t = _table[id];
    // Ending a transaction touches its timer, the TU's context, its stored messages
    // and finally its index entry, all cold (most ends are timeouts 32 s after the
    // start): the index line is requested first so that its miss overlaps the rest.
    _table.prefetch(t.key);
    t.state = txn_state::terminated;
    stop_timer(t.timer);
    stop_timer(t.tu_timer);
    if (_hooks.terminated != nullptr) {
        _hooks.terminated(_hooks.context, id);
    }
    _store.release(t.message);
    _store.release(t.ack);
    _table.release(id);
}

// ---------------------------------------------------------------- timers

void transaction_layer::on_timer(void* context, timer::timer_wheel&, const timer::timer_event& ev) {
    auto* self = static_cast<transaction_layer*>(context);
    self->handle_timer(static_cast<txn_id>(ev.data >> 32), static_cast<std::uint32_t>(ev.data));
}

// Most expiries end their transaction 32 s (or 5 s) after it last did anything:
// its slot, its index line, its stored messages and the TU's state for it are all
// cache misses, taken one after another in terminate(). The wheel asks ahead: stage
// 0 loads the slot, stage 1 (the slot is in by then) what the slot leads to.
void transaction_layer::prefetch_timer(void* context, std::uint64_t data, unsigned stage) {
    const auto* self = static_cast<const transaction_layer*>(context);
    const auto id = static_cast<txn_id>(data >> 32);
    if (id >= self->_table.capacity()) {
        return;
    }
    const transaction& t = self->_table[id];
    if (stage == 0) {
        const char* p = reinterpret_cast<const char*>(&t);
        SIPEDGE_PREFETCH_WRITE(p);
        SIPEDGE_PREFETCH_WRITE(p + sizeof(transaction) - 1);
        return;
    }
    if (t.generation != static_cast<std::uint32_t>(data) || t.state == txn_state::idle) {
        return;
    }
    if (t.lookup == txn_lookup::by_key) {
        self->_table.prefetch(t.key);
    }
    self->_store.prefetch_release(t.message);
    self->_store.prefetch_release(t.ack);
    if (self->_hooks.prefetch_terminated != nullptr) {
        self->_hooks.prefetch_terminated(self->_hooks.context, id);
    }
}

// The retransmission timer of A+B, E+F or G+H fired at `now`: a retransmission and
// the next interval (A doubles; E and G double up to T2; E is T2 in Proceeding,
// §17.1.2.2) -- or false when the deadline has come (B, F, H): the caller ends the
// transaction. (Re-arming cannot find the wheel full: the timer that just fired freed
// a node. If it could, false would end the transaction rather than leave it untimed.)
bool transaction_layer::retransmit_or_time_out(txn_id id, timer::tick_t now) {
    transaction& t = _table[id];
    if (static_cast<std::int64_t>(now - full_tick(t.deadline, now)) >= 0) {
        return false;
    }
    send_stored(id, t.message, _timer_out);
    _counters.add(counter_id::txn_retransmits_sent);
    const sip_timer which = t.kind == txn_kind::invite_client       ? sip_timer::a
                            : t.kind == txn_kind::non_invite_client ? sip_timer::e
                                                                    : sip_timer::g;
    t.retransmit_interval =
        static_cast<std::uint32_t>(which == sip_timer::e && t.state == txn_state::proceeding
                                       ? _ticks.e_proceeding()
                                       : _ticks.next_retransmit(which, t.retransmit_interval));
    // The node of the timer that just fired is free: this cannot find the wheel full.
    return arm_retransmit_or_timeout(id, now);
}

void transaction_layer::handle_timer(txn_id id, std::uint32_t generation) {
    if (!_table.live(id)) {
        return;
    }
    transaction& t = _table[id];
    if (t.generation != generation || t.state == txn_state::terminated) {
        return;
    }
    t.timer = {}; // fired: the handle is stale
    const timer::tick_t now = _wheel.now();
    switch (t.kind) {
    case txn_kind::invite_client:
        if (t.state == txn_state::calling) { // A, B
            if (!retransmit_or_time_out(id, now)) {
                _counters.add(counter_id::txn_timeouts);
                fail_client(id, 408);
            }
        } else if (t.state == txn_state::completed || t.state == txn_state::accepted) { // D, M
            terminate(id);
        }
        return;
    case txn_kind::non_invite_client:
        if (t.state == txn_state::trying || t.state == txn_state::proceeding) { // E, F
            if (!retransmit_or_time_out(id, now)) {
                _counters.add(counter_id::txn_timeouts);
                fail_client(id, 408);
            }
        } else if (t.state == txn_state::completed) { // K
            terminate(id);
        }
        return;
    case txn_kind::invite_server:
        if (t.state == txn_state::completed) { // G, H (no ACK came; nothing for the TU)
            if (!retransmit_or_time_out(id, now)) {
                terminate(id);
            }
        } else if (t.state == txn_state::confirmed || t.state == txn_state::accepted) { // I, L
            terminate(id);
        }
        return;
    case txn_kind::non_invite_server:
        if (t.state == txn_state::completed) { // J
            terminate(id);
        }
        return;
    }
}

} // namespace sipedge::txn
