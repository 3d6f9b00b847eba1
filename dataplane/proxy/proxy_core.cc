#include "dataplane/proxy/proxy_core.hh"

#include "dataplane/proxy/branch.hh"
#include "dataplane/proxy/local_response.hh"
#include "dataplane/transaction/hash.hh"
#include "dataplane/transaction/request_builder.hh"
#include "parser/cseq.hh"
#include "parser/message_writer.hh"
#include "parser/name_addr.hh"
#include "parser/option_tags.hh"
#include "parser/params.hh"
#include "parser/response_builder.hh"
#include "sip/status_code.hh"
#include "sip/value_list.hh"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <string>

namespace sipedge::proxy {

using sip::header_id;
using sip::sip_method;
using txn::txn_id;

namespace {

constexpr std::size_t buffer_size = 65536;
constexpr std::uint8_t flag_cancel_txn = 1; // a client transaction carrying our CANCEL
constexpr std::size_t max_route_elements = 16;
constexpr std::size_t max_targets = 16;
constexpr std::size_t max_via_prefix = 320; // "SIP/2.0/SCTP " + host (<= 255) + ":65535;branch="

// §16.7 step 6 preference: lower is better. 6xx wins (and stops the search);
// then 3xx, the 4xx the RFC singles out, other 4xx, 5xx.
std::uint16_t response_rank(std::uint16_t status) {
    if (status >= 600) {
        return 0;
    }
    if (status >= 300 && status < 400) {
        return 100;
    }
    if (status == 401 || status == 407 || status == 415 || status == 420 || status == 484) {
        return 200;
    }
    if (status >= 400 && status < 500) {
        return 300;
    }
    return 400;
}

void count_method(counter_block& c, sip_method m) {
    switch (m) {
    case sip_method::invite:
        c.add(counter_id::sip_req_invite);
        break;
    case sip_method::ack:
        c.add(counter_id::sip_req_ack);
        break;
    case sip_method::bye:
        c.add(counter_id::sip_req_bye);
        break;
    case sip_method::cancel:
        c.add(counter_id::sip_req_cancel);
        break;
    case sip_method::options:
        c.add(counter_id::sip_req_options);
        break;
    case sip_method::register_:
        c.add(counter_id::sip_req_register);
        break;
    default:
        c.add(counter_id::sip_req_other);
        break;
    }
}

void count_status(counter_block& c, std::uint16_t status) {
    static constexpr counter_id ids[] = {counter_id::sip_resp_1xx, counter_id::sip_resp_2xx,
                                         counter_id::sip_resp_3xx, counter_id::sip_resp_4xx,
                                         counter_id::sip_resp_5xx, counter_id::sip_resp_6xx};
    const int cls = sip::status_class(status);
    if (cls >= 1) {
        c.add(ids[cls - 1]);
    }
}

// Methods whose 2xx creates a dialog: Record-Route goes into these (§16.6 step 4)
// when they are outside a dialog.
bool dialog_creating(sip_method m) {
    return m == sip_method::invite || m == sip_method::subscribe || m == sip_method::refer ||
           m == sip_method::notify;
}

std::string_view uri_of_route(std::string_view element, parser::uri& out, bool& ok) {
    ok = false;
    auto na = parser::parse_name_addr(element);
    if (!na) {
        return {};
    }
    auto u = parser::parse_uri(na.value().uri);
    if (!u) {
        return {};
    }
    out = u.value();
    ok = true;
    return na.value().uri;
}

// Writes the edited message in the outbox itself when it fits there (so that
// pushing it copies nothing), else in the fallback buffer; empty on failure.
std::string_view materialise(const parser::message_writer& w, txn::outbox& out, char* fallback,
                             std::size_t fallback_size) {
    std::size_t cap = 0;
    char* p = out.next_space(cap);
    if (p == nullptr || cap < w.output_size()) {
        p = fallback;
        cap = fallback_size;
    }
    auto n = w.materialise(p, cap);
    return n ? std::string_view(p, n.value()) : std::string_view();
}

std::size_t put(char* out, std::size_t at, std::size_t cap, std::string_view s) {
    if (at + s.size() > cap) {
        return cap + 1;
    }
    std::memcpy(out + at, s.data(), s.size());
    return at + s.size();
}

} // namespace

// Route decisions of §16.4 and §16.6 steps 6-7, computed once per request.
struct proxy_core::route_plan {
    std::array<std::string_view, max_route_elements> elements{};
    std::array<std::uint16_t, max_route_elements> header_of{};
    std::size_t count = 0;        // Route elements in the request
    std::size_t lo = 0;           // first remaining element (after removing ours)
    std::size_t hi = 0;           // one past the last remaining one (after strict-router fix)
    std::string_view request_uri; // after the strict-router fix
    parser::uri ruri;
    std::string_view next_text; // the first remaining Route value's URI (lo < hi)...
    parser::uri next;           // ...parsed
    std::uint64_t loop = 0;     // §16.6 step 8 loop hash of the request, set by the caller
};

// Where an ACK for a 2xx goes (§16.11), worked out from the message alone: before
// the lookup that tells it from an ACK for our own non-2xx.
struct proxy_core::ack_route {
    route_plan plan;
    std::string_view target; // Request-URI of the forwarded ACK
    next_hop hop;
    std::array<char, branch_length> branch{};
    bool routable = false; // false: dropped as a stray ACK unless a transaction takes it
};

// What a request that starts a transaction is checked against first, worked out from
// the message alone (check_request), so before the transaction lookup that decides
// whether it is new.
struct proxy_core::request_checks {
    route_plan plan;              // plan.loop always set; the rest when routed
    std::string_view unsupported; // for 420
    std::uint16_t status = 0;     // §16.3 validation: 0 when it passed
    bool routed = false;          // plan_route succeeded (only tried when validated)
};

struct proxy_core::request_scratch {
    request_checks checks;
    ack_route ack;
};

proxy_core::~proxy_core() = default;

void proxy_core::timers_changed() {
    _timer_c_ticks = timer::tick_scale(_config.tick).ticks_ceil(_config.timers.timer_c);
    _txns.set_timers(_config.timers, _config.tick);
}

proxy_core::proxy_core(const proxy_config& config, location_lookup location,
                       timer::timer_wheel& wheel, counter_block& counters)
    : _config(config), _router(config), _location(location), _wheel(wheel), _counters(counters),
      _timer_c_ticks(timer::tick_scale(config.tick).ticks_ceil(config.timers.timer_c)),
      _txns(txn::transaction_layer_config{config.transaction_capacity, 0, config.timers,
                                          config.tick, config.timer_kind_base, config.seed},
            wheel, counters,
            txn::tu_hooks{this, &proxy_core::hook_client_failed, &proxy_core::hook_terminated,
                          &proxy_core::hook_prefetch_terminated}),
      _contexts(
          new response_context[config.transaction_capacity == 0 ? 1 : config.transaction_capacity]),
      _context_capacity(config.transaction_capacity == 0 ? 1 : config.transaction_capacity),
      _dialogs(config.session_timers.enabled ? config.session_timers.dialog_capacity : 1),
      _scratch(new request_scratch()), _replay_view(new sip::message_view()),
      _replay(new char[buffer_size + parser::parser_padding]), _tx(new char[buffer_size]),
      _aux(new char[buffer_size]) {
    for (std::uint32_t i = 0; i < _context_capacity; ++i) {
        _contexts[i].next_free = i + 1 < _context_capacity ? i + 1 : no_context;
    }
    // Our Via (without the branch value) and Record-Route per transport, formatted once.
    const std::string port = std::to_string(config.port);
    for (const txn::transport tp :
         {txn::transport::udp, txn::transport::tcp, txn::transport::tls, txn::transport::sctp}) {
        const auto i = static_cast<std::size_t>(tp);
        _via_prefix[i] = "SIP/2.0/" + std::string(txn::transport_name(tp)) + " " + config.host +
                         ":" + port + ";branch=";
        std::string param;
        if (tp != txn::transport::udp) {
            param = ";transport=" + std::string(txn::transport_name(tp));
            std::transform(param.begin(), param.end(), param.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        }
        _record_route[i] =
            "<sip:" + config.host + (config.port == 5060 ? "" : ":" + port) + param + ";lr>";
    }
    for (const std::string& prefix : _via_prefix) {
        _our_vias.emplace_back(prefix);
    }
    _free_context = 0;
    (void)_wheel.set_handler(static_cast<std::uint16_t>(config.timer_kind_base + 1),
                             &proxy_core::on_timer_c, this);
    (void)_wheel.set_handler(static_cast<std::uint16_t>(config.timer_kind_base + 2),
                             &proxy_core::on_session_timer, this);
}

std::size_t proxy_core::memory_bytes() const {
    return std::size_t{_context_capacity} * sizeof(response_context) +
           _txns.capacity() * sizeof(txn::transaction) +
           const_cast<txn::transaction_layer&>(_txns).store().memory_bytes();
}

std::uint16_t proxy_core::owning_lcore(const sip::message_view& msg, std::uint16_t lcore_count) {
    return proxy::owning_lcore(msg, lcore_count);
}

// ================================================================ entry points

void proxy_core::on_message(const incoming_message& in, txn::outbox& out) {
    _out = &out;
    _ess_valid = false;
    _current_server = txn::no_txn;
    const parser::parse_result r = in.readable >= in.bytes.size() + parser::parser_padding
                                       ? _parser.parse(in.bytes, in.readable, _view)
                                       : _parser.parse_unpadded(in.bytes, _view);
    if (!r.ok()) {
        if (r.code == parser::parse_error_code::unsupported_version && _view.is_request()) {
            respond_stateless(in, sip::status::version_not_supported, {}, out);
            return;
        }
        _counters.add(counter_id::drop_sip_unparsable);
        return;
    }
    if (_view.is_request()) {
        _counters.add(counter_id::sip_requests_in);
        count_method(_counters, _view.method_id());
        handle_request(in, out);
    } else {
        _counters.add(counter_id::sip_responses_in);
        count_status(_counters, _view.status_code());
        handle_response(out);
    }
    // _view points into the caller's bytes, valid only during this call: nothing
    // may build from it later (timers, transport errors).
    _current_server = txn::no_txn;
    _ess_valid = false;
}

void proxy_core::on_tick(timer::tick_t now, txn::outbox& out) {
    _out = &out;
    _txns.set_timer_outbox(&out);
    // A budget per call (one per lcore pass): the 64*T1 timers of a second's calls
    // share a 1,024-tick slot and were all fired in one pass, which stalled the
    // worker for over 10 ms once a second at 36,000 calls/s; the rest fires on the
    // next passes.
    _wheel.advance(now, timers_per_tick_call);
    _txns.set_timer_outbox(nullptr);
}

void proxy_core::on_transport_error(std::uint32_t id, txn::outbox& out) {
    _out = &out;
    if (id != txn::no_txn && _txns.live(id)) {
        _txns.on_transport_error(id);
    }
}

// ================================================================ requests

void proxy_core::handle_request(const incoming_message& in, txn::outbox& out) {
    const txn::key_maker& keys = _txns.keys();
    // The index line find() reads is random in a large array (a cache miss for
    // nearly every new request). An RFC 3261 key needs only the top Via and the
    // method: requested before the rest of the essentials are read, so that the
    // miss overlaps them (and, for a new request, the checks below).
    txn::txn_key key{};
    bool keyed = false;
    const bool head = static_cast<bool>(parser::extract_essentials_head(_view, _ess));
    if (head && _ess.top_via.rfc3261_branch()) {
        key = keys.server_key(_view, _ess);
        _txns.prefetch(key);
        keyed = true;
    }
    if (!head || !parser::extract_essentials_rest(_view, _ess)) {
        // §16.3 step 1; without the mandatory headers no response can be built.
        respond_stateless(in, sip::status::bad_request, {}, out);
        return;
    }
    _ess_valid = true;
    const sip_method method = _view.method_id();
    if (!keyed) {
        key = keys.server_key(_view, _ess); // RFC 2543: the whole essentials
        _txns.prefetch(key);
    }

    if (method == sip_method::ack) {
        // The route is worked out (from the message alone) while the index line
        // comes; an ACK the lookup finds hop-by-hop throws it away.
        ack_route& route = _scratch->ack;
        plan_ack(route);
        const txn_id id = _txns.find(key);
        if (id != txn::no_txn && _txns.get(id).kind == txn::txn_kind::invite_server) {
            if (_txns.on_request(id, true, out) != txn::server_disposition::ack_to_tu) {
                return; // ACK for our non-2xx: hop-by-hop, ends here (§17.2.1)
            }
        }
        forward_ack(in, route, out); // ACK for a 2xx: end-to-end, stateless (§16.11)
        return;
    }

    // What a new request needs (loop hash, validation, route plan: all read only
    // the message) is worked out while the index line comes. A retransmission,
    // found below, throws that away.
    request_checks& checks = _scratch->checks;
    check_request(checks);
    const txn_id existing = _txns.find(key);
    if (existing != txn::no_txn) {
        (void)_txns.on_request(existing, false, out);
        return;
    }
    if (method == sip_method::cancel) {
        const txn_id invite = _txns.find(keys.server_key(_view, _ess, "INVITE"));
        if (invite != txn::no_txn && _txns.get(invite).kind == txn::txn_kind::invite_server) {
            handle_cancel(in, invite, out);
            return;
        }
        // §16.10: no context for it; forwarded like any other request below.
    }
    handle_new_request(in, key, checks, out);
}

void proxy_core::check_request(request_checks& checks) const {
    // Every field that is read is set here or by plan_route (which starts from
    // count 0; its arrays are read below count, next only when lo < hi).
    checks.plan.count = 0;
    checks.unsupported = {};
    checks.plan.loop = loop_hash(_view, _ess);
    checks.status = validate(_view, _ess, checks.plan.loop, checks.unsupported);
    checks.routed = checks.status == 0 && plan_route(_view, _ess, checks.plan);
}

std::uint16_t proxy_core::validate(const sip::message_view& msg,
                                   const parser::message_essentials& e, std::uint64_t loop,
                                   std::string_view& unsupported) const {
    // §16.3 step 2: URI scheme.
    if (e.request_uri.scheme != parser::uri_scheme::sip &&
        e.request_uri.scheme != parser::uri_scheme::sips) {
        return sip::status::unsupported_uri_scheme;
    }
    // Step 3: Max-Forwards.
    if (e.max_forwards == 0) {
        return sip::status::too_many_hops;
    }
    // Step 4: loop detection. One of our Vias with the same loop hash means the
    // request came back unchanged: a loop, not a spiral. Only Via lines holding a
    // branch of ours need their elements parsed.
    for (const sip::header_ref h : msg.headers(header_id::via)) {
        if (h.value.find(our_branch_prefix) == std::string_view::npos) {
            continue;
        }
        sip::value_list_cursor cursor(h.value);
        std::string_view element;
        while (cursor.next(element)) {
            auto v = parser::parse_via(element);
            branch_fields f;
            if (v && parse_branch(v.value().branch, f) && f.loop_hash == loop &&
                parser::iequals(v.value().host, _config.host) &&
                (v.value().port == 0 ? 5060 : v.value().port) == _config.port) {
                return sip::status::loop_detected;
            }
        }
    }
    // Step 5: Proxy-Require. This proxy supports no extension that needs it.
    if (msg.has(header_id::proxy_require)) {
        unsupported = msg.first_value(header_id::proxy_require).value_or("");
        for (const sip::header_ref r : msg.headers(header_id::proxy_require)) {
            if (!r.value.empty()) {
                unsupported = r.value;
                return sip::status::bad_extension;
            }
        }
    }
    return 0;
}

bool proxy_core::is_our_record_route(std::string_view element) const {
    for (const std::string& rr : _record_route) {
        if (element == rr) {
            return true;
        }
    }
    return false;
}

bool proxy_core::plan_route(const sip::message_view& msg, const parser::message_essentials& e,
                            route_plan& plan) const {
    auto cursor = msg.values(header_id::route);
    std::string_view element;
    std::uint16_t index = 0;
    while (cursor.next(element, &index)) {
        if (plan.count == max_route_elements) {
            return false;
        }
        plan.elements[plan.count] = element;
        plan.header_of[plan.count] = index;
        ++plan.count;
    }
    plan.lo = 0;
    plan.hi = plan.count;
    plan.request_uri = msg.request_uri();
    plan.ruri = e.request_uri;
    // §16.4: a Request-URI we put in a Record-Route means the previous hop is a
    // strict router: the real target is the last Route value.
    if (plan.count > 0 && !e.request_uri.has_user && _router.is_us(e.request_uri)) {
        parser::uri last;
        bool ok;
        const std::string_view last_uri = uri_of_route(plan.elements[plan.count - 1], last, ok);
        if (!ok) {
            return false;
        }
        plan.request_uri = last_uri;
        plan.ruri = last;
        --plan.hi;
    }
    // §16.4: remove our own entry at the top of the Route set. What remains first
    // is the next hop (§16.6 step 7), parsed once here for the forwarding code.
    // The usual top entry is our Record-Route value sent back verbatim: that text
    // is us without being parsed (next and next_text are read only when an entry
    // remains, lo < hi).
    if (plan.lo < plan.hi) {
        bool ours = is_our_record_route(plan.elements[plan.lo]);
        if (!ours) {
            bool ok;
            plan.next_text = uri_of_route(plan.elements[plan.lo], plan.next, ok);
            if (!ok) {
                return false;
            }
            ours = _router.is_us(plan.next);
        }
        if (ours && ++plan.lo < plan.hi) {
            bool ok;
            plan.next_text = uri_of_route(plan.elements[plan.lo], plan.next, ok);
            if (!ok) {
                return false;
            }
        }
    }
    return true;
}

void proxy_core::handle_new_request(const incoming_message& in, const txn::txn_key& key,
                                    const request_checks& checks, txn::outbox& out) {
    const sip_method method = _view.method_id();
    if (_txns.full() || _free_context == no_context) {
        _counters.add(counter_id::drop_txn_table_full);
        char retry[12];
        const int n = std::snprintf(retry, sizeof(retry), "%u", _config.retry_after_seconds);
        const parser::extra_header extra[] = {
            {"Retry-After", std::string_view(retry, static_cast<std::size_t>(n))}};
        respond_stateless(in, sip::status::service_unavailable, extra, out);
        return;
    }
    const bool invite = method == sip_method::invite;
    const txn_id server = _txns.create_server(key, invite, in.tp, in.source);
    const std::uint32_t ctx = alloc_context();
    response_context& c = _contexts[ctx];
    c.server = server;
    c.invite = invite;
    c.in_dialog = _ess.to_has_tag;
    c.refs = 1;
    _txns.get(server).owner = ctx;
    _current_server = server; // local responses come from _view until on_message returns

    const route_plan& plan = checks.plan;
    if (const std::uint16_t status = checks.status; status != 0) {
        const parser::extra_header extra[] = {{"Unsupported", checks.unsupported}};
        send_local(server, status,
                   status == sip::status::bad_extension ? std::span(extra)
                                                        : std::span<const parser::extra_header>(),
                   out);
        return;
    }
    if (!checks.routed) {
        send_local(server, sip::status::bad_request, {}, out);
        return;
    }
    if (_auth) {
        auth_decision d;
        _auth.check(_auth.context, _view, _ess, d);
        if (d.status != 0) {
            send_local(server, d.status, std::span(d.extra.data(), d.extra_count), out);
            return;
        }
    }
    if (!st_on_request(server, ctx, out)) {
        return; // RFC 4028 §8.1 answered it (422, 400)
    }

    // §16.5 target set.
    struct target_entry {
        std::int16_t q;
        std::string_view uri;
    };
    std::array<target_entry, max_targets> targets;
    std::size_t target_count = 0;
    if (plan.lo < plan.hi) {
        targets[target_count++] = {1000, plan.request_uri}; // Route set decides the hop
    } else if (!plan.ruri.has_user && _router.is_us(plan.ruri)) {
        // Addressed to the proxy itself.
        const parser::extra_header allow[] = {{"Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"}};
        send_local(server,
                   method == sip_method::options ? sip::status::ok
                                                 : sip::status::method_not_allowed,
                   allow, out);
        return;
    } else if (_router.owns_domain(plan.ruri.host)) {
        char aor_buf[512];
        const std::string_view aor =
            make_aor(plan.ruri.user, plan.ruri.host, aor_buf, sizeof(aor_buf));
        for (const contact_binding& b : _location(aor)) {
            if (target_count == max_targets) {
                break;
            }
            targets[target_count++] = {b.q, b.uri};
        }
        if (target_count == 0) {
            send_local(server, sip::status::not_found, {}, out);
            return;
        }
    } else {
        targets[target_count++] = {1000, plan.request_uri};
    }
    // q-descending, equal q in binding order: a stable insertion sort of at most
    // max_targets entries in place (std::stable_sort allocates a buffer per call).
    for (std::size_t i = 1; i < target_count; ++i) {
        const target_entry moving = targets[i];
        std::size_t j = i;
        for (; j > 0 && targets[j - 1].q < moving.q; --j) {
            targets[j] = targets[j - 1];
        }
        targets[j] = moving;
    }

    if (invite) {
        send_local(server, sip::status::trying, {}, out); // §16.2: 100 at once for INVITE
    }
    if (target_count > 1) {
        _counters.add(counter_id::proxy_forked_requests);
    }
    // Parallel within the highest q group; later groups wait (§16.6, sequential).
    std::size_t first_group_end = 1;
    while (first_group_end < target_count && targets[first_group_end].q == targets[0].q) {
        ++first_group_end;
    }
    if (first_group_end < target_count) {
        std::size_t len = 0;
        for (std::size_t i = first_group_end; i < target_count; ++i) {
            const int n =
                std::snprintf(_aux.get() + len, buffer_size - len, "%d %.*s\n", targets[i].q,
                              static_cast<int>(targets[i].uri.size()), targets[i].uri.data());
            len += static_cast<std::size_t>(n);
        }
        c.targets = _txns.store().store(std::string_view(_aux.get(), len));
        c.request = _txns.store().store(_view.bytes());
    }
    for (std::size_t i = 0; i < first_group_end; ++i) {
        (void)forward_branch(ctx, _view, _ess, plan, targets[i].uri, out);
    }
    if (_contexts[ctx].in_use && all_branches_final(_contexts[ctx]) && !c.final_sent) {
        start_next_group(ctx, out);
    }
}

void proxy_core::start_next_group(std::uint32_t ctx, txn::outbox& out) {
    response_context& c = _contexts[ctx];
    if (c.targets.empty() || c.request.empty() || c.got_6xx || c.cancelled) {
        _txns.store().release(c.targets);
        _txns.store().release(c.request);
        send_best(ctx, out);
        return;
    }
    // Targets blob into _aux; request into _replay (parsed into _replay_view).
    _txns.store().copy_out(c.targets, _aux.get());
    std::string_view list(_aux.get(), c.targets.length);
    _txns.store().copy_out(c.request, _replay.get());
    const std::string_view req(_replay.get(), c.request.length);
    auto parsed = _parser.parse(req, req.size() + parser::parser_padding, *_replay_view);
    auto ess = parser::extract_essentials(*_replay_view);
    route_plan plan;
    if (ess) {
        plan.loop = loop_hash(*_replay_view, ess.value());
    }
    if (!parsed.ok() || !ess || !plan_route(*_replay_view, ess.value(), plan)) {
        _txns.store().release(c.targets);
        _txns.store().release(c.request);
        send_best(ctx, out);
        return;
    }
    // Group = leading lines with the same q.
    std::size_t pos = 0;
    std::string_view group_q;
    std::array<std::string_view, max_targets> group;
    std::size_t n = 0;
    while (pos < list.size()) {
        const std::size_t eol = list.find('\n', pos);
        const std::string_view line = list.substr(pos, eol - pos);
        const std::size_t sp = line.find(' ');
        const std::string_view q = line.substr(0, sp);
        if (n > 0 && q != group_q) {
            break;
        }
        group_q = q;
        group[n++] = line.substr(sp + 1);
        pos = eol + 1;
    }
    const std::string_view rest = list.substr(pos);
    txn::stored_message old_targets = c.targets;
    c.targets = rest.empty() ? txn::stored_message{} : _txns.store().store(rest);
    for (std::size_t i = 0; i < n; ++i) {
        (void)forward_branch(ctx, *_replay_view, ess.value(), plan, group[i], out);
    }
    _txns.store().release(old_targets);
    if (c.targets.empty()) {
        _txns.store().release(c.request);
    }
    if (c.in_use && all_branches_final(c) && !c.final_sent) {
        start_next_group(ctx, out);
    }
}

std::string_view proxy_core::build_forwarded(const sip::message_view& msg,
                                             const parser::message_essentials& e,
                                             const route_plan& plan, std::string_view target_uri,
                                             const next_hop& hop, std::string_view branch,
                                             bool record_route, const txn::endpoint& source,
                                             txn::outbox& out) const {
    parser::message_writer w(msg);
    bool ok = true;
    auto check = [&ok](const parser::write_status& s) { ok = ok && s.ok(); };

    // Route set edits: drop our own entry, the strict-router value that became the
    // Request-URI, and, towards a strict next hop, the value that becomes the new one.
    std::string_view request_uri = target_uri;
    std::array<bool, max_route_elements> removed{};
    for (std::size_t i = 0; i < plan.lo; ++i) {
        removed[i] = true;
    }
    for (std::size_t i = plan.hi; i < plan.count; ++i) {
        removed[i] = true;
    }
    char strict_route[1024];
    std::size_t strict_len = 0;
    if (plan.lo < plan.hi && parser::find_param(plan.next.params, "lr").name.empty()) {
        // §16.6 step 7: strict next hop. Our target goes to the end of the Route
        // set; the strict router's URI becomes the Request-URI.
        removed[plan.lo] = true;
        strict_len = put(strict_route, 0, sizeof(strict_route), "Route: <");
        strict_len = put(strict_route, strict_len, sizeof(strict_route), target_uri);
        strict_len = put(strict_route, strict_len, sizeof(strict_route), ">\r\n");
        if (strict_len > sizeof(strict_route)) {
            return {};
        }
        request_uri = plan.next_text;
    }
    for (std::size_t i = 0; i < plan.count; ++i) {
        if (!removed[i]) {
            continue;
        }
        // A line whose every element goes is removed whole (one edit, no overlap).
        const std::uint16_t h = plan.header_of[i];
        bool whole = true;
        for (std::size_t j = 0; j < plan.count; ++j) {
            if (plan.header_of[j] == h && !removed[j]) {
                whole = false;
            }
        }
        if (whole) {
            if (i == 0 || plan.header_of[i - 1] != h) {
                check(w.remove_header(h));
            }
        } else {
            check(w.remove_value(h, plan.elements[i]));
        }
    }
    if (strict_len > 0) {
        const std::uint16_t last = plan.header_of[plan.count - 1];
        check(w.insert(msg.field(last).line_end, std::string_view(strict_route, strict_len)));
    }
    if (request_uri != msg.request_uri()) {
        check(w.replace_request_uri(request_uri));
    }
    // §16.6 step 3.
    check(w.set_max_forwards(e.max_forwards < 0 ? 70u
                                                : static_cast<std::uint32_t>(e.max_forwards - 1)));
    // §18.2.1: received= when the sent-by host is not the source address.
    char received[64];
    if (const std::string_view rp = received_param(e, source, received); !rp.empty()) {
        const std::string_view top_via = msg.first_element(header_id::via).value_or("");
        check(w.insert(msg.offset_of(top_via) + static_cast<std::uint32_t>(top_via.size()), rp));
    }
    // §16.6 step 8: our Via on top.
    const std::string& via_prefix = _via_prefix[static_cast<std::size_t>(hop.tp)];
    char via[max_via_prefix + branch_length];
    if (via_prefix.size() + branch.size() > sizeof(via)) {
        return {};
    }
    std::memcpy(via, via_prefix.data(), via_prefix.size());
    std::memcpy(via + via_prefix.size(), branch.data(), branch.size());
    const std::uint16_t via_index = msg.first_index(header_id::via);
    check(w.insert_header_before(via_index, "Via",
                                 std::string_view(via, via_prefix.size() + branch.size())));
    // §16.6 step 4: Record-Route, topmost, with the transport the dialog's requests
    // must use to reach us.
    if (record_route) {
        const std::uint16_t rr_index = msg.first_index(header_id::record_route);
        check(w.insert_header_before(rr_index != sip::no_header ? rr_index : via_index,
                                     "Record-Route",
                                     _record_route[static_cast<std::size_t>(hop.tp)]));
    }
    // §22.3: credentials for this proxy's realm are consumed here.
    if (_auth.consumes != nullptr) {
        for (const sip::header_ref h : msg.headers(header_id::proxy_authorization)) {
            if (_auth.consumes(_auth.context, h.value)) {
                check(w.remove_header(h.index));
            }
        }
    }
    timer_scratch st_scratch; // RFC 4028 §8.1 edits
    ok = ok && st_edit_request(w, msg, st_scratch);
    if (!ok) {
        return {};
    }
    return materialise(w, out, _tx.get(), buffer_size);
}

std::optional<next_hop> proxy_core::next_hop_for(const route_plan& plan,
                                                 std::string_view target_uri) const {
    // §16.6 step 7: the first remaining Route value, else the target.
    if (plan.lo < plan.hi) {
        return _router.resolve(plan.next);
    }
    if (target_uri.data() == plan.request_uri.data() &&
        target_uri.size() == plan.request_uri.size()) {
        // The target is the Request-URI itself (not our domain, or an in-dialog
        // request): plan_route has it parsed already.
        return _router.resolve(plan.ruri);
    }
    parser::uri target;
    if (!parser::parse_uri(target_uri, target)) {
        return std::nullopt;
    }
    return _router.resolve(target);
}

bool proxy_core::forward_branch(std::uint32_t ctx, const sip::message_view& msg,
                                const parser::message_essentials& e, const route_plan& plan,
                                std::string_view target_uri, txn::outbox& out) {
    response_context& c = _contexts[ctx];
    if (c.branch_count == max_branches || c.branch_count >= _config.max_branches) {
        return false;
    }
    const std::uint16_t slot = c.branch_count++;
    branch_state& b = c.branches[slot];
    b = branch_state{};
    b.used = true;

    const std::optional<next_hop> hop = next_hop_for(plan, target_uri);
    if (!hop) {
        _counters.add(counter_id::drop_no_route);
        b.status = sip::status::service_unavailable; // RFC 3263 §4.3: no server reachable
        if (response_rank(b.status) < c.best_rank) {
            c.best_rank = response_rank(b.status);
            c.best_status = b.status;
        }
        return false;
    }
    // The branch names the client transaction about to be created (slot and
    // generation): its responses find it by that handle (handle_response), so it is
    // kept out of the hash index. A CANCEL's client transaction shares the INVITE's
    // branch and is the one that is indexed.
    const txn_id next = _txns.next_id();
    const branch_fields names{_config.lcore_id, plan.loop, next,
                              next != txn::no_txn ? _txns.get(next).generation : 0};
    char branch[branch_length];
    format_branch(names, branch);
    const std::string_view branch_view(branch, branch_length);
    const bool rr = _config.record_route && dialog_creating(msg.method_id()) && !e.to_has_tag;
    const std::string_view request = build_forwarded(msg, e, plan, target_uri, *hop, branch_view,
                                                     rr, _txns.get(c.server).peer, out);
    if (request.empty()) {
        b.status = sip::status::server_internal_error;
        return false;
    }
    const bool invite = msg.method_id() == sip_method::invite;
    const txn_id client = _txns.create_client(
        client_key(_txns.keys(), names, e.cseq_value.method), invite, hop->tp, hop->destination,
        request, ctx, slot, out, txn::txn_lookup::by_handle);
    if (client == txn::no_txn) {
        _counters.add(counter_id::drop_txn_table_full);
        b.status = sip::status::service_unavailable;
        if (response_rank(b.status) < c.best_rank) {
            c.best_rank = response_rank(b.status);
            c.best_status = b.status;
        }
        return false;
    }
    b.client = client;
    ++c.refs;
    _counters.add(counter_id::proxy_requests_forwarded);
    if (invite) {
        // §16.6 step 11: timer C, reset by every provisional response.
        auto h =
            _wheel.start(_timer_c_ticks, static_cast<std::uint16_t>(_config.timer_kind_base + 1),
                         (std::uint64_t{_txns.get(client).generation} << 32) | client);
        if (h) {
            _txns.get(client).tu_timer = h.value();
        }
    }
    return true;
}

void proxy_core::plan_ack(ack_route& r) const {
    // §16.11-style stateless forwarding: same routing as a stateful request, a
    // branch derived from the incoming one so retransmitted ACKs get the same.
    // r is reused from the last ACK: routable and the plan's count start afresh.
    r.routable = false;
    r.plan.count = 0;
    if (_ess.max_forwards == 0 || (_ess.request_uri.scheme != parser::uri_scheme::sip &&
                                   _ess.request_uri.scheme != parser::uri_scheme::sips)) {
        return;
    }
    if (!plan_route(_view, _ess, r.plan)) {
        return;
    }
    r.target = r.plan.request_uri;
    if (r.plan.lo == r.plan.hi && _router.owns_domain(r.plan.ruri.host) && r.plan.ruri.has_user) {
        char aor_buf[512];
        const auto contacts =
            _location(make_aor(r.plan.ruri.user, r.plan.ruri.host, aor_buf, sizeof(aor_buf)));
        if (contacts.empty()) {
            return;
        }
        r.target = contacts[0].uri;
    }
    const std::optional<next_hop> hop = next_hop_for(r.plan, r.target);
    if (!hop) {
        return;
    }
    r.hop = *hop;
    const std::uint64_t h =
        txn::hasher(0x41434b).add(_ess.top_via.branch).add(_ess.call_id).value();
    format_branch({_config.lcore_id, loop_hash(_view, _ess), static_cast<std::uint32_t>(h),
                   static_cast<std::uint32_t>(h >> 32)},
                  r.branch.data());
    r.routable = true;
}

void proxy_core::forward_ack(const incoming_message& in, const ack_route& r, txn::outbox& out) {
    if (!r.routable) {
        _counters.add(counter_id::drop_stray_ack);
        return;
    }
    const std::string_view ack =
        build_forwarded(_view, _ess, r.plan, r.target, r.hop,
                        std::string_view(r.branch.data(), branch_length), false, in.source, out);
    if (ack.empty() || !out.push(r.hop.destination, r.hop.tp, ack)) {
        _counters.add(ack.empty() ? counter_id::drop_stray_ack : counter_id::drop_outbox_full);
        return;
    }
    _counters.add(counter_id::proxy_acks_forwarded);
}

void proxy_core::handle_cancel(const incoming_message& in, txn_id invite_server, txn::outbox& out) {
    // §16.10: the CANCEL gets its own server transaction and a 200 at once.
    const txn::txn_key key = _txns.keys().server_key(_view, _ess);
    const txn_id cancel = _txns.create_server(key, false, in.tp, in.source);
    char tag[24];
    const std::string_view to_tag = local_tag(invite_server, tag);
    const std::size_t n =
        build_local_response(_view, &_ess, in.source, sip::status::ok,
                             _ess.to_has_tag ? "" : to_tag, {}, _tx.get(), buffer_size);
    if (n != 0) {
        const std::string_view bytes(_tx.get(), n);
        if (cancel != txn::no_txn) {
            _txns.send_response(cancel, sip::status::ok, bytes, out);
        } else if (!out.push(in.source, in.tp, bytes)) {
            _counters.add(counter_id::drop_outbox_full);
        }
        _counters.add(counter_id::proxy_local_responses);
    }
    const std::uint32_t ctx = _txns.get(invite_server).owner;
    if (ctx >= _context_capacity || !_contexts[ctx].in_use) {
        return;
    }
    response_context& c = _contexts[ctx];
    if (c.final_sent) {
        return;
    }
    c.cancelled = true;
    bool any_provisional = false;
    for (std::uint16_t i = 0; i < c.branch_count; ++i) {
        any_provisional =
            any_provisional || (c.branches[i].status == 0 && c.branches[i].provisional);
    }
    cancel_pending(ctx, -1, out);
    if (!any_provisional) {
        // No branch can be cancelled yet (§9.1 waits for a provisional): answer the
        // INVITE now; the branches are cancelled when their 1xx arrives.
        c.final_sent = true;
        send_local(invite_server, sip::status::request_terminated, {}, out);
    }
}

// ================================================================ responses

void proxy_core::handle_response(txn::outbox& out) {
    const std::uint16_t status = _view.status_code();
    branch_fields f;
    bool ours = false; // f already read from our Via
    if (!response_essentials(f, ours) || status < 100 || status > 699) {
        _counters.add(counter_id::drop_sip_bad_response);
        return;
    }
    if (!ours && !parse_branch(_ess.top_via.branch, f)) {
        _counters.add(counter_id::drop_stray_response); // not for one of our branches
        return;
    }
    // The branch names its transaction; a CANCEL's shares its INVITE's branch and is
    // found through the index, by the branch text.
    const std::string_view method = _ess.cseq_value.method;
    const txn_id id = _txns.is(f.id, f.generation, client_key(_txns.keys(), f, method))
                          ? f.id
                          : _txns.find(_txns.keys().client_key(_ess.top_via.branch, method));
    if (id == txn::no_txn) {
        _counters.add(counter_id::drop_stray_response); // RFC 6026 §6.2: never forwarded
        return;
    }
    if (_txns.on_response(id, _view, out) == txn::client_disposition::absorbed) {
        return;
    }
    const txn::transaction& t = _txns.get(id);
    if ((t.tu_flags & flag_cancel_txn) != 0) {
        return; // the answer to our CANCEL ends there
    }
    on_branch_response(t.owner, t.owner_slot, status, &_view, out);
    if (status >= 200 && status < 300) {
        // Handled (forwarded, dialog recorded): the request we sent on this branch
        // is of no further use, and keeping it until Timer M or K would hold
        // hundreds of cold bytes per call.
        _txns.drop_request(id);
    }
}

bool proxy_core::response_essentials(branch_fields& f, bool& ours) {
    // Matching (§17.1.3) needs the top Via's branch and the CSeq method; the other
    // mandatory headers (§8.1.1) need only be there once to be passed on. Cheaper
    // than extract_essentials, which also parses From, To and Call-ID.
    for (const header_id id :
         {header_id::from, header_id::to, header_id::call_id, header_id::cseq}) {
        if (_view.count(id) != 1) {
            return false;
        }
    }
    // The top Via in one pass over the first line, as extract_essentials does; the
    // list is split first only for an unusual value.
    if (!_view.has(header_id::via)) {
        return false;
    }
    // Our own Via as we wrote it (nearly every response) is taken apart by
    // our_via; the list head parse otherwise.
    const std::string_view top_value = *_view.first_value(header_id::via);
    ours = false;
    for (const our_via& o : _our_vias) {
        if (o.match(top_value, _ess.top_via, f)) {
            ours = true;
            break;
        }
    }
    if (!ours && !parser::parse_via_list_head(top_value, _ess.top_via)) {
        const auto top = _view.first_element(header_id::via);
        if (!top || !parser::parse_via(*top, _ess.top_via)) {
            return false;
        }
    }
    auto cseq = parser::parse_cseq(*_view.first_value(header_id::cseq));
    if (!cseq) {
        return false;
    }
    _ess.cseq_value = cseq.value();
    return true;
}

bool proxy_core::all_branches_final(const response_context& c) const {
    for (std::uint16_t i = 0; i < c.branch_count; ++i) {
        if (c.branches[i].status == 0) {
            return false;
        }
    }
    return true;
}

void proxy_core::on_branch_response(std::uint32_t ctx, std::uint16_t slot, std::uint16_t status,
                                    const sip::message_view* msg, txn::outbox& out) {
    if (ctx >= _context_capacity || !_contexts[ctx].in_use || slot >= _contexts[ctx].branch_count) {
        return;
    }
    response_context& c = _contexts[ctx];
    branch_state& b = c.branches[slot];
    const bool server_live = c.server != txn::no_txn;
    if (b.timed_out && status >= 300) {
        // The 487 (or any failure) that ends a branch timer C cancelled: for the
        // caller the request timed out (§16.8).
        status = sip::status::request_timeout;
        msg = nullptr;
    }

    if (status < 200) {
        b.provisional = true;
        if (b.client != txn::no_txn) {
            const txn::transaction& t = _txns.get(b.client);
            if (t.tu_timer.valid()) {
                (void)_wheel.restart(t.tu_timer, _timer_c_ticks);
            }
        }
        if (b.cancel_wanted && !b.cancel_sent) {
            cancel_branch(ctx, slot, out);
        }
        if (status != sip::status::trying && !c.final_sent && server_live && msg != nullptr) {
            forward_response(ctx, *msg, status, false, out);
        }
        return;
    }
    if (b.client != txn::no_txn && _txns.get(b.client).tu_timer.valid()) {
        (void)_wheel.cancel(_txns.get(b.client).tu_timer);
        _txns.get(b.client).tu_timer = {};
    }
    if (status < 300) {
        b.status = status;
        // §16.7 step 5 / RFC 6026: every 2xx goes up at once, forks included.
        if (server_live && msg != nullptr && (c.invite || !c.final_sent)) {
            forward_response(ctx, *msg, status, false, out);
        }
        if (!c.final_sent) {
            c.final_sent = true;
            _txns.store().release(c.targets);
            _txns.store().release(c.request);
            if (c.invite) {
                cancel_pending(ctx, slot, out); // §16.7 step 10
            }
        }
        return;
    }
    // 3xx-6xx: kept, the best one is sent once every branch is final (§16.7 step 6).
    if (b.status == 0) {
        b.status = status;
    }
    if (c.final_sent) {
        return;
    }
    const std::uint16_t rank = response_rank(status);
    if (msg != nullptr && (status == 401 || status == 407)) {
        // §16.7 step 7: every challenge goes into the response sent upstream.
        std::size_t len = 0;
        if (!c.challenges.empty()) {
            _txns.store().copy_out(c.challenges, _aux.get());
            len = c.challenges.length;
        }
        for (const header_id id : {header_id::www_authenticate, header_id::proxy_authenticate}) {
            for (const sip::header_ref h : msg->headers(id)) {
                const int n = std::snprintf(_aux.get() + len, buffer_size - len, "%.*s: %.*s\r\n",
                                            static_cast<int>(sip::header_name(id).size()),
                                            sip::header_name(id).data(),
                                            static_cast<int>(h.value.size()), h.value.data());
                if (n > 0 && len + static_cast<std::size_t>(n) < buffer_size) {
                    len += static_cast<std::size_t>(n);
                }
            }
        }
        _txns.store().release(c.challenges);
        c.challenges = _txns.store().store(std::string_view(_aux.get(), len));
    }
    if (rank < c.best_rank) {
        c.best_rank = rank;
        c.best_status = status;
        _txns.store().release(c.best);
        if (msg != nullptr) {
            c.best = _txns.store().store(msg->bytes());
        }
    }
    if (status >= 600 && c.invite) {
        c.got_6xx = true;
        cancel_pending(ctx, slot, out); // §16.7 step 5: 6xx cancels the others
    }
    if (all_branches_final(c)) {
        start_next_group(ctx, out);
    }
}

void proxy_core::send_best(std::uint32_t ctx, txn::outbox& out) {
    response_context& c = _contexts[ctx];
    if (c.final_sent || c.server == txn::no_txn) {
        return;
    }
    c.final_sent = true;
    if (c.best_status == 0) {
        send_local(c.server, sip::status::request_timeout, {}, out);
        return;
    }
    if (c.best.empty()) {
        // Synthetic (timeout, no route): §16.7 step 6 maps 503 to 500.
        send_local(c.server,
                   c.best_status == sip::status::service_unavailable
                       ? sip::status::server_internal_error
                       : c.best_status,
                   {}, out);
        return;
    }
    _txns.store().copy_out(c.best, _replay.get());
    const std::string_view bytes(_replay.get(), c.best.length);
    auto parsed = _parser.parse(bytes, bytes.size() + parser::parser_padding, *_replay_view);
    if (!parsed.ok()) {
        send_local(c.server, sip::status::server_internal_error, {}, out);
        return;
    }
    forward_response(ctx, *_replay_view, c.best_status,
                     c.best_status == 401 || c.best_status == 407, out);
}

// True when the top Via (as parsed into _ess for msg) is the only element of its
// header line, and that line's removal was recorded.
bool proxy_core::remove_lone_top_via(const sip::message_view& msg, parser::message_writer& w) {
    const std::string_view params = _ess.top_via.params;
    const std::uint16_t index = msg.first_index(header_id::via);
    if (params.empty() || index == sip::no_header) {
        return false;
    }
    const std::string_view value = msg.header(index).value;
    const char* end = params.data() + params.size();
    if (end < value.data() || end > value.data() + value.size() ||
        !sip::trim_lws(
             std::string_view(end, static_cast<std::size_t>(value.data() + value.size() - end)))
             .empty()) {
        return false;
    }
    return w.remove_header(index).ok();
}

void proxy_core::forward_response(std::uint32_t ctx, const sip::message_view& msg,
                                  std::uint16_t status, bool aggregate_challenges,
                                  txn::outbox& out) {
    response_context& c = _contexts[ctx];
    parser::message_writer w(msg);
    bool ok = true;
    // §16.7 step 3: our Via comes off: the whole line when it is alone there, as we
    // wrote it (known from the top Via parsed for matching, no list split), else
    // the element with its comma.
    if (!(&msg == &_view && remove_lone_top_via(msg, w))) {
        auto cursor = msg.values(header_id::via);
        std::string_view top;
        std::uint16_t index = 0;
        if (!cursor.next(top, &index) || !w.remove_value(index, top).ok()) {
            return;
        }
    }
    std::uint16_t sent_status = status;
    if (status == sip::status::service_unavailable) {
        // §16.7 step 6: a 503 is not passed on as such (it would mean *we* are down).
        sent_status = sip::status::server_internal_error;
        ok = ok && w.replace(0, static_cast<std::uint32_t>(msg.start_line().size()),
                             "SIP/2.0 500 Server Internal Error")
                       .ok();
    }
    if (aggregate_challenges && !c.challenges.empty()) {
        for (const header_id id : {header_id::www_authenticate, header_id::proxy_authenticate}) {
            for (const sip::header_ref h : msg.headers(id)) {
                ok = ok && w.remove_header(h.index).ok();
            }
        }
        _txns.store().copy_out(c.challenges, _aux.get());
        ok = ok && msg.header_count() > 0 &&
             w.insert(msg.field(msg.header_count() - 1).line_end,
                      std::string_view(_aux.get(), c.challenges.length))
                 .ok();
    }
    timer_scratch st_scratch; // RFC 4028 §8.2 edits and dialog state
    ok = ok && st_on_response(ctx, msg, status, w, st_scratch);
    if (!ok) {
        return;
    }
    const std::string_view response = materialise(w, out, _tx.get(), buffer_size);
    if (response.empty()) {
        return;
    }
    _txns.send_response(c.server, sent_status, response, out);
    _counters.add(counter_id::proxy_responses_forwarded);
}

void proxy_core::cancel_pending(std::uint32_t ctx, int except_slot, txn::outbox& out) {
    response_context& c = _contexts[ctx];
    for (std::uint16_t i = 0; i < c.branch_count; ++i) {
        if (static_cast<int>(i) != except_slot && c.branches[i].status == 0) {
            cancel_branch(ctx, i, out);
        }
    }
}

void proxy_core::cancel_branch(std::uint32_t ctx, std::uint16_t slot, txn::outbox& out) {
    response_context& c = _contexts[ctx];
    branch_state& b = c.branches[slot];
    if (b.status != 0 || b.cancel_sent || b.client == txn::no_txn || !c.invite) {
        return;
    }
    if (!b.provisional) {
        b.cancel_wanted = true; // §9.1: wait for a provisional response
        return;
    }
    b.cancel_sent = true;
    const txn::transaction& t = _txns.get(b.client);
    const std::string_view req = _txns.stored_request(b.client, _replay.get());
    auto parsed = _parser.parse(req, req.size() + parser::parser_padding, *_replay_view);
    if (!parsed.ok()) {
        return;
    }
    auto n = txn::build_cancel(*_replay_view, _tx.get(), buffer_size);
    auto top = _replay_view->first_element(header_id::via);
    if (!n || !top) {
        return;
    }
    auto v = parser::parse_via(*top);
    if (!v) {
        return;
    }
    const txn_id cancel =
        _txns.create_client(_txns.keys().client_key(v.value().branch, "CANCEL"), false, t.tp,
                            t.peer, std::string_view(_tx.get(), n.value()), no_context, 0, out);
    if (cancel != txn::no_txn) {
        _txns.get(cancel).tu_flags = flag_cancel_txn;
        _counters.add(counter_id::proxy_cancels_sent);
    }
}

// ================================================================ local responses

std::string_view proxy_core::local_tag(txn_id server, char* buf) const {
    const txn::txn_key& k = _txns.get(server).key;
    buf[0] = 's';
    buf[1] = 'E';
    put_hex(buf + 2, k.hi, 16);
    return {buf, 18};
}

void proxy_core::send_local(txn_id server, std::uint16_t status,
                            std::span<const parser::extra_header> extra, txn::outbox& out) {
    char tag_buf[24];
    const std::string_view tag = status < 200 ? std::string_view() : local_tag(server, tag_buf);
    std::size_t n = 0;
    char* at = _tx.get();
    if (server == _current_server) {
        // The request is at hand (it is being handled now). Built in the outbox
        // when it fits there (pushing it then copies nothing).
        const txn::endpoint& peer = _txns.get(server).peer;
        std::size_t cap = 0;
        if (char* space = out.next_space(cap)) {
            n = build_local_response(_view, &_ess, peer, status, tag, extra, space, cap);
            at = n != 0 ? space : at;
        }
        if (n == 0) {
            n = build_local_response(_view, &_ess, peer, status, tag, extra, at, buffer_size);
        }
    } else {
        // Later: from the skeleton, parsed from a padded copy.
        const std::string_view skeleton = response_skeleton(server, _aux.get());
        if (skeleton.empty()) {
            // Everything that held the request is gone (the store was full).
            _counters.add(counter_id::drop_message_store_full);
            return;
        }
        std::memcpy(_replay.get(), skeleton.data(), skeleton.size());
        const std::string_view copy(_replay.get(), skeleton.size());
        if (_parser.parse(copy, copy.size() + parser::parser_padding, *_replay_view).ok()) {
            n = relabel_skeleton(*_replay_view, status, tag, extra, _tx.get(), buffer_size);
        }
    }
    if (n == 0) {
        return;
    }
    _txns.send_response(server, status, std::string_view(at, n), out);
    _counters.add(counter_id::proxy_local_responses);
}

std::string_view proxy_core::response_skeleton(txn_id server, char* buf) {
    const txn::transaction& st = _txns.get(server);
    // Our 100 Trying, as long as the INVITE server transaction keeps it.
    if (st.kind == txn::txn_kind::invite_server && st.last_status == sip::status::trying &&
        !st.message.empty()) {
        _txns.store().copy_out(st.message, buf);
        return {buf, st.message.length};
    }
    if (st.owner >= _context_capacity || !_contexts[st.owner].in_use) {
        return {};
    }
    const response_context& c = _contexts[st.owner];
    // A branch's request, as we forwarded it.
    for (std::uint16_t i = 0; i < c.branch_count; ++i) {
        const txn_id client = c.branches[i].client;
        if (client == txn::no_txn || _txns.get(client).message.empty()) {
            continue;
        }
        const std::string_view req = _txns.stored_request(client, _replay.get());
        if (_parser.parse(req, req.size() + parser::parser_padding, *_replay_view).ok()) {
            const std::size_t n = skeleton_from_forwarded(*_replay_view, buf, buffer_size);
            return {buf, n};
        }
    }
    // The original request, kept while later target groups wait.
    if (!c.request.empty()) {
        _txns.store().copy_out(c.request, _replay.get());
        const std::string_view req(_replay.get(), c.request.length);
        parser::message_essentials e;
        if (_parser.parse(req, req.size() + parser::parser_padding, *_replay_view).ok() &&
            parser::extract_essentials(*_replay_view, e)) {
            const std::size_t n = build_local_response(
                *_replay_view, &e, st.peer, sip::status::trying, "", {}, buf, buffer_size);
            return {buf, n};
        }
    }
    return {};
}

void proxy_core::respond_stateless(const incoming_message& in, std::uint16_t status,
                                   std::span<const parser::extra_header> extra, txn::outbox& out) {
    if (_view.method_id() == sip_method::ack) {
        return; // never answer an ACK
    }
    const std::size_t n =
        build_local_response(_view, _ess_valid ? &_ess : nullptr, in.source, status, "sEstateless",
                             extra, _tx.get(), buffer_size);
    if (n == 0) {
        _counters.add(counter_id::drop_sip_unparsable);
        return;
    }
    if (!out.push(in.source, in.tp, std::string_view(_tx.get(), n))) {
        _counters.add(counter_id::drop_outbox_full);
        return;
    }
    _counters.add(counter_id::proxy_local_responses);
}

// ================================================================ contexts and hooks

std::uint32_t proxy_core::alloc_context() {
    const std::uint32_t ctx = _free_context;
    response_context& c = _contexts[ctx];
    _free_context = c.next_free;
    // Copied from an empty one: `c = response_context{}` is a rep stos (as in
    // transaction_table::allocate).
    static const response_context empty{};
    std::memcpy(static_cast<void*>(&c), &empty, sizeof c);
    c.in_use = true;
    ++_contexts_used;
    return ctx;
}

void proxy_core::unref_context(std::uint32_t ctx) {
    response_context& c = _contexts[ctx];
    if (--c.refs != 0) {
        return;
    }
    _txns.store().release(c.best);
    _txns.store().release(c.challenges);
    _txns.store().release(c.request);
    _txns.store().release(c.targets);
    c.in_use = false;
    c.next_free = _free_context;
    _free_context = ctx;
    --_contexts_used;
}

void proxy_core::hook_client_failed(void* self_ptr, txn_id id, std::uint16_t status) {
    auto* self = static_cast<proxy_core*>(self_ptr);
    const txn::transaction& t = self->_txns.get(id);
    if ((t.tu_flags & flag_cancel_txn) != 0 || self->_out == nullptr) {
        return;
    }
    self->on_branch_response(t.owner, t.owner_slot, status, nullptr, *self->_out);
}

// What hook_terminated reads: the context's head and the branch naming the client.
void proxy_core::hook_prefetch_terminated(void* self_ptr, txn_id id) {
    const auto* self = static_cast<const proxy_core*>(self_ptr);
    const txn::transaction& t = self->_txns.get(id);
    if (t.owner >= self->_context_capacity) {
        return;
    }
    const response_context& c = self->_contexts[t.owner];
    SIPEDGE_PREFETCH_WRITE(&c);
    if (txn::is_client(t.kind) && t.owner_slot < max_branches) {
        SIPEDGE_PREFETCH_WRITE(&c.branches[t.owner_slot]);
    }
}

void proxy_core::hook_terminated(void* self_ptr, txn_id id) {
    auto* self = static_cast<proxy_core*>(self_ptr);
    const txn::transaction& t = self->_txns.get(id);
    const std::uint32_t ctx = t.owner;
    if ((t.tu_flags & flag_cancel_txn) != 0 || ctx >= self->_context_capacity ||
        !self->_contexts[ctx].in_use) {
        return;
    }
    response_context& c = self->_contexts[ctx];
    if (txn::is_client(t.kind)) {
        if (t.owner_slot >= c.branch_count || c.branches[t.owner_slot].client != id) {
            return;
        }
        c.branches[t.owner_slot].client = txn::no_txn;
    } else {
        if (c.server != id) {
            return;
        }
        c.server = txn::no_txn;
    }
    self->unref_context(ctx);
}

void proxy_core::on_timer_c(void* self_ptr, timer::timer_wheel& wheel,
                            const timer::timer_event& ev) {
    auto* self = static_cast<proxy_core*>(self_ptr);
    const txn_id id = static_cast<txn_id>(ev.data);
    if (!self->_txns.live(id) || self->_txns.get(id).generation != (ev.data >> 32)) {
        return;
    }
    txn::transaction& t = self->_txns.get(id);
    t.tu_timer = {};
    if (self->_out == nullptr || t.owner >= self->_context_capacity) {
        return;
    }
    self->_counters.add(counter_id::proxy_timer_c_fired);
    response_context& c = self->_contexts[t.owner];
    if (t.owner_slot >= c.branch_count) {
        return;
    }
    branch_state& b = c.branches[t.owner_slot];
    if (b.provisional && !b.cancel_sent && b.status == 0) {
        // §16.8: a provisional arrived, so CANCEL. Whatever final response the branch
        // still gets counts as 408 upstream. §9.1: without one within 64*T1 of the
        // CANCEL the branch is given up, so timer C is armed once more for that.
        b.timed_out = true;
        self->cancel_branch(t.owner, t.owner_slot, *self->_out);
        auto h = wheel.start(
            self->_txns.ticks().initial(timer::sip_timer::b, timer::sip_transport::unreliable),
            ev.kind, ev.data);
        if (h) {
            t.tu_timer = h.value();
            return;
        }
    }
    // No provisional, or the CANCEL went unanswered: as if a 408 had arrived.
    b.timed_out = false;
    self->on_branch_response(t.owner, t.owner_slot, sip::status::request_timeout, nullptr,
                             *self->_out);
    self->_txns.terminate(id);
}

} // namespace sipedge::proxy
