// One lcore's sans-IO proxy core relaying complete calls between two simulated
// endpoints: INVITE (100 generated) / 180 / 200 / ACK / BYE / 200, UDP, with
// Record-Route, so the ACK and BYE are routed by Route. Simulated time moves
// 2 ms per call, so transactions live their full RFC lifetimes (Timer L/M/J 32 s)
// and the table holds a steady state of ~16k calls' worth of transactions.
// Reports proxied messages/s (messages handed to on_message) and the state kept.
// BM_proxy_calls_steady does the same at the end-to-end bench's call rates, with
// the millions of transactions those rates keep (not what fits in a cache).

#include "dataplane/proxy/branch.hh"
#include "dataplane/proxy/proxy_core.hh"
#include "parser/essentials.hh"
#include "parser/message_parser.hh"

#include <array>
#include <benchmark/benchmark.h>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace sipedge;
using txn::endpoint;

std::string crlf(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '\n') {
            o += '\r';
        }
        o += c;
    }
    return o;
}

// Placeholders patched per call: CCCCCCCC (call number) and a 45-byte branch.
const std::string branch_ph(proxy::branch_length, 'B');

struct call_templates {
    std::string invite = crlf(
        "INVITE sip:bob@example.com SIP/2.0\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKuacCCCCCCCC\n"
        "Max-Forwards: 70\n"
        "From: Alice <sip:alice@example.org>;tag=a1\n"
        "To: Bob <sip:bob@example.com>\n"
        "Call-ID: CCCCCCCC@192.0.2.10\n"
        "CSeq: 1 INVITE\n"
        "Contact: <sip:alice@192.0.2.10>\n"
        "Content-Type: application/sdp\n"
        "Content-Length: 131\n\n"
        "v=0\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\ns=-\nc=IN IP4 192.0.2.10\nt=0 0\n"
        "m=audio 49172 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n");
    std::string response(int code, const char* reason, const char* method, int cseq) {
        return crlf(
            std::string("SIP/2.0 ") + std::to_string(code) + " " + reason +
            "\n"
            "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=" +
            branch_ph +
            "\n"
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKuacCCCCCCCC;received=192.0.2.10\n"
            "Record-Route: <sip:198.51.100.1;lr>\n"
            "From: Alice <sip:alice@example.org>;tag=a1\n"
            "To: Bob <sip:bob@example.com>;tag=b1\n"
            "Call-ID: CCCCCCCC@192.0.2.10\n"
            "CSeq: " +
            std::to_string(cseq) + " " + method +
            "\n"
            "Contact: <sip:bob@192.0.2.21>\n"
            "Content-Length: 0\n\n");
    }
    std::string ringing = response(180, "Ringing", "INVITE", 1);
    std::string ok = response(200, "OK", "INVITE", 1);
    std::string bye_ok = response(200, "OK", "BYE", 2);
    std::string in_dialog(const char* method, int cseq, const char* b) {
        return crlf(std::string(method) +
                    " sip:bob@192.0.2.21 SIP/2.0\n"
                    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK" +
                    b +
                    "CCCCCCCC\n"
                    "Max-Forwards: 70\n"
                    "Route: <sip:198.51.100.1;lr>\n"
                    "From: Alice <sip:alice@example.org>;tag=a1\n"
                    "To: Bob <sip:bob@example.com>;tag=b1\n"
                    "Call-ID: CCCCCCCC@192.0.2.10\n"
                    "CSeq: " +
                    std::to_string(cseq) + " " + method +
                    "\n"
                    "Content-Length: 0\n\n");
    }
    std::string ack = in_dialog("ACK", 1, "ack");
    std::string bye = in_dialog("BYE", 2, "bye");
};

// A message in a buffer with parser_padding readable bytes after it (as in an
// mbuf's tailroom), with the offsets of its placeholders found once and patched
// with memcpy per call.
struct patchable {
    std::string bytes; // the message, then parser_padding bytes of slack
    std::size_t length;
    std::vector<std::size_t> call_at;
    std::size_t branch_at = std::string::npos;
    explicit patchable(std::string s) : bytes(std::move(s)), length(bytes.size()) {
        bytes.resize(length + parser::parser_padding, '\0');
        const std::string_view m(bytes.data(), length);
        for (std::size_t p = m.find("CCCCCCCC"); p != std::string::npos;
             p = m.find("CCCCCCCC", p + 8)) {
            call_at.push_back(p);
        }
        branch_at = m.find(branch_ph);
    }
    std::string_view set(const char* call, std::string_view branch = {}) {
        for (std::size_t p : call_at) {
            std::memcpy(bytes.data() + p, call, 8);
        }
        if (branch_at != std::string::npos && branch.size() == proxy::branch_length) {
            std::memcpy(bytes.data() + branch_at, branch.data(), branch.size());
        }
        return {bytes.data(), length};
    }
};

