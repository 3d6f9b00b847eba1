// RFC 4028 session timers in the proxy core: the hooks proxy_core.cc calls (§8.1
// on requests, §8.2 on 2xx responses, BYE) and the expiry of timed dialogs (§10).
// The rules themselves are in session_timer_policy.cc; the state in dialog_table.

#include "dataplane/proxy/branch.hh"
#include "dataplane/proxy/proxy_core.hh"
#include "dataplane/proxy/session_bye.hh"
#include "parser/cseq.hh"
#include "parser/name_addr.hh"
#include "sip/status_code.hh"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace sipedge::proxy {

using sip::header_id;
using sip::sip_method;
using txn::txn_id;

namespace {

constexpr std::size_t max_rr = 16;
constexpr std::size_t route_text = 256; // per direction; longer: the dialog is not timed
constexpr std::size_t via_room = 320 + branch_length;

bool timed_method(sip_method m) {
    return m == sip_method::invite || m == sip_method::update;
}

std::string_view trim(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
        v.remove_prefix(1);
    }
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
        v.remove_suffix(1);
    }
    return v;
}

// Joins elements[lo, hi) (reversed when asked) with ", " into buf; false if too long.
bool join(const std::array<std::string_view, max_rr>& e, std::size_t lo, std::size_t hi,
          bool reversed, char* buf, std::size_t& len) {
    len = 0;
    for (std::size_t k = lo; k < hi; ++k) {
        const std::string_view v = e[reversed ? hi - 1 - (k - lo) : k];
        const std::size_t need = v.size() + (len != 0 ? 2 : 0);
        if (len + need > route_text) {
            return false;
        }
        if (len != 0) {
            std::memcpy(buf + len, ", ", 2);
            len += 2;
        }
        std::memcpy(buf + len, v.data(), v.size());
        len += v.size();
    }
    return true;
}

} // namespace

std::uint64_t proxy_core::ticks_per_second() const {
    const auto ns = static_cast<std::uint64_t>(_config.tick.count());
    return ns == 0 ? 0 : 1'000'000'000ull / ns;
}

bool proxy_core::st_on_request(txn_id server, std::uint32_t ctx, txn::outbox& out) {
    const session_timer_config& cfg = _config.session_timers;
    if (!cfg.enabled) {
        return true;
    }
    const sip_method m = _view.method_id();
    if (m == sip_method::bye && _ess.to_has_tag) {
        // The session ends: no more timing (either end may send it). An empty table
        // (no call timed) needs no lookup.
        const std::uint32_t i = _dialogs.size() == 0
                                    ? dialog_table::none
                                    : _dialogs.find(_ess.call_id, _ess.from_tag, _ess.to_tag);
        if (i != dialog_table::none) {
            (void)_wheel.cancel(_dialogs.at(i).timer);
            _dialogs.erase(i);
            _counters.add(counter_id::st_dialogs_ended);
        }
        return true;
    }
    if (!timed_method(m)) {
        return true;
    }
    const timer_headers h = read_timer_headers(_view);
    const request_decision d = decide_request(h, cfg);
    if (d.reject_bad) {
        _counters.add(counter_id::st_bad_header);
        send_local(server, sip::status::bad_request, {}, out);
        return false;
    }
    if (d.reject_422) {
        char min_se[12];
        const int n = std::snprintf(min_se, sizeof(min_se), "%u", cfg.min_se);
        const parser::extra_header extra[] = {
            {"Min-SE", std::string_view(min_se, static_cast<std::size_t>(n))}};
        send_local(server, sip::status::session_interval_too_small, extra, out);
        _counters.add(counter_id::st_422_sent);
        return false;
    }
    _contexts[ctx].session_timer = d;
    if (d.write_se) {
        _counters.add(h.has_se ? counter_id::st_se_raised : counter_id::st_se_inserted);
    }
    if (d.write_min_se) {
        _counters.add(counter_id::st_min_se_raised);
    }
    if (_ess.to_has_tag) {
        // In-dialog: remember the sender's CSeq so that a BYE we send is above it.
        const std::uint32_t i = _dialogs.find(_ess.call_id, _ess.from_tag, _ess.to_tag);
        if (i != dialog_table::none) {
            dialog& dl = _dialogs.at(i);
            std::uint32_t& seen =
                dl.get(dialog_text::caller_tag) == _ess.from_tag ? dl.caller_cseq : dl.callee_cseq;
            seen = std::max(seen, _ess.cseq_value.number);
        }
    }
    return true;
}

