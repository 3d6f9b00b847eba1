#include "bench/loadgen/call_engine.hh"

#include "bench/loadgen/addr.hh"
#include "bench/loadgen/msg_writer.hh"
#include "bench/loadgen/routing.hh"
#include "bench/loadgen/sender.hh"
#include "parser/contact.hh"
#include "parser/name_addr.hh"

#include <algorithm>
#include <array>
#include <cstring>

namespace sipedge::loadgen {

namespace {

constexpr std::size_t message_capacity = 4096;
constexpr std::size_t uas_block_capacity = 1024;
constexpr std::size_t dialog_part_capacity = 192;
constexpr std::size_t route_capacity = 384;
constexpr std::size_t max_record_routes = 8;
constexpr std::uint32_t no_slot = 0xffffffffu;

// Call-ID: "lg" index(8 hex) "." generation(8 hex) "." random(16 hex) "@" uac-ip
constexpr std::size_t call_id_token = 2 + 8 + 1 + 8 + 1 + 16;

// Each byte's value as a lowercase hex digit (what write_call_id writes), or
// not_hex. A table and no branch per digit: range tests mispredicted on random
// digits, and every incoming message parses 32 of them (find_slot was 5.9 % of
// the loadgen's CPU at 140,000 calls/s).
constexpr std::uint8_t not_hex = 0x10;
constexpr std::array<std::uint8_t, 256> hex_values = [] {
    std::array<std::uint8_t, 256> t{};
    t.fill(not_hex);
    for (unsigned c = '0'; c <= '9'; ++c) {
        t[c] = static_cast<std::uint8_t>(c - '0');
    }
    for (unsigned c = 'a'; c <= 'f'; ++c) {
        t[c] = static_cast<std::uint8_t>(c - 'a' + 10);
    }
    return t;
}();

bool parse_hex(std::string_view s, std::uint64_t& out) {
    std::uint64_t v = 0;
    unsigned seen = 0;
    for (char c : s) {
        const unsigned d = hex_values[static_cast<unsigned char>(c)];
        seen |= d;
        v = v << 4 | (d & 0xf);
    }
    if ((seen & not_hex) != 0) {
        return false;
    }
    out = v;
    return true;
}

bool has_tag(std::string_view name_addr_value) {
    const auto na = parser::parse_name_addr(name_addr_value);
    return na && na.value().has_tag;
}

// The header lines a UAS copies into its responses (RFC 3261 8.2.6.2, 12.1.1).
bool copied_into_responses(sip::header_id id, bool with_record_route) {
    using sip::header_id;
    return id == header_id::via || id == header_id::from || id == header_id::to ||
           id == header_id::call_id || id == header_id::cseq ||
           (with_record_route && id == header_id::record_route);
}

} // namespace

enum class uac_state : std::uint8_t {
    idle,
    calling,
    proceeding,
    holding,
    bye_trying,
    bye_proceeding
};
// ended: this call's UAS part is over (answered BYE, or gave up waiting for ACK);
// it still answers a repeated BYE.
enum class uas_state : std::uint8_t { idle, answered, confirmed, ended };

// What every incoming message must have for the engine: a Call-ID to find the
// call, a CSeq, and the top Via (parsed further only where needed).
struct call_engine::incoming {
    std::string_view call_id;
    std::string_view top_via;
    parser::cseq cseq;
};

// Hot per-call state; the text a side must repeat lives in the cold blocks.
struct call_engine::slot {
    std::uint64_t rand = 0;         // this call's randomness: Call-ID, tags, branches
    std::uint64_t invite_sent = 0;  // clock of the first INVITE: setup latency base
    std::uint64_t uac_txn_tick = 0; // wheel tick the UAC's current transaction started
    std::uint64_t uas_txn_tick = 0; // wheel tick of the UAS's first 200
    std::uint32_t gen = 0;
    std::uint32_t uac_retrans_ms = 0;
    std::uint32_t uas_retrans_ms = 0;
    std::uint32_t uas_dst_ip = 0;
    std::uint16_t uas_dst_port = 0;
    timer::timer_handle uac_timer;
    timer::timer_handle uas_timer;
    bool in_use = false;
    uac_state uac = uac_state::idle;
    uas_state uas = uas_state::idle;
};

// What the UAS repeats until ACK: the request's Via, Record-Route, From, To
// (with our tag), Call-ID and CSeq lines.
struct call_engine::uas_block {
    std::uint16_t length = 0;
    char bytes[uas_block_capacity];
};

// The UAC's dialog (RFC 3261 12.1.2): remote tag (the whole To value), remote
// target and route set.
struct call_engine::uac_block {
    std::uint16_t to_length = 0, target_length = 0, route_length = 0;
    char to[dialog_part_capacity];
    char target[dialog_part_capacity];
    char route[route_capacity];
};

result<std::unique_ptr<call_engine>, timer::timer_errc>
call_engine::create(const engine_config& cfg, stats_block& stats, send_fn send, void* user) {
    if (cfg.capacity == 0 || cfg.hz == 0) {
        return error{timer::timer_errc::invalid_config,
                     "call table capacity and clock rate must be set"};
    }
    auto wheel = timer::timer_wheel::create(
        {.capacity = 2 * cfg.capacity + 64, .start_tick = 0, .kinds = 2});
    if (!wheel) {
        return wheel.err();
    }
    std::unique_ptr<call_engine> e(
        new call_engine(cfg, stats, send, user, std::move(wheel).value()));
    for (std::uint16_t k = 0; k < 2; ++k) {
        if (!e->_wheel.set_handler(k, on_timer, e.get())) {
            return error{timer::timer_errc::unknown_kind, "cannot register the engine's timers"};
        }
    }
    return e;
}

call_engine::call_engine(const engine_config& cfg, stats_block& stats, send_fn send, void* user,
                         timer::timer_wheel wheel)
    : paced_run(cfg), _cfg(cfg), _stats(stats), _send(send), _user(user), _wheel(std::move(wheel)),
      _view(std::make_unique<sip::message_view>()), _slots(std::make_unique<slot[]>(cfg.capacity)),
      _uas(std::make_unique<uas_block[]>(cfg.capacity)),
      _uac(std::make_unique<uac_block[]>(cfg.capacity)),
      _free(std::make_unique<std::uint32_t[]>(cfg.capacity)), _free_count(cfg.capacity),
      _buffer(std::make_unique<char[]>(message_capacity)), _rng(cfg.seed | 1) {
    // Slot 0 on top of the stack.
    for (std::uint32_t i = 0; i < cfg.capacity; ++i) {
        _free[i] = cfg.capacity - 1 - i;
    }
    _uac_host = format_endpoint(cfg.uac_ip, cfg.uac_port);
    _uas_host = format_endpoint(cfg.uas_ip, cfg.uas_port);
    auto sdp = [](std::uint32_t ip, unsigned media_port) {
        const std::string a = format_ipv4(ip);
        return "v=0\r\no=loadgen 1 1 IN IP4 " + a + "\r\ns=-\r\nc=IN IP4 " + a +
               "\r\nt=0 0\r\nm=audio " + std::to_string(media_port) +
               " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    };
    _uac_sdp = sdp(cfg.uac_ip, 16000);
    _uas_sdp = sdp(cfg.uas_ip, 18000);
    _uac_sdp_length = std::to_string(_uac_sdp.size());
    _uas_sdp_length = std::to_string(_uas_sdp.size());
    _clock_per_tick = std::max<std::uint64_t>(1, cfg.hz / 1000);
}

call_engine::~call_engine() = default;

std::uint64_t call_engine::random() {
    // splitmix64: cheap, and every call differs in all 64 bits.
    std::uint64_t z = (_rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void call_engine::start(std::uint64_t now) {
    _t0 = now;
    _now = now;
    _started = true;
    _pacer.start(now);
    _drain_deadline = ~std::uint64_t{0};
}

// ---- call placing and the call table ----

void call_engine::on_pass(std::uint64_t now, bool may_place) {
    _now = now;
    if (_pacer.placing() && may_place) {
        place_calls(now);
    }
    if (_pacer.placing() && _pacer.overdue(now)) {
        stop_placing();
    }
    const std::uint64_t tick = (now - _t0) / _clock_per_tick;
    if (tick > _wheel.now()) {
        (void)_wheel.advance(tick);
    }
}

void call_engine::place_calls(std::uint64_t now) {
    const std::uint64_t n = _pacer.take(now, _cfg.max_burst);
    for (std::uint64_t i = 0; i < n; ++i) {
        (void)start_call(now);
        _pacer.placed_one();
    }
    if (_pacer.done()) {
        stop_placing();
    }
}

void call_engine::stop_placing() {
    if (!_pacer.placing()) {
        return;
    }
    _pacer.stop(_now);
    _drain_deadline =
        _now + ms_to_clock(std::uint64_t{_cfg.hold_ms} + 2 * 64 * std::uint64_t{_cfg.t1_ms} + 1000);
}

bool call_engine::start_call(std::uint64_t now) {
    _stats.add(stat_id::calls_attempted);
    if (_free_count == 0) {
        _stats.add(stat_id::calls_failed);
        _stats.add(stat_id::fail_table_full);
        return false;
    }
    const std::uint32_t index = _free[--_free_count];
    ++_active;
    slot& s = _slots[index];
    s.in_use = true;
    s.rand = random();
    s.uac = uac_state::calling;
    s.uas = uas_state::idle;
    s.invite_sent = now;
    s.uac_txn_tick = _wheel.now();
    s.uac_retrans_ms = _cfg.t1_ms;
    send_invite(index, false);
    arm(s.uac_timer, kind::uac_timer, index, _cfg.t1_ms);
    return true;
}

void call_engine::release_if_idle(std::uint32_t index) {
    slot& s = _slots[index];
    // An answered UAS still waits for its ACK (bounded by timer H); a confirmed
    // one whose BYE never came is simply forgotten with the call.
    if (!s.in_use || s.uac != uac_state::idle || s.uas == uas_state::answered) {
        return;
    }
    disarm(s.uac_timer);
    disarm(s.uas_timer);
    s.in_use = false;
    ++s.gen; // messages still in flight for this call are now "late"
    s.uas = uas_state::idle;
    _free[_free_count++] = index;
    --_active;
}

void call_engine::abandon_all() {
    stop_placing();
    for (std::uint32_t i = 0; i < _cfg.capacity; ++i) {
        slot& s = _slots[i];
        if (!s.in_use) {
            continue;
        }
        if (s.uac != uac_state::idle) {
            _stats.add(stat_id::calls_failed);
            _stats.add(stat_id::fail_unfinished);
        }
        s.uac = uac_state::idle;
        s.uas = uas_state::ended;
        release_if_idle(i);
    }
}

// The live call a Call-ID names. no_slot and late = true when it is one of
// ours that has ended; no_slot and late = false when it is not ours at all.
std::uint32_t call_engine::find_slot(std::string_view call_id, bool& late) const {
    late = false;
    if (call_id.size() <= call_id_token || !call_id.starts_with("lg") || call_id[10] != '.' ||
        call_id[19] != '.' || call_id[call_id_token] != '@') {
        return no_slot;
    }
    std::uint64_t index = 0, gen = 0, rand = 0;
    if (!parse_hex(call_id.substr(2, 8), index) || !parse_hex(call_id.substr(11, 8), gen) ||
        !parse_hex(call_id.substr(20, 16), rand) || index >= _cfg.capacity) {
        return no_slot;
    }
    const slot& s = _slots[index];
    if (s.in_use && s.gen == gen && s.rand == rand) {
        return static_cast<std::uint32_t>(index);
    }
    // Generations only grow: an older one is a call that ended here.
    late = gen < s.gen;
    return no_slot;
}

// ---- incoming ----

void call_engine::on_datagram(side to, std::uint32_t src_ip, std::uint16_t src_port,
                              const char* bytes, std::size_t length, std::size_t readable,
                              std::uint64_t now) {
    _now = now;
    _stats.add(stat_id::msgs_received);
    sip::message_view& msg = *_view;
    const parser::parse_result parsed = _parser.parse({bytes, length}, readable, msg);
    incoming in;
    if (!parsed.ok()) {
        _stats.add(stat_id::parse_errors);
        return;
    }
    const auto call_id = msg.first_value(sip::header_id::call_id);
    const auto cseq = msg.first_value(sip::header_id::cseq);
    const auto top_via = msg.first_element(sip::header_id::via);
    auto cseq_parsed = cseq ? parser::parse_cseq(*cseq)
                            : parser::value_result<parser::cseq>(parser::value_error{
                                  parser::parse_error_code::missing_header, ""});
    if (!call_id || !top_via || !cseq_parsed) {
        _stats.add(stat_id::parse_errors);
        return;
    }
    in.call_id = *call_id;
    in.top_via = *top_via;
    in.cseq = cseq_parsed.value();
    const bool request = msg.is_request();
    _stats.add(request ? stat_id::requests_received : stat_id::responses_received);
    bool late = false;
    const std::uint32_t index = find_slot(in.call_id, late);
    if (index == no_slot) {
        _stats.add(late ? stat_id::late : stat_id::unexpected);
        return;
    }
    // Requests flow UAC -> UAS in the classic call, responses the other way.
    if (request != (to == side::uas)) {
        _stats.add(stat_id::unexpected);
        return;
    }
    if (request) {
        uas_request(index, msg, in, src_ip, src_port);
    } else {
        uac_response(index, msg, in, now);
    }
}

// ---- UAC ----

void call_engine::uac_response(std::uint32_t index, const sip::message_view& msg,
                               const incoming& in, std::uint64_t now) {
    slot& s = _slots[index];
    if (s.uac == uac_state::idle) {
        // The UAC part is over (e.g. a repeated 200 to a BYE already answered).
        _stats.add(stat_id::late);
        return;
    }
    const sip::sip_method method = in.cseq.method_id;
    char expected[64];
    msg_writer b(expected, sizeof expected);
    b.str("z9hG4bKlg").hex(index, 8).hex(s.gen, 8).hex(s.rand, 16);
    b.str(method == sip::sip_method::invite ? "i" : "b");
    // RFC 3261 17.1.3: a response matches a client transaction by the branch of
    // its top Via and its CSeq method.
    if ((method != sip::sip_method::invite && method != sip::sip_method::bye) ||
        via_branch(in.top_via) != b.view()) {
        _stats.add(stat_id::unexpected);
        return;
    }
    if (method == sip::sip_method::invite) {
        uac_invite_response(index, msg, now);
    } else {
        uac_bye_response(index, msg.status_code());
    }
}

void call_engine::uac_invite_response(std::uint32_t index, const sip::message_view& msg,
                                      std::uint64_t now) {
    slot& s = _slots[index];
    const unsigned code = msg.status_code();
    const std::uint64_t limit = 64 * std::uint64_t{_cfg.t1_ms};
    if (s.uac == uac_state::calling || s.uac == uac_state::proceeding) {
        if (code < 200) {
            if (s.uac == uac_state::calling) {
                // Proceeding: no more retransmissions, but the setup still has
                // its 64*T1 limit.
                s.uac = uac_state::proceeding;
                disarm(s.uac_timer);
                const std::uint64_t elapsed = _wheel.now() - s.uac_txn_tick;
                arm(s.uac_timer, kind::uac_timer, index, elapsed < limit ? limit - elapsed : 1);
            }
            return;
        }
        disarm(s.uac_timer);
        if (code >= 300) {
            // The ACK of a non-2xx is part of the INVITE transaction: same branch.
            send_ack(index, false, msg.first_value(sip::header_id::to).value_or(""));
            uac_finish(index, stat_id::fail_setup_rejected);
            return;
        }
        _stats.setup_latency.record(clock_to_ns(now - s.invite_sent));
        if (!uac_store_dialog(index, msg)) {
            uac_finish(index, stat_id::fail_bad_dialog);
            return;
        }
        send_ack(index, true, {});
        s.uac = uac_state::holding;
        if (_cfg.hold_ms == 0) {
            send_bye(index, false);
        } else {
            arm(s.uac_timer, kind::uac_timer, index, _cfg.hold_ms);
        }
        return;
    }
    if (code >= 200 && code < 300) {
        // The 200 again: our ACK was lost (or crossed it). Acknowledge again.
        _stats.add(stat_id::retrans_received);
        _stats.add(stat_id::retrans_sent);
        send_ack(index, true, {});
    } else if (code < 200) {
        _stats.add(stat_id::late); // a provisional overtaken by the final response
    } else {
        _stats.add(stat_id::unexpected);
    }
}

void call_engine::uac_bye_response(std::uint32_t index, unsigned code) {
    slot& s = _slots[index];
    if (s.uac != uac_state::bye_trying && s.uac != uac_state::bye_proceeding) {
        _stats.add(stat_id::unexpected);
        return;
    }
    if (code < 200) {
        // RFC 3261 17.1.2.2: in Proceeding, retransmit at T2.
        s.uac = uac_state::bye_proceeding;
        s.uac_retrans_ms = _cfg.t2_ms;
        return;
    }
    uac_finish(index, code < 300 ? stat_id::calls_succeeded : stat_id::fail_bye_rejected);
}

bool call_engine::uac_store_dialog(std::uint32_t index, const sip::message_view& msg) {
    uac_block& d = _uac[index];
    const std::optional<std::string_view> to = msg.first_value(sip::header_id::to);
    const std::optional<std::string_view> contact = msg.first_element(sip::header_id::contact);
    if (!to || to->size() > dialog_part_capacity || !has_tag(*to) || !contact) {
        return false;
    }
    const auto c = parser::parse_contact(*contact);
    if (!c || c.value().star || c.value().addr.uri.empty() ||
        c.value().addr.uri.size() > dialog_part_capacity) {
        return false;
    }
    std::memcpy(d.to, to->data(), to->size());
    d.to_length = static_cast<std::uint16_t>(to->size());
    const std::string_view target = c.value().addr.uri;
    std::memcpy(d.target, target.data(), target.size());
    d.target_length = static_cast<std::uint16_t>(target.size());
    // Route set: the Record-Route entries in reverse order (RFC 3261 12.1.2).
    std::array<std::string_view, max_record_routes> rr;
    std::size_t n = 0;
    auto cursor = msg.values(sip::header_id::record_route);
    std::string_view element;
    while (cursor.next(element)) {
        if (n == rr.size()) {
            return false;
        }
        rr[n++] = element;
    }
    msg_writer w(d.route, sizeof d.route);
    for (std::size_t i = n; i-- > 0;) {
        w.str(rr[i]);
        if (i != 0) {
            w.str(", ");
        }
    }
    if (!w.ok()) {
        return false;
    }
    d.route_length = static_cast<std::uint16_t>(w.size());
    return true;
}

void call_engine::uac_finish(std::uint32_t index, stat_id outcome) {
    slot& s = _slots[index];
    disarm(s.uac_timer);
    s.uac = uac_state::idle;
    if (outcome == stat_id::calls_succeeded) {
        _stats.add(stat_id::calls_succeeded);
    } else {
        _stats.add(stat_id::calls_failed);
        _stats.add(outcome);
    }
    release_if_idle(index);
}

void call_engine::uac_timer(std::uint32_t index) {
    slot& s = _slots[index];
    const std::uint64_t limit = 64 * std::uint64_t{_cfg.t1_ms};
    const std::uint64_t elapsed = _wheel.now() - s.uac_txn_tick;
    switch (s.uac) {
    case uac_state::calling:
        if (elapsed >= limit) {
            uac_finish(index, stat_id::fail_setup_timeout); // timer B
            return;
        }
        send_invite(index, true); // timer A
        s.uac_retrans_ms *= 2;
        arm(s.uac_timer, kind::uac_timer, index,
            std::min<std::uint64_t>(s.uac_retrans_ms, limit - elapsed));
        return;
    case uac_state::proceeding:
        uac_finish(index, stat_id::fail_setup_timeout);
        return;
    case uac_state::holding:
        send_bye(index, false);
        return;
    case uac_state::bye_trying:
    case uac_state::bye_proceeding:
        if (elapsed >= limit) {
            uac_finish(index, stat_id::fail_bye_timeout); // timer F
            return;
        }
        send_bye(index, true); // timer E
        s.uac_retrans_ms = s.uac == uac_state::bye_proceeding
                               ? _cfg.t2_ms
                               : std::min(2 * s.uac_retrans_ms, _cfg.t2_ms);
        arm(s.uac_timer, kind::uac_timer, index,
            std::min<std::uint64_t>(s.uac_retrans_ms, limit - elapsed));
        return;
    case uac_state::idle:
        return;
    }
}

// ---- UAS ----

void call_engine::uas_request(std::uint32_t index, const sip::message_view& msg, const incoming& in,
                              std::uint32_t src_ip, std::uint16_t src_port) {
    slot& s = _slots[index];
    switch (msg.method_id()) {
    case sip::sip_method::invite:
        if (s.uas == uas_state::idle) {
            uas_answer(index, msg, in, src_ip, src_port);
        } else if (s.uas == uas_state::answered) {
            // A repeated INVITE: our 200 is the answer again (RFC 3261 13.3.1.4).
            _stats.add(stat_id::retrans_received);
            send_uas_response(index, 200, true);
        } else {
            _stats.add(stat_id::retrans_received);
        }
        return;
    case sip::sip_method::ack:
        if (s.uas == uas_state::answered) {
            disarm(s.uas_timer);
            s.uas = uas_state::confirmed;
        } else if (s.uas == uas_state::confirmed || s.uas == uas_state::ended) {
            _stats.add(stat_id::retrans_received);
        } else {
            _stats.add(stat_id::unexpected);
        }
        return;
    case sip::sip_method::bye: {
        std::uint32_t ip;
        std::uint16_t port;
        response_destination(in.top_via, src_ip, src_port, ip, port);
        if (s.uas == uas_state::answered || s.uas == uas_state::confirmed) {
            // A BYE may overtake a lost ACK; either way the call is over here.
            send_stateless_response(msg, 200, ip, port, false);
            _stats.add(stat_id::uas_ended);
            uas_finish(index);
        } else if (s.uas == uas_state::ended) {
            _stats.add(stat_id::retrans_received);
            send_stateless_response(msg, 200, ip, port, true);
        } else {
            _stats.add(stat_id::unexpected);
        }
        return;
    }
    default:
        _stats.add(stat_id::unexpected);
        return;
    }
}

void call_engine::uas_answer(std::uint32_t index, const sip::message_view& msg, const incoming& in,
                             std::uint32_t src_ip, std::uint16_t src_port) {
    slot& s = _slots[index];
    if (has_tag(msg.first_value(sip::header_id::to).value_or(""))) {
        _stats.add(stat_id::unexpected); // a re-INVITE: not in the classic call
        return;
    }
    uas_block& b = _uas[index];
    msg_writer w(b.bytes, sizeof b.bytes);
    const std::string_view all = msg.bytes();
    for (std::size_t i = 0; i < msg.header_count(); ++i) {
        const sip::header_field& f = msg.field(i);
        if (!copied_into_responses(f.id, true)) {
            continue;
        }
        if (f.id == sip::header_id::to) {
            w.str(all.substr(f.name_offset, f.value_offset + f.value_length - f.name_offset));
            w.str(";tag=t").hex(s.rand, 16).str("\r\n");
        } else {
            w.str(all.substr(f.name_offset, f.line_end - f.name_offset));
        }
    }
    if (!w.ok()) {
        _stats.add(stat_id::uas_oversized);
        return;
    }
    b.length = static_cast<std::uint16_t>(w.size());
    response_destination(in.top_via, src_ip, src_port, s.uas_dst_ip, s.uas_dst_port);
    send_uas_response(index, 180, false);
    send_uas_response(index, 200, false);
    _stats.add(stat_id::uas_answered);
    s.uas = uas_state::answered;
    s.uas_txn_tick = _wheel.now();
    s.uas_retrans_ms = _cfg.t1_ms;
    arm(s.uas_timer, kind::uas_timer, index, _cfg.t1_ms);
}

void call_engine::uas_timer(std::uint32_t index) {
    slot& s = _slots[index];
    if (s.uas != uas_state::answered) {
        return;
    }
    const std::uint64_t limit = 64 * std::uint64_t{_cfg.t1_ms};
    const std::uint64_t elapsed = _wheel.now() - s.uas_txn_tick;
    if (elapsed >= limit) {
        _stats.add(stat_id::uas_ack_timeouts); // timer H
        uas_finish(index);
        return;
    }
    send_uas_response(index, 200, true); // timer G
    s.uas_retrans_ms = std::min(2 * s.uas_retrans_ms, _cfg.t2_ms);
    arm(s.uas_timer, kind::uas_timer, index,
        std::min<std::uint64_t>(s.uas_retrans_ms, limit - elapsed));
}

void call_engine::uas_finish(std::uint32_t index) {
    slot& s = _slots[index];
    disarm(s.uas_timer);
    s.uas = uas_state::ended;
    release_if_idle(index);
}

// ---- outgoing ----

void call_engine::send_built(const msg_writer& w, side from, std::uint32_t ip, std::uint16_t port,
                             bool request, stat_id retransmission) {
    sender{_stats, _send, _user}(w, from, ip, port, request, retransmission);
}

namespace {

void write_call_id(msg_writer& w, std::uint32_t index, std::uint32_t gen, std::uint64_t rand,
                   std::string_view uac_host) {
    w.str("lg").hex(index, 8).str(".").hex(gen, 8).str(".").hex(rand, 16).str("@");
    w.str(uac_host.substr(0, uac_host.find(':')));
}

void write_branch(msg_writer& w, std::uint32_t index, std::uint32_t gen, std::uint64_t rand,
                  char kind) {
    const char k[1] = {kind};
    w.str("z9hG4bKlg").hex(index, 8).hex(gen, 8).hex(rand, 16).str({k, 1});
}

} // namespace

void call_engine::send_invite(std::uint32_t index, bool retransmission) {
    const slot& s = _slots[index];
    msg_writer w(_buffer.get(), message_capacity);
    w.str("INVITE sip:uas").dec(index).str("@").str(_uas_host).str(" SIP/2.0\r\n");
    w.str("Via: SIP/2.0/UDP ").str(_uac_host).str(";branch=");
    write_branch(w, index, s.gen, s.rand, 'i');
    w.str(";rport\r\nMax-Forwards: 70\r\n");
    w.str("From: <sip:uac").dec(index).str("@").str(_uac_host).str(">;tag=f").hex(s.rand, 16);
    w.str("\r\nTo: <sip:uas").dec(index).str("@").str(_uas_host).str(">\r\nCall-ID: ");
    write_call_id(w, index, s.gen, s.rand, _uac_host);
    w.str("\r\nCSeq: 1 INVITE\r\nContact: <sip:uac").dec(index).str("@").str(_uac_host);
    w.str(">\r\nContent-Type: application/sdp\r\nContent-Length: ").str(_uac_sdp_length);
    w.str("\r\n\r\n").str(_uac_sdp);
    send_built(w, side::uac, _cfg.next_hop_ip, _cfg.next_hop_port, true,
               retransmission ? stat_id::retrans_invite : no_stat);
}

void call_engine::send_ack(std::uint32_t index, bool for_2xx, std::string_view to_value) {
    const slot& s = _slots[index];
    const uac_block& d = _uac[index];
    msg_writer w(_buffer.get(), message_capacity);
    if (for_2xx) {
        // A request of its own, sent along the dialog's route (RFC 3261 13.2.2.4).
        w.str("ACK ").str({d.target, d.target_length}).str(" SIP/2.0\r\n");
    } else {
        w.str("ACK sip:uas").dec(index).str("@").str(_uas_host).str(" SIP/2.0\r\n");
    }
    w.str("Via: SIP/2.0/UDP ").str(_uac_host).str(";branch=");
    write_branch(w, index, s.gen, s.rand, for_2xx ? 'a' : 'i');
    w.str(";rport\r\nMax-Forwards: 70\r\n");
    if (for_2xx && d.route_length != 0) {
        w.str("Route: ").str({d.route, d.route_length}).str("\r\n");
    }
    w.str("From: <sip:uac").dec(index).str("@").str(_uac_host).str(">;tag=f").hex(s.rand, 16);
    w.str("\r\nTo: ");
    if (for_2xx) {
        w.str({d.to, d.to_length});
    } else if (!to_value.empty()) {
        w.str(to_value);
    } else {
        w.str("<sip:uas").dec(index).str("@").str(_uas_host).str(">");
    }
    w.str("\r\nCall-ID: ");
    write_call_id(w, index, s.gen, s.rand, _uac_host);
    w.str("\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n");
    send_built(w, side::uac, _cfg.next_hop_ip, _cfg.next_hop_port, true, no_stat);
}

void call_engine::send_bye(std::uint32_t index, bool retransmission) {
    slot& s = _slots[index];
    if (!retransmission) {
        s.uac = uac_state::bye_trying;
        s.uac_txn_tick = _wheel.now();
        s.uac_retrans_ms = _cfg.t1_ms;
        disarm(s.uac_timer);
        arm(s.uac_timer, kind::uac_timer, index, _cfg.t1_ms);
    }
    const uac_block& d = _uac[index];
    msg_writer w(_buffer.get(), message_capacity);
    w.str("BYE ").str({d.target, d.target_length}).str(" SIP/2.0\r\n");
    w.str("Via: SIP/2.0/UDP ").str(_uac_host).str(";branch=");
    write_branch(w, index, s.gen, s.rand, 'b');
    w.str(";rport\r\nMax-Forwards: 70\r\n");
    if (d.route_length != 0) {
        w.str("Route: ").str({d.route, d.route_length}).str("\r\n");
    }
    w.str("From: <sip:uac").dec(index).str("@").str(_uac_host).str(">;tag=f").hex(s.rand, 16);
    w.str("\r\nTo: ").str({d.to, d.to_length}).str("\r\nCall-ID: ");
    write_call_id(w, index, s.gen, s.rand, _uac_host);
    w.str("\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
    send_built(w, side::uac, _cfg.next_hop_ip, _cfg.next_hop_port, true,
               retransmission ? stat_id::retrans_bye : no_stat);
}

void call_engine::send_uas_response(std::uint32_t index, unsigned code, bool retransmission) {
    const slot& s = _slots[index];
    const uas_block& b = _uas[index];
    msg_writer w(_buffer.get(), message_capacity);
    w.str(code == 200 ? "SIP/2.0 200 OK\r\n" : "SIP/2.0 180 Ringing\r\n");
    w.str({b.bytes, b.length});
    w.str("Contact: <sip:uas").dec(index).str("@").str(_uas_host).str(">\r\n");
    if (code == 200) {
        w.str("Content-Type: application/sdp\r\nContent-Length: ").str(_uas_sdp_length);
        w.str("\r\n\r\n").str(_uas_sdp);
    } else {
        w.str("Content-Length: 0\r\n\r\n");
    }
    send_built(w, side::uas, s.uas_dst_ip, s.uas_dst_port, false,
               retransmission ? stat_id::retrans_200 : no_stat);
}

void call_engine::send_stateless_response(const sip::message_view& msg, unsigned code,
                                          std::uint32_t dst_ip, std::uint16_t dst_port,
                                          bool retransmission) {
    msg_writer w(_buffer.get(), message_capacity);
    w.str("SIP/2.0 ").dec(code).str(code == 200 ? " OK\r\n" : " Error\r\n");
    const std::string_view all = msg.bytes();
    for (std::size_t i = 0; i < msg.header_count(); ++i) {
        const sip::header_field& f = msg.field(i);
        if (copied_into_responses(f.id, false)) {
            w.str(all.substr(f.name_offset, f.line_end - f.name_offset));
        }
    }
    w.str("Content-Length: 0\r\n\r\n");
    send_built(w, side::uas, dst_ip, dst_port, false,
               retransmission ? stat_id::retrans_sent : no_stat);
}

// ---- timers ----

void call_engine::arm(timer::timer_handle& h, kind k, std::uint32_t index, std::uint64_t delay_ms) {
    // The wheel holds two timers per slot: start cannot run out.
    auto r = _wheel.start(delay_ms, static_cast<std::uint16_t>(k), index);
    h = r ? r.value() : timer::timer_handle{};
}

void call_engine::disarm(timer::timer_handle& h) {
    if (h.valid()) {
        (void)_wheel.cancel(h);
        h = timer::timer_handle{};
    }
}

void call_engine::on_timer(void* self_ptr, timer::timer_wheel& wheel,
                           const timer::timer_event& ev) {
    (void)wheel;
    auto* self = static_cast<call_engine*>(self_ptr);
    const auto index = static_cast<std::uint32_t>(ev.data);
    slot& s = self->_slots[index];
    if (!s.in_use) {
        return;
    }
    if (ev.kind == static_cast<std::uint16_t>(kind::uac_timer) && s.uac_timer == ev.handle) {
        s.uac_timer = timer::timer_handle{};
        self->uac_timer(index);
    } else if (ev.kind == static_cast<std::uint16_t>(kind::uas_timer) && s.uas_timer == ev.handle) {
        s.uas_timer = timer::timer_handle{};
        self->uas_timer(index);
    }
}

} // namespace sipedge::loadgen