// Our branch in the message sent to the UAS (first Via of the forwarded request).
// Its offset is the same for every call of a kind: remembered in `at`, so that the
// harness costs next to nothing per call.
std::string_view our_branch(const txn::outbox& out, const endpoint& to, std::size_t& at) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i].destination == to) {
            const std::string_view b = out.bytes(out[i]);
            if (b.size() < at + proxy::branch_length ||
                b.substr(at, proxy::our_branch_prefix.size()) != proxy::our_branch_prefix) {
                at = b.find("branch=z9hG4bKsE");
                if (at == std::string_view::npos) {
                    at = 0;
                    return {};
                }
                at += 7;
            }
            return b.substr(at, proxy::branch_length);
        }
    }
    return {};
}

// The call number as 8 hex digits (the Call-ID and branch placeholders).
void call_id(std::uint64_t call, char* out) {
    for (int i = 7; i >= 0; --i, call >>= 4) {
        out[i] = "0123456789abcdef"[call & 0xf];
    }
}

// One core with its wheel and the two endpoints' messages, placing whole calls.
class call_driver {
public:
    explicit call_driver(std::size_t transaction_capacity) {
        _cfg.host = "198.51.100.1";
        _cfg.domains = {"example.com"};
        _cfg.transaction_capacity = transaction_capacity;
        _loc.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
        _wheel.emplace(
            timer::timer_wheel::create({.capacity = proxy::proxy_core::timer_capacity_needed(_cfg),
                                        .start_tick = 0,
                                        .kinds = proxy::proxy_core::timer_kinds_needed(_cfg)})
                .value());
        _core.emplace(_cfg, _loc.lookup(), *_wheel, _counters);
    }

    // INVITE / 180 / 200 / ACK / BYE / 200 of a new call, at the current tick.
    void place_call() {
        call_id(_call++, _id);
        feed(_invite.set(_id), _uac);
        _inv_branch.assign(our_branch(_out, _uas, _invite_at));
        feed(_ringing.set(_id, _inv_branch), _uas);
        feed(_ok.set(_id, _inv_branch), _uas);
        feed(_ack.set(_id), _uac);
        feed(_bye.set(_id), _uac);
        _bye_branch.assign(our_branch(_out, _uas, _bye_at));
        feed(_bye_ok.set(_id, _bye_branch), _uas);
    }
    void advance_to(timer::tick_t now) {
        _out.clear();
        _core->on_tick(now, _out);
    }

    void report(benchmark::State& state) {
        state.counters["msgs/s"] =
            benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
        state.counters["bytes_in/s"] =
            benchmark::Counter(static_cast<double>(bytes_in), benchmark::Counter::kIsRate);
        state.counters["live_txns"] = _core->transactions();
        state.counters["live_contexts"] = _core->contexts_in_use();
        state.counters["store_B/txn"] =
            _core->transactions()
                ? 256.0 * static_cast<double>(_core->message_store_chunks_used()) /
                      _core->transactions()
                : 0.0;
        state.counters["txn_B"] = sizeof(txn::transaction);
        state.counters["ctx_B"] = sizeof(proxy::response_context);
        state.counters["fwd"] =
            static_cast<double>(_counters.get(counter_id::proxy_requests_forwarded) +
                                _counters.get(counter_id::proxy_acks_forwarded) +
                                _counters.get(counter_id::proxy_responses_forwarded));
        state.counters["stray"] =
            static_cast<double>(_counters.get(counter_id::drop_stray_response));
        state.SetItemsProcessed(static_cast<std::int64_t>(messages));
    }

    std::uint64_t messages = 0;
    std::uint64_t bytes_in = 0;

private:
    void feed(std::string_view m, const endpoint& from) {
        _out.clear();
        _core->on_message({m, m.size() + parser::parser_padding, from, txn::transport::udp}, _out);
        ++messages;
        bytes_in += m.size();
    }

