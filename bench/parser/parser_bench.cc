// Parser throughput: messages/s and bytes/s per instruction set, over the RFC 3665
// corpus (193 messages) and a realistic INVITE with SDP, for
//   (a) header indexing (message_parser::parse), and
//   (b) what a proxy needs per message: index + top Via + CSeq + Call-ID + From/To
//       tags + Max-Forwards + Request-URI + first Route (extract_essentials);
// side by side with libosip2 (osip_message_parse) and sofia-sip (msg_make) on the
// same bytes. Both parse every header eagerly into allocated structures, so they
// are compared against (b). Run pinned: taskset -c 1 build/bench/parser/parser_bench

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "parser/essentials.hh"
#include "parser/message_parser.hh"
#include "tests/parser/corpus_loader.hh"

#ifdef SIPEDGE_HAVE_OSIP
#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>
#endif
#ifdef SIPEDGE_HAVE_SOFIA
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#endif

namespace {

using namespace sipedge;

const char* realistic_invite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Via: SIP/2.0/UDP edge1.atlanta.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.4\r\n"
    "Max-Forwards: 69\r\n"
    "Route: <sip:core.biloxi.example.com;lr>, <sip:edge.biloxi.example.com;lr>\r\n"
    "Record-Route: <sip:edge1.atlanta.example.com;lr>\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>\r\n"
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE\r\n"
    "Supported: replaces, timer, 100rel\r\n"
    "Session-Expires: 1800;refresher=uac\r\n"
    "Min-SE: 90\r\n"
    "User-Agent: ExampleSoftphone/5.1.2\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 263\r\n"
    "\r\n"
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
    "s=Session SDP\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "t=0 0\r\n"
    "m=audio 49172 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

// Messages in padded buffers (the dataplane's mbuf tailroom).
struct input_set {
    std::vector<std::string> buffers; // each: message + parser_padding bytes
    std::vector<std::size_t> sizes;
    std::size_t total_bytes = 0;
};

input_set make_set(const std::vector<std::string>& msgs) {
    input_set s;
    for (const auto& m : msgs) {
        std::string b = m;
        b.resize(m.size() + parser::parser_padding, '\0');
        s.buffers.push_back(std::move(b));
        s.sizes.push_back(m.size());
        s.total_bytes += m.size();
    }
    return s;
}

const input_set& corpus_set() {
    static const input_set s = [] {
        std::vector<std::string> msgs;
        for (auto& m : testing::load_rfc3665(SIPEDGE_CORPUS_DIR)) {
            msgs.push_back(m.bytes);
        }
        return make_set(msgs);
    }();
    return s;
}

const input_set& invite_set() {
    static const input_set s = make_set({realistic_invite});
    return s;
}

void report(benchmark::State& state, const input_set& in) {
    const auto n = static_cast<double>(state.iterations());
    state.counters["msgs/s"] = benchmark::Counter(n * static_cast<double>(in.sizes.size()),
                                                  benchmark::Counter::kIsRate);
    state.counters["bytes/s"] = benchmark::Counter(n * static_cast<double>(in.total_bytes),
                                                   benchmark::Counter::kIsRate,
                                                   benchmark::Counter::kIs1024);
}

void bm_index(benchmark::State& state, parser::simd_isa isa, const input_set* in) {
    const parser::message_parser p({}, isa);
    auto view = std::make_unique<sip::message_view>();
    for (auto _ : state) {
        for (std::size_t i = 0; i < in->sizes.size(); ++i) {
            auto r = p.parse(std::string_view(in->buffers[i].data(), in->sizes[i]),
                             in->buffers[i].size(), *view);
            benchmark::DoNotOptimize(r);
            if (!r.ok()) {
                state.SkipWithError("parse failed");
                return;
            }
        }
    }
    report(state, *in);
}

void bm_proxy(benchmark::State& state, parser::simd_isa isa, const input_set* in) {
    const parser::message_parser p({}, isa);
    auto view = std::make_unique<sip::message_view>();
    parser::message_essentials e;
    for (auto _ : state) {
        for (std::size_t i = 0; i < in->sizes.size(); ++i) {
            auto r = p.parse(std::string_view(in->buffers[i].data(), in->sizes[i]),
                             in->buffers[i].size(), *view);
            if (!r.ok()) {
                state.SkipWithError("parse failed");
                return;
            }
            if (!parser::extract_essentials(*view, e).ok()) {
                state.SkipWithError("essentials failed");
                return;
            }
            benchmark::DoNotOptimize(e.top_via.branch.data());
            benchmark::DoNotOptimize(e.max_forwards);
        }
    }
    report(state, *in);
}

#ifdef SIPEDGE_HAVE_OSIP
void bm_osip(benchmark::State& state, const input_set* in) {
    static const int init = parser_init();
    (void)init;
    for (auto _ : state) {
        for (std::size_t i = 0; i < in->sizes.size(); ++i) {
            osip_message_t* sip = nullptr;
            osip_message_init(&sip);
            const int rc = osip_message_parse(sip, in->buffers[i].data(), in->sizes[i]);
            benchmark::DoNotOptimize(rc);
            if (rc != 0) {
                osip_message_free(sip);
                state.SkipWithError("osip_message_parse failed");
                return;
            }
            osip_message_free(sip);
        }
    }
    report(state, *in);
}
#endif

#ifdef SIPEDGE_HAVE_SOFIA
void bm_sofia(benchmark::State& state, const input_set* in) {
    for (auto _ : state) {
        for (std::size_t i = 0; i < in->sizes.size(); ++i) {
            msg_t* msg = msg_make(sip_default_mclass(), 0, in->buffers[i].data(),
                                  static_cast<ssize_t>(in->sizes[i]));
            if (msg == nullptr) {
                state.SkipWithError("msg_make failed");
                return;
            }
            sip_t const* sip = sip_object(msg);
            benchmark::DoNotOptimize(sip);
            if (sip == nullptr || sip->sip_via == nullptr || sip->sip_cseq == nullptr) {
                msg_destroy(msg);
                state.SkipWithError("sofia parse incomplete");
                return;
            }
            msg_destroy(msg);
        }
    }
    report(state, *in);
}
#endif

// Registered at start-up because the ISA list depends on the CPU.
const int registered = [] {
    const std::pair<const char*, const input_set* (*)()> sets[] = {
        {"rfc3665", [] { return &corpus_set(); }},
        {"invite_sdp", [] { return &invite_set(); }},
    };
    for (const auto& [set_name, get] : sets) {
        const input_set* in = get();
        for (auto isa : {parser::simd_isa::scalar, parser::simd_isa::sse42,
                         parser::simd_isa::avx2, parser::simd_isa::avx512}) {
            if (!parser::isa_available(isa)) {
                continue;
            }
            const std::string suffix = std::string(set_name) + "/" + std::string(parser::isa_name(isa));
            benchmark::RegisterBenchmark(("a_index/" + suffix).c_str(), bm_index, isa, in);
            benchmark::RegisterBenchmark(("b_proxy/" + suffix).c_str(), bm_proxy, isa, in);
        }
#ifdef SIPEDGE_HAVE_OSIP
        benchmark::RegisterBenchmark(("libosip2/" + std::string(set_name)).c_str(), bm_osip, in);
#endif
#ifdef SIPEDGE_HAVE_SOFIA
        benchmark::RegisterBenchmark(("sofia_sip/" + std::string(set_name)).c_str(), bm_sofia, in);
#endif
    }
    return 0;
}();

} // namespace

BENCHMARK_MAIN();
