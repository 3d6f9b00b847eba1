#include "bench/loadgen/transaction_engine.hh"

#include "bench/loadgen/addr.hh"
#include "bench/loadgen/routing.hh"
#include "parser/cseq.hh"

#include <algorithm>
#include <charconv>

namespace sipedge::loadgen {

namespace {

constexpr std::size_t message_capacity = 4096;
// Call-ID: prefix(2) index(8 hex) "." random(16 hex) "@" uac-ip
constexpr std::size_t call_id_token = 2 + 8 + 1 + 16;

} // namespace

enum class txn_state : std::uint8_t { idle, trying, proceeding };

struct transaction_engine::user {
    std::uint64_t rand = 0;     // the user's Call-ID, From tag and branch randomness
    std::uint64_t started = 0;  // clock of the item's first request: latency base
    std::uint64_t txn_tick = 0; // wheel tick the current transaction started
    std::uint64_t cnonce = 0;   // of the current request with credentials
    std::uint32_t cseq = 0;     // of the current (or last) request
    std::uint32_t nc = 0;       // nonce-count last used on the stored nonce
    std::uint32_t retrans_ms = 0;
    timer::timer_handle timer;
    txn_state state = txn_state::idle;
    bool busy = false;             // an item (registration, OPTIONS) in progress
    bool with_credentials = false; // the current REGISTER carries Authorization
    bool reused = false;           // this registration began on a reused nonce
    std::uint8_t challenges = 0;   // 401s answered in this registration
};

result<std::unique_ptr<transaction_engine>, timer::timer_errc>
transaction_engine::create(const engine_config& cfg, stats_block& stats, send_fn send,
                           void* user_ptr) {
    if (cfg.kind == scenario::call || cfg.users == 0 || cfg.hz == 0 || cfg.rate == 0) {
        return error{timer::timer_errc::invalid_config,
                     "a REGISTER or OPTIONS scenario with users, a rate and a clock rate"};
    }
    if (cfg.kind == scenario::register_ && cfg.domain.empty()) {
        return error{timer::timer_errc::invalid_config, "the register scenario needs a domain"};
    }
    auto wheel =
        timer::timer_wheel::create({.capacity = cfg.users + 64, .start_tick = 0, .kinds = 1});
    if (!wheel) {
        return wheel.err();
    }
    std::unique_ptr<transaction_engine> e(
        new transaction_engine(cfg, stats, send, user_ptr, std::move(wheel).value()));
    if (!e->_wheel.set_handler(0, on_timer, e.get())) {
        return error{timer::timer_errc::unknown_kind, "cannot register the engine's timers"};
    }
    return e;
}

transaction_engine::transaction_engine(const engine_config& cfg, stats_block& stats, send_fn send,
                                       void* user_ptr, timer::timer_wheel wheel)
    : paced_run(cfg), _cfg(cfg), _stats(stats), _send{stats, send, user_ptr}, _wheel(std::move(wheel)),
      _view(std::make_unique<sip::message_view>()), _users(std::make_unique<user[]>(cfg.users)),
      _challenges(cfg.kind == scenario::register_
                      ? std::make_unique<stored_challenge[]>(cfg.users)
                      : nullptr),
      _uas(_cfg, stats, send, user_ptr, cfg.seed), _buffer(std::make_unique<char[]>(message_capacity)),
      _rng(cfg.seed | 1) {
    _uac_host = format_endpoint(cfg.uac_ip, cfg.uac_port);
    _uac_ip = format_ipv4(cfg.uac_ip);
    if (cfg.kind == scenario::register_) {
        _request_uri = "sip:" + cfg.domain;
        _method = "REGISTER";
        _id_prefix[0] = 'l';
        _id_prefix[1] = 'r';
    } else {
        _request_uri = "sip:" + format_endpoint(cfg.next_hop_ip, cfg.next_hop_port);
        _method = "OPTIONS";
        _id_prefix[0] = 'l';
        _id_prefix[1] = 'o';
    }
    for (std::uint32_t i = 0; i < cfg.users; ++i) {
        _users[i].rand = random();
    }
    _clock_per_tick = std::max<std::uint64_t>(1, cfg.hz / 1000);
}

transaction_engine::~transaction_engine() = default;

std::uint64_t transaction_engine::random() {
    // splitmix64, as call_engine.
    std::uint64_t z = (_rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void transaction_engine::start(std::uint64_t now) {
    _t0 = now;
    _now = now;
    _pacer.start(now);
    _drain_deadline = ~std::uint64_t{0};
}

// ---- placing ----

void transaction_engine::on_pass(std::uint64_t now, bool may_place) {
    _now = now;
    if (_pacer.placing() && may_place) {
        const std::uint64_t n = _pacer.take(now, _cfg.max_burst);
        for (std::uint64_t i = 0; i < n; ++i) {
            start_item(now);
            _pacer.placed_one();
        }
        if (_pacer.done()) {
            stop_placing();
        }
    }
    if (_pacer.placing() && _pacer.overdue(now)) {
        stop_placing();
    }
    const std::uint64_t tick = (now - _t0) / _clock_per_tick;
    if (tick > _wheel.now()) {
        (void)_wheel.advance(tick);
    }
}

void transaction_engine::stop_placing() {
    if (!_pacer.placing()) {
        return;
    }
    _pacer.stop(_now);
    _drain_deadline = _now + (3 * 64 * std::uint64_t{_cfg.t1_ms} + 1000) * _cfg.hz / 1000;
}

void transaction_engine::start_item(std::uint64_t now) {
    const bool reg = _cfg.kind == scenario::register_;
    _stats.add(reg ? stat_id::reg_attempted : stat_id::options_attempted);
    const auto index = static_cast<std::uint32_t>(_pacer.placed() % _cfg.users);
    user& u = _users[index];
    if (u.busy) {
        _stats.add(reg ? stat_id::reg_failed : stat_id::options_failed);
        _stats.add(stat_id::fail_user_busy);
        return;
    }
    u.busy = true;
    ++_active;
    u.started = now;
    u.challenges = 0;
    u.with_credentials = reg && _cfg.reuse_nonce && _challenges[index].valid;
    u.reused = u.with_credentials;
    begin_transaction(index);
}

void transaction_engine::begin_transaction(std::uint32_t index) {
    user& u = _users[index];
    ++u.cseq;
    if (u.with_credentials) {
        ++u.nc;
        u.cnonce = random();
    }
    u.state = txn_state::trying;
    u.txn_tick = _wheel.now();
    u.retrans_ms = _cfg.t1_ms;
    send_request(index, false);
    arm(index, _cfg.t1_ms);
}

void transaction_engine::finish(std::uint32_t index, stat_id outcome, std::uint64_t now) {
    user& u = _users[index];
    disarm(index);
    u.state = txn_state::idle;
    u.busy = false;
    --_active;
    const bool reg = _cfg.kind == scenario::register_;
    if (outcome == stat_id::reg_succeeded || outcome == stat_id::options_succeeded) {
        _stats.add(outcome);
        _stats.setup_latency.record(clock_to_ns(now - u.started));
        return;
    }
    _stats.add(reg ? stat_id::reg_failed : stat_id::options_failed);
    _stats.add(outcome);
}

void transaction_engine::abandon_all() {
    stop_placing();
    for (std::uint32_t i = 0; i < _cfg.users; ++i) {
        if (_users[i].busy) {
            finish(i, stat_id::fail_unfinished, _now);
        }
    }
}

// ---- incoming ----

std::uint32_t transaction_engine::find_user(std::string_view call_id, side to) const {
    if (to != side::uac || call_id.size() <= call_id_token || call_id[0] != _id_prefix[0] ||
        call_id[1] != _id_prefix[1] || call_id[10] != '.' || call_id[call_id_token] != '@') {
        return _cfg.users;
    }
    std::uint32_t index = 0;
    std::uint64_t rand = 0;
    const char* p = call_id.data();
    const auto a = std::from_chars(p + 2, p + 10, index, 16);
    const auto b = std::from_chars(p + 11, p + call_id_token, rand, 16);
    if (a.ptr != p + 10 || b.ptr != p + call_id_token || index >= _cfg.users ||
        _users[index].rand != rand) {
        return _cfg.users;
    }
    return index;
}

void transaction_engine::on_datagram(side to, std::uint32_t src_ip, std::uint16_t src_port,
                                     const char* bytes, std::size_t length, std::size_t readable,
                                     std::uint64_t now) {
    _now = now;
    _stats.add(stat_id::msgs_received);
    sip::message_view& msg = *_view;
    if (!_parser.parse({bytes, length}, readable, msg).ok()) {
        _stats.add(stat_id::parse_errors);
        return;
    }
    const auto call_id = msg.first_value(sip::header_id::call_id);
    const auto cseq_value = msg.first_value(sip::header_id::cseq);
    const auto top_via = msg.first_element(sip::header_id::via);
    const auto cseq = cseq_value ? parser::parse_cseq(*cseq_value)
                                 : parser::value_result<parser::cseq>(parser::value_error{
                                       parser::parse_error_code::missing_header, ""});
    if (!call_id || !top_via || !cseq) {
        _stats.add(stat_id::parse_errors);
        return;
    }
    const bool request = msg.is_request();
    _stats.add(request ? stat_id::requests_received : stat_id::responses_received);
    if (to == side::uas) {
        if (request) {
            _uas.on_request(msg, *top_via, src_ip, src_port,
                            static_cast<std::int64_t>(now / _cfg.hz));
        } else {
            _stats.add(stat_id::unexpected);
        }
        return;
    }
    const std::uint32_t index = find_user(*call_id, to);
    const sip::sip_method expected = _cfg.kind == scenario::register_
                                         ? sip::sip_method::register_
                                         : sip::sip_method::options;
    if (request || index == _cfg.users || cseq.value().method_id != expected) {
        _stats.add(stat_id::unexpected);
        return;
    }
    const user& u = _users[index];
    const std::uint32_t number = cseq.value().number;
    // RFC 3261 17.1.3: the branch of the top Via names the transaction.
    char branch[64];
    msg_writer b(branch, sizeof branch);
    b.str("z9hG4bK").str({_id_prefix, 2}).hex(index, 8).hex(number, 8).hex(u.rand, 16);
    if (via_branch(*top_via) != b.view()) {
        _stats.add(stat_id::unexpected);
        return;
    }
    on_response(index, msg, number, now);
}

void transaction_engine::on_response(std::uint32_t index, const sip::message_view& msg,
                                     std::uint32_t cseq, std::uint64_t now) {
    user& u = _users[index];
    if (cseq < u.cseq) {
        _stats.add(stat_id::late); // an earlier transaction's answer, e.g. to a retransmission
        return;
    }
    if (cseq > u.cseq) {
        _stats.add(stat_id::unexpected);
        return;
    }
    if (u.state == txn_state::idle) {
        _stats.add(stat_id::retrans_received); // a final response repeated
        return;
    }
    const unsigned code = msg.status_code();
    if (code < 200) {
        u.state = txn_state::proceeding;
        return;
    }
    disarm(index);
    u.state = txn_state::idle;
    if (_cfg.kind == scenario::register_) {
        register_final(index, msg, now);
    } else {
        finish(index, code < 300 ? stat_id::options_succeeded : stat_id::fail_options_rejected,
               now);
    }
}

void transaction_engine::register_final(std::uint32_t index, const sip::message_view& msg,
                                        std::uint64_t now) {
    user& u = _users[index];
    stored_challenge& ch = _challenges[index];
    const unsigned code = msg.status_code();
    if (code >= 200 && code < 300) {
        if (!has_our_contact(index, msg)) {
            ch.valid = false;
            finish(index, stat_id::fail_reg_no_contact, now);
            return;
        }
        if (u.reused && u.challenges == 0) {
            _stats.add(stat_id::reg_one_round_trip);
        }
        if (!_cfg.reuse_nonce) {
            ch.valid = false;
        }
        finish(index, stat_id::reg_succeeded, now);
        return;
    }
    if (code != 401) {
        ch.valid = false;
        finish(index, code == 503 ? stat_id::fail_reg_unavailable : stat_id::fail_reg_rejected,
               now);
        return;
    }
    // Credentials on a fresh challenge refused without stale=true: the password
    // (or user) is wrong. Credentials on a reused nonce get one fresh challenge
    // whatever the server says of the nonce, as a UA would.
    const bool fresh_refused = u.with_credentials && !(u.reused && u.challenges == 0);
    bool stale = false;
    if (take_challenge(msg, ch, stale) != challenge_outcome::taken ||
        (fresh_refused && !stale) || u.challenges >= 2) {
        ch.valid = false;
        finish(index, stat_id::fail_reg_auth, now);
        return;
    }
    ++u.challenges;
    _stats.add(stat_id::reg_challenged);
    if (stale) {
        _stats.add(stat_id::reg_stale);
    }
    u.nc = 0;
    u.with_credentials = true;
    begin_transaction(index);
}

bool transaction_engine::has_our_contact(std::uint32_t index, const sip::message_view& msg) const {
    char ours[256];
    msg_writer w(ours, sizeof ours);
    w.str("sip:").str(_cfg.user_prefix).dec(index).str("@").str(_uac_host);
    auto cursor = msg.values(sip::header_id::contact);
    std::string_view element;
    while (cursor.next(element)) {
        if (element.find(w.view()) != std::string_view::npos) {
            return true;
        }
    }
    return false;
}

// ---- outgoing ----

void transaction_engine::send_request(std::uint32_t index, bool retransmission) {
    user& u = _users[index];
    const bool reg = _cfg.kind == scenario::register_;
    msg_writer w(_buffer.get(), message_capacity);
    char name_buf[96];
    msg_writer name(name_buf, sizeof name_buf);
    name.str(_cfg.user_prefix).dec(index);
    w.str(_method).str(" ").str(_request_uri).str(" SIP/2.0\r\n");
    w.str("Via: SIP/2.0/UDP ").str(_uac_host).str(";branch=z9hG4bK").str({_id_prefix, 2});
    w.hex(index, 8).hex(u.cseq, 8).hex(u.rand, 16).str(";rport\r\nMax-Forwards: 70\r\n");
    if (reg) {
        w.str("From: <sip:").str(name.view()).str("@").str(_cfg.domain).str(">;tag=f");
        w.hex(u.rand, 16).str("\r\nTo: <sip:").str(name.view()).str("@").str(_cfg.domain);
        w.str(">\r\n");
    } else {
        w.str("From: <sip:").str(name.view()).str("@").str(_uac_host).str(">;tag=f");
        w.hex(u.rand, 16).str("\r\nTo: <").str(_request_uri).str(">\r\n");
    }
    w.str("Call-ID: ").str({_id_prefix, 2}).hex(index, 8).str(".").hex(u.rand, 16).str("@");
    w.str(_uac_ip).str("\r\nCSeq: ").dec(u.cseq).str(" ").str(_method).str("\r\n");
    if (reg) {
        w.str("Contact: <sip:").str(name.view()).str("@").str(_uac_host).str(">\r\nExpires: ");
        w.dec(_cfg.expires_s).str("\r\n");
        if (u.with_credentials) {
            char cnonce[16];
            msg_writer(cnonce, sizeof cnonce).hex(u.cnonce, 16);
            write_authorization(w, _challenges[index], name.view(), _cfg.password, _method,
                                _request_uri, u.nc, {cnonce, sizeof cnonce});
        }
    } else {
        w.str("Accept: application/sdp\r\n");
    }
    w.str("Content-Length: 0\r\n\r\n");
    _send(w, side::uac, _cfg.next_hop_ip, _cfg.next_hop_port, true,
          !retransmission ? no_stat
          : reg           ? stat_id::retrans_register
                          : stat_id::retrans_options);
}

// ---- timers ----

void transaction_engine::on_timer_fired(std::uint32_t index) {
    user& u = _users[index];
    if (u.state == txn_state::idle) {
        return;
    }
    const std::uint64_t limit = 64 * std::uint64_t{_cfg.t1_ms};
    const std::uint64_t elapsed = _wheel.now() - u.txn_tick;
    if (elapsed >= limit) { // timer F
        finish(index,
               _cfg.kind == scenario::register_ ? stat_id::fail_reg_timeout
                                                : stat_id::fail_options_timeout,
               _now);
        return;
    }
    send_request(index, true); // timer E
    u.retrans_ms = u.state == txn_state::proceeding ? _cfg.t2_ms
                                                    : std::min(2 * u.retrans_ms, _cfg.t2_ms);
    arm(index, std::min<std::uint64_t>(u.retrans_ms, limit - elapsed));
}

void transaction_engine::arm(std::uint32_t index, std::uint64_t delay_ms) {
    // One timer per user and users + 64 in the wheel: start cannot run out.
    auto r = _wheel.start(delay_ms, 0, index);
    _users[index].timer = r ? r.value() : timer::timer_handle{};
}

void transaction_engine::disarm(std::uint32_t index) {
    timer::timer_handle& h = _users[index].timer;
    if (h.valid()) {
        (void)_wheel.cancel(h);
        h = timer::timer_handle{};
    }
}

void transaction_engine::on_timer(void* self_ptr, timer::timer_wheel& wheel,
                                  const timer::timer_event& ev) {
    (void)wheel;
    auto* self = static_cast<transaction_engine*>(self_ptr);
    const auto index = static_cast<std::uint32_t>(ev.data);
    user& u = self->_users[index];
    if (u.timer != ev.handle) {
        return;
    }
    u.timer = timer::timer_handle{};
    self->on_timer_fired(index);
}

} // namespace sipedge::loadgen