bool proxy_core::st_edit_request(parser::message_writer& w, const sip::message_view& msg,
                                 timer_scratch& scratch) const {
    if (!_config.session_timers.enabled || !timed_method(msg.method_id())) {
        return true;
    }
    // Recomputed from the message (cheap): later fork groups forward a stored copy.
    const timer_headers h = read_timer_headers(msg);
    const request_decision d = decide_request(h, _config.session_timers);
    if (d.reject_bad || d.reject_422) {
        return true; // answered in st_on_request, never forwarded
    }
    return apply_request(w, msg, h, d, scratch).ok();
}

bool proxy_core::st_on_response(std::uint32_t ctx, const sip::message_view& msg,
                                std::uint16_t status, parser::message_writer& w,
                                timer_scratch& scratch) {
    if (!_config.session_timers.enabled || status < 200 || status >= 300) {
        return true;
    }
    // The live response's CSeq was parsed for matching (response_essentials); a
    // replayed one (the best final, sent later) is parsed here.
    sip_method method;
    if (&msg == &_view) {
        method = _ess.cseq_value.method_id;
    } else {
        const auto cseq_text = msg.first_value(header_id::cseq);
        auto cseq = cseq_text ? parser::parse_cseq(*cseq_text)
                              : parser::value_result<parser::cseq>(parser::value_error{});
        if (!cseq) {
            return true;
        }
        method = cseq.value().method_id;
    }
    if (!timed_method(method)) {
        return true;
    }
    const timer_headers rh = read_timer_headers(msg);
    const response_decision d = decide_response(_contexts[ctx].session_timer, rh);
    if (!apply_response(w, msg, d, scratch).ok()) {
        return false;
    }
    if (d.write_se && !rh.has_se) {
        _counters.add(counter_id::st_response_se_inserted);
    }
    if (!rh.malformed) {
        st_track(ctx, msg, d); // interval 0: a refresh without timer turns it off
    }
    return true;
}