    proxy::proxy_config _cfg;
    proxy::static_location _loc;
    std::optional<timer::timer_wheel> _wheel;
    counter_block _counters;
    std::optional<proxy::proxy_core> _core;
    std::array<txn::outgoing_message, 64> _msgs;
    std::vector<char> _bytes = std::vector<char>(1 << 16);
    txn::outbox _out{_msgs, _bytes};
    const endpoint _uac = endpoint::ipv4(192, 0, 2, 10, 5060);
    const endpoint _uas = endpoint::ipv4(192, 0, 2, 21, 5060);

    call_templates _t;
    patchable _invite{_t.invite}, _ringing{_t.ringing}, _ok{_t.ok}, _ack{_t.ack}, _bye{_t.bye},
        _bye_ok{_t.bye_ok};
    std::uint64_t _call = 0;
    char _id[9] = {};
    std::string _inv_branch = std::string(proxy::branch_length, 'x');
    std::string _bye_branch = std::string(proxy::branch_length, 'x');
    std::size_t _invite_at = 0;
    std::size_t _bye_at = 0;
};

void BM_proxy_calls(benchmark::State& state) {
    call_driver d(1u << 17);
    timer::tick_t now = 0;
    for (auto _ : state) {
        d.place_call();
        now += 2;
        d.advance_to(now);
    }
    d.report(state);
}
BENCHMARK(BM_proxy_calls)->MinTime(3.0);

// The same calls at the simulated rate of range(0) calls/s (1 ms ticks), timed
// only once the table holds its steady state: every call's transactions live
// their RFC 6026 lifetimes (L, M, J 32 s; K 5 s), so about 101 x rate of them,
// the working set the dataplane has at that rate (sized as docs/deployment.md
// says, 110 x rate). What BM_proxy_calls leaves out: cold state.
void BM_proxy_calls_steady(benchmark::State& state) {
    const auto rate = static_cast<std::uint64_t>(state.range(0));
    call_driver d(110 * rate);
    std::uint64_t calls = 0;
    timer::tick_t now = 0;
    auto place = [&] {
        d.place_call();
        ++calls;
        const timer::tick_t due = calls * 1000 / rate;
        if (due != now) {
            now = due;
            d.advance_to(now);
        }
    };
    // 40 simulated seconds first: past the 32 s lifetimes, so calls end as fast
    // as they start (not timed).
    for (std::uint64_t i = 0; i < 40 * rate; ++i) {
        place();
    }
    d.messages = 0;
    d.bytes_in = 0;
    for (auto _ : state) {
        place();
    }
    d.report(state);
}
// 30 simulated seconds timed at each rate (the bench's held step is 60 s).
BENCHMARK(BM_proxy_calls_steady)->Arg(10'000)->Iterations(300'000);
BENCHMARK(BM_proxy_calls_steady)->Arg(50'000)->Iterations(1'500'000);

// The floor under BM_proxy_calls that proxy_core cannot go below today: parsing
// the same six messages (parser/message_parser) and extracting their essentials
// (parser/essentials), which on_message does once per message.
void BM_parse_floor(benchmark::State& state) {
    call_templates t;
    std::string branch(proxy::branch_length, 'x');
    std::memcpy(branch.data(), "z9hG4bKsE", 9);
    patchable msgs[] = {patchable(t.invite), patchable(t.ringing), patchable(t.ok),
                        patchable(t.ack),    patchable(t.bye),     patchable(t.bye_ok)};
    const parser::message_parser parser;
    sip::message_view view;
    parser::message_essentials ess;
    std::uint64_t messages = 0;
    std::uint64_t call = 0;
    char id[9];
    for (auto _ : state) {
        call_id(call++, id);
        for (patchable& m : msgs) {
            const std::string_view bytes = m.set(id, branch);
            auto r = parser.parse(bytes, bytes.size() + parser::parser_padding, view);
            auto e = parser::extract_essentials(view, ess);
            benchmark::DoNotOptimize(r);
            benchmark::DoNotOptimize(e);
            ++messages;
        }
    }
    state.counters["msgs/s"] =
        benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
    state.SetItemsProcessed(static_cast<std::int64_t>(messages));
}
BENCHMARK(BM_parse_floor)->MinTime(2.0);

} // namespace

BENCHMARK_MAIN();
