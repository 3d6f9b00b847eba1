#include "dataplane/transaction/transaction_layer.hh"

#include "dataplane/transaction/request_builder.hh"

namespace sipedge::txn {

namespace {

using timer::sip_timer;

timer::sip_transport timer_transport(transport tp) {
    return is_reliable(tp) ? timer::sip_transport::reliable : timer::sip_transport::unreliable;
}

// Timer data: transaction index, low 24 bits of its generation, which timer.
std::uint64_t pack(txn_id id, std::uint32_t generation, std::uint8_t w) {
    return (std::uint64_t{id} << 32) | (std::uint64_t{generation & 0xffffffu} << 8) | w;
}

} // namespace

transaction_layer::transaction_layer(const transaction_layer_config& config,
                                     timer::timer_wheel& wheel, counter_block& counters,
                                     tu_hooks hooks)
    : _wheel(wheel), _counters(counters), _hooks(hooks),
      _ticks(config.timers, timer::tick_scale(config.tick)), _timer_kind(config.timer_kind),
      _keys(config.seed), _table(config.capacity),
      _store(config.store_chunks != 0 ? config.store_chunks : config.capacity * 8),
      _scratch(new char[scratch_size + parser::parser_padding]), _scratch2(new char[scratch_size]) {
    (void)_wheel.set_handler(_timer_kind, &transaction_layer::on_timer, this);
}

// ---------------------------------------------------------------- helpers

bool transaction_layer::start_timer(txn_id id, which w, timer::tick_t delay,
                                    timer::timer_handle& slot) {
    stop_timer(slot);
    const transaction& t = _table[id];
    auto h = _wheel.start(delay, _timer_kind, pack(id, t.generation, static_cast<std::uint8_t>(w)));
    if (!h) {
        // Wheel full: the transaction cannot be timed; end it rather than leak it.
        return false;
    }
    slot = h.value();
    return true;
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
                // §17.2.1: ACK for our non-2xx: stop G and H, absorb ACK retransmits for I.
                stop_timer(t.retransmit_timer);
                t.state = txn_state::confirmed;
                _store.release(t.message);
                if (!start_timer(id, which::i, _ticks.initial(sip_timer::i, timer_transport(t.tp)),
                                 t.timeout_timer)) {
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
            if (!start_timer(id, which::l, _ticks.initial(sip_timer::l, tt), t.timeout_timer)) {
                terminate(id);
            }
            return;
        }
        replace_stored(t.message, bytes);
        t.state = txn_state::completed;
        if (timer::sip_timer_applies(sip_timer::g, tt)) {
            t.retransmit_interval = static_cast<std::uint32_t>(_ticks.initial(sip_timer::g, tt));
            (void)start_timer(id, which::g, t.retransmit_interval, t.retransmit_timer);
        }
        if (!start_timer(id, which::h, _ticks.initial(sip_timer::h, tt), t.timeout_timer)) {
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
    if (!start_timer(id, which::j, _ticks.initial(sip_timer::j, tt), t.timeout_timer)) {
        terminate(id);
    }
}

// ---------------------------------------------------------------- client side

txn_id transaction_layer::create_client(const txn_key& key, bool invite, transport tp,
                                        const endpoint& dst, std::string_view request,
                                        std::uint32_t owner, std::uint16_t slot, outbox& out) {
    const txn_id id = _table.allocate(key);
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
    const timer::sip_transport tt = timer_transport(tp);
    const sip_timer retx = invite ? sip_timer::a : sip_timer::e;
    const sip_timer timeout = invite ? sip_timer::b : sip_timer::f;
    bool ok = true;
    if (timer::sip_timer_applies(retx, tt)) {
        t.retransmit_interval = static_cast<std::uint32_t>(_ticks.initial(retx, tt));
        ok = start_timer(id, invite ? which::a : which::e, t.retransmit_interval,
                         t.retransmit_timer);
    }
    ok = ok && start_timer(id, invite ? which::b : which::f, _ticks.initial(timeout, tt),
                           t.timeout_timer);
    if (!ok) {
        // Untimed client transactions would hang their branch: fail it now.
        t.owner = owner;
        stop_timer(t.retransmit_timer);
        stop_timer(t.timeout_timer);
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
                stop_timer(t.retransmit_timer);
                stop_timer(t.timeout_timer);
                t.state = txn_state::proceeding;
                return client_disposition::pass_up;
            }
            stop_timer(t.retransmit_timer);
            if (success) {
                // RFC 6026 §8.4: Accepted, Timer M; later 2xx still go up.
                t.state = txn_state::accepted;
                if (!start_timer(id, which::m, _ticks.initial(sip_timer::m, tt), t.timeout_timer)) {
                    terminate(id);
                }
                return client_disposition::pass_up;
            }
            t.state = txn_state::completed;
            send_ack_for(id, response, out);
            if (!start_timer(id, which::d, _ticks.initial(sip_timer::d, tt), t.timeout_timer)) {
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
    stop_timer(t.retransmit_timer);
    t.state = txn_state::completed;
    if (!start_timer(id, which::k, _ticks.initial(sip_timer::k, tt), t.timeout_timer)) {
        terminate(id);
    }
    return client_disposition::pass_up;
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
    t.state = txn_state::terminated;
    stop_timer(t.retransmit_timer);
    stop_timer(t.timeout_timer);
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
    self->handle_timer(static_cast<txn_id>(ev.data >> 32),
                       static_cast<std::uint32_t>((ev.data >> 8) & 0xffffffu),
                       static_cast<which>(ev.data & 0xff));
}

void transaction_layer::handle_timer(txn_id id, std::uint32_t generation, which w) {
    if (!_table.live(id)) {
        return;
    }
    transaction& t = _table[id];
    if ((t.generation & 0xffffffu) != generation || t.state == txn_state::terminated) {
        return;
    }
    const bool retransmit_timer = w == which::a || w == which::e || w == which::g;
    (retransmit_timer ? t.retransmit_timer : t.timeout_timer) = {}; // fired: handle is stale
    switch (w) {
    case which::a:
        if (t.state == txn_state::calling) {
            send_stored(id, t.message, _timer_out);
            _counters.add(counter_id::txn_retransmits_sent);
            t.retransmit_interval = static_cast<std::uint32_t>(
                _ticks.next_retransmit(sip_timer::a, t.retransmit_interval));
            (void)start_timer(id, which::a, t.retransmit_interval, t.retransmit_timer);
        }
        return;
    case which::e:
        if (t.state == txn_state::trying || t.state == txn_state::proceeding) {
            send_stored(id, t.message, _timer_out);
            _counters.add(counter_id::txn_retransmits_sent);
            // §17.1.2.2: doubling up to T2 in Trying; T2 once in Proceeding.
            t.retransmit_interval = static_cast<std::uint32_t>(
                t.state == txn_state::proceeding
                    ? _ticks.e_proceeding()
                    : _ticks.next_retransmit(sip_timer::e, t.retransmit_interval));
            (void)start_timer(id, which::e, t.retransmit_interval, t.retransmit_timer);
        }
        return;
    case which::g:
        if (t.state == txn_state::completed) {
            send_stored(id, t.message, _timer_out);
            _counters.add(counter_id::txn_retransmits_sent);
            t.retransmit_interval = static_cast<std::uint32_t>(
                _ticks.next_retransmit(sip_timer::g, t.retransmit_interval));
            (void)start_timer(id, which::g, t.retransmit_interval, t.retransmit_timer);
        }
        return;
    case which::b:
    case which::f:
        if (t.state == txn_state::calling || t.state == txn_state::trying ||
            t.state == txn_state::proceeding) {
            _counters.add(counter_id::txn_timeouts);
            fail_client(id, 408);
        }
        return;
    case which::h: // §17.2.1: no ACK came; the TU has nothing to do in a proxy
    case which::d:
    case which::i:
    case which::j:
    case which::k:
    case which::l:
    case which::m:
        terminate(id);
        return;
    }
}

} // namespace sipedge::txn