// The proxy's own expiry never comes sooner than its Min-SE, whatever a (rogue)
// UAS put in its 2xx (RFC 4028 §11): the message is passed on as it is.
void proxy_core::st_track(std::uint32_t ctx, const sip::message_view& msg,
                          const response_decision& d) {
    const response_context& c = _contexts[ctx];
    if (d.interval == 0 && (!c.in_dialog || _dialogs.size() == 0)) {
        // No session timer, and no timed dialog this 2xx could end: the 2xx to an
        // initial INVITE starts a new dialog, and an empty table holds none.
        return;
    }
    const auto from_v = msg.first_value(header_id::from);
    const auto to_v = msg.first_value(header_id::to);
    const auto call_v = msg.first_value(header_id::call_id);
    const auto cseq_v = msg.first_value(header_id::cseq);
    if (!from_v || !to_v || !call_v || !cseq_v) {
        return;
    }
    auto from = parser::parse_name_addr(*from_v);
    auto to = parser::parse_name_addr(*to_v);
    auto cseq = parser::parse_cseq(*cseq_v);
    if (!from || !to || !cseq || !to.value().has_tag) {
        return;
    }
    const std::string_view call_id = trim(*call_v);
    std::uint32_t i = _dialogs.find(call_id, from.value().tag, to.value().tag);
    if (d.interval == 0) {
        // A 2xx to a re-INVITE/UPDATE without a session interval: the session has
        // no expiration any more (RFC 4028 §8.2, §10), so it must never be torn down.
        if (i != dialog_table::none) {
            (void)_wheel.cancel(_dialogs.at(i).timer);
            _dialogs.erase(i);
            _counters.add(counter_id::st_dialogs_ended);
        }
        return;
    }
    if (i != dialog_table::none) {
        dialog& dl = _dialogs.at(i);
        std::uint32_t& seen =
            dl.get(dialog_text::caller_tag) == from.value().tag ? dl.caller_cseq : dl.callee_cseq;
        seen = std::max(seen, cseq.value().number);
        dl.interval = std::max(d.interval, _config.session_timers.min_se);
        dl.refresher = d.refresher;
        _counters.add(counter_id::st_dialogs_refreshed);
        if (!st_arm(i)) {
            _counters.add(counter_id::st_dialogs_ended); // untimed from now on
        }
        return;
    }
    if (!c.invite || c.server == txn::no_txn) {
        return; // only the 2xx to an INVITE creates one
    }
    // Route set each way, from the Record-Route of the 2xx around our own entry.
    // Without our entry later requests would bypass us: nothing to time.
    std::array<std::string_view, max_rr> rr{};
    std::size_t rr_count = 0;
    std::size_t ours = max_rr;
    auto cursor = msg.values(header_id::record_route);
    std::string_view element;
    while (cursor.next(element)) {
        if (rr_count == max_rr) {
            _counters.add(counter_id::st_dialog_too_large);
            return;
        }
        auto na = parser::parse_name_addr(element);
        if (na && ours == max_rr) {
            auto u = parser::parse_uri(na.value().uri);
            if (u && _router.is_us(u.value())) {
                ours = rr_count;
            }
        }
        rr[rr_count++] = element;
    }
    if (ours == max_rr) {
        return;
    }
    char to_callee[route_text];
    char to_caller[route_text];
    std::size_t callee_len = 0;
    std::size_t caller_len = 0;
    if (!join(rr, 0, ours, true, to_callee, callee_len) ||
        !join(rr, ours + 1, rr_count, false, to_caller, caller_len)) {
        _counters.add(counter_id::st_dialog_too_large);
        return;
    }
    dialog_init init;
    init.caller_addr = _txns.get(c.server).peer;
    init.caller_tp = _txns.get(c.server).tp;
    init.caller_cseq = cseq.value().number;
    std::string_view callee_target = to.value().uri;
    if (const auto contact = msg.first_element(header_id::contact)) {
        if (auto na = parser::parse_name_addr(*contact)) {
            callee_target = na.value().uri;
        }
    }
    // The caller's Contact is in the request as we forwarded it (kept by the client
    // transaction); its From URI will do when that copy is gone.
    std::string_view caller_target = from.value().uri;
    bool have_callee_addr = false;
    branch_fields f;
    if (&msg == &_view && parse_branch(_ess.top_via.branch, f) && _txns.live(f.id)) {
        const txn::transaction& t = _txns.get(f.id);
        init.callee_addr = t.peer;
        init.callee_tp = t.tp;
        have_callee_addr = true;
        if (!t.message.empty()) {
            const std::string_view req = _txns.stored_request(f.id, _replay.get());
            if (_parser.parse(req, req.size() + parser::parser_padding, *_replay_view).ok()) {
                if (const auto ct = _replay_view->first_element(header_id::contact)) {
                    if (auto na = parser::parse_name_addr(*ct)) {
                        caller_target = na.value().uri;
                    }
                }
            }
        }
    }
    if (!have_callee_addr) {
        auto u = parser::parse_uri(ours > 0 ? rr[ours - 1] : callee_target);
        const std::optional<next_hop> hop = u ? _router.resolve(u.value()) : std::nullopt;
        if (!hop) {
            return;
        }
        init.callee_addr = hop->destination;
        init.callee_tp = hop->tp;
    }
    auto set = [&init](dialog_text f_, std::string_view v) {
        init.text[static_cast<std::size_t>(f_)] = v;
    };
    set(dialog_text::call_id, call_id);
    set(dialog_text::caller_tag, from.value().tag);
    set(dialog_text::callee_tag, to.value().tag);
    set(dialog_text::from, trim(*from_v));
    set(dialog_text::to, trim(*to_v));
    set(dialog_text::caller_target, caller_target);
    set(dialog_text::callee_target, callee_target);
    set(dialog_text::route_to_caller, std::string_view(to_caller, caller_len));
    set(dialog_text::route_to_callee, std::string_view(to_callee, callee_len));
    dialog_table::insert_error why{};
    i = _dialogs.insert(init, why);
    if (i == dialog_table::none) {
        _counters.add(why == dialog_table::insert_error::full ? counter_id::st_dialog_table_full
                                                              : counter_id::st_dialog_too_large);
        return;
    }
    dialog& dl = _dialogs.at(i);
    dl.interval = std::max(d.interval, _config.session_timers.min_se);
    dl.refresher = d.refresher;
    if (st_arm(i)) {
        _counters.add(counter_id::st_dialogs_created); // live = created - expired - ended
    }
}

bool proxy_core::st_arm(std::uint32_t i) {
    dialog& d = _dialogs.at(i);
    const timer::tick_t want =
        timer::tick_scale(_config.tick)
            .ticks_ceil(std::chrono::seconds(expiry_after_seconds(d.interval)));
    d.deadline = _wheel.now() + want;
    // Never late: a coarse wheel level may fire early instead; the handler re-arms
    // for what is left (also for intervals beyond the wheel's range).
    const timer::tick_t delay = never_late_delay(want);
    if (d.timer.valid() && _wheel.restart(d.timer, delay).ok()) {
        return true;
    }
    auto h = _wheel.start(delay, static_cast<std::uint16_t>(_config.timer_kind_base + 2),
                          (std::uint64_t{d.generation} << 32) | i);
    if (!h) {
        // No timer left: the dialog cannot be timed; forget it rather than leak it.
        _counters.add(counter_id::st_dialog_table_full);
        _dialogs.erase(i);
        return false;
    }
    d.timer = h.value();
    return true;
}

void proxy_core::on_session_timer(void* self_ptr, timer::timer_wheel& wheel,
                                  const timer::timer_event& ev) {
    auto* self = static_cast<proxy_core*>(self_ptr);
    const auto i = static_cast<std::uint32_t>(ev.data);
    if (i >= self->_dialogs.capacity()) {
        return;
    }
    dialog& d = self->_dialogs.at(i);
    if (!d.in_use || d.generation != (ev.data >> 32)) {
        return;
    }
    d.timer = {};
    if (ev.now < d.deadline) {
        auto h = wheel.start(never_late_delay(d.deadline - ev.now), ev.kind, ev.data);
        if (h) {
            d.timer = h.value();
            return;
        }
    }
    self->_counters.add(counter_id::st_dialogs_expired);
    if (self->_config.session_timers.on_expiry == expiry_action::bye && self->_out != nullptr) {
        self->st_send_bye(d, false, *self->_out);
        self->st_send_bye(d, true, *self->_out);
    }
    self->_dialogs.erase(i);
}

void proxy_core::st_send_bye(const dialog& d, bool to_caller, txn::outbox& out) {
    const txn::transport tp = to_caller ? d.caller_tp : d.callee_tp;
    const txn::endpoint& dst = to_caller ? d.caller_addr : d.callee_addr;
    const txn_id next = _txns.next_id();
    if (next == txn::no_txn) {
        _counters.add(counter_id::drop_txn_table_full);
        return;
    }
    // A branch naming the client transaction, so its 200 finds it (and ends there).
    const branch_fields names{_config.lcore_id, 0, next, _txns.get(next).generation};
    char branch[branch_length];
    format_branch(names, branch);
    const std::string& prefix = _via_prefix[static_cast<std::size_t>(tp)];
    char via[via_room];
    if (prefix.size() + branch_length > sizeof(via)) {
        return;
    }
    std::memcpy(via, prefix.data(), prefix.size());
    std::memcpy(via + prefix.size(), branch, branch_length);
    const std::size_t n = build_session_bye(
        d, to_caller, std::string_view(via, prefix.size() + branch_length), _tx.get(), 65536);
    if (n == 0) {
        return;
    }
    const txn_id id =
        _txns.create_client(client_key(_txns.keys(), names, "BYE"), false, tp, dst,
                            std::string_view(_tx.get(), n), no_context, 0, out,
                            txn::txn_lookup::by_handle);
    if (id != txn::no_txn) {
        _counters.add(counter_id::st_byes_sent);
    }
}

} // namespace sipedge::proxy
