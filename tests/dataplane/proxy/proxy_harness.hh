#pragma once
// A proxy_core with its own wheel and counters, plus helpers to feed it messages
// and look at what it sends; and a UAS helper that answers a request the way a
// user agent would (Vias, From, To + tag, Call-ID, CSeq, Record-Route, Contact).

#include "dataplane/proxy/proxy_core.hh"
#include "parser/response_builder.hh"
#include "tests/dataplane/transaction/sip_test_util.hh"

#include <array>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

namespace sipedge::proxy::test {

using sipedge::test::parse;
using sipedge::test::parsed_message;
using sipedge::test::wire;

struct sent_message {
    txn::endpoint to;
    txn::transport tp;
    std::string bytes;
    std::uint32_t txn;
    parsed_message parsed() const { return parse(bytes); }
};

class proxy_node {
public:
    explicit proxy_node(proxy_config cfg)
        : config(std::move(cfg)),
          wheel(timer::timer_wheel::create({.capacity = proxy_core::timer_capacity_needed(config) + 16,
                                            .start_tick = 0,
                                            .kinds = proxy_core::timer_kinds_needed(config)})
                    .value()),
          core(config, location.lookup(), wheel, counters), _bytes(1 << 20), _out(_msgs, _bytes) {}

    std::vector<sent_message> deliver(std::string_view bytes, txn::endpoint from,
                                      txn::transport tp = txn::transport::udp) {
        _out.clear();
        core.on_message({bytes, 0, from, tp}, _out);
        return drain();
    }
    std::vector<sent_message> advance_to(timer::tick_t now) {
        _out.clear();
        core.on_tick(now, _out);
        return drain();
    }
    std::uint64_t count(counter_id id) const { return counters.get(id); }

    proxy_config config;
    static_location location;
    counter_block counters;
    timer::timer_wheel wheel;
    proxy_core core;

private:
    std::vector<sent_message> drain() {
        std::vector<sent_message> v;
        for (std::size_t i = 0; i < _out.size(); ++i) {
            v.push_back(
                {_out[i].destination, _out[i].tp, std::string(_out.bytes(_out[i])), _out[i].txn});
        }
        return v;
    }
    std::array<txn::outgoing_message, 256> _msgs;
    std::vector<char> _bytes;
    txn::outbox _out;
};

// The first message sent to `to` whose bytes start with `start`, or nullptr.
inline const sent_message* find_sent(const std::vector<sent_message>& v, const txn::endpoint& to,
                                     std::string_view start) {
    for (const sent_message& m : v) {
        if (m.to == to && std::string_view(m.bytes).starts_with(start)) {
            return &m;
        }
    }
    return nullptr;
}

// The one message sent, checked to be the only one and to go to `to`.
// (An empty message when not, so the test goes on to report what else differs.)
inline const sent_message& only_to(const std::vector<sent_message>& v, const txn::endpoint& to) {
    static const sent_message none{};
    EXPECT_EQ(v.size(), 1u);
    if (v.size() != 1) {
        return none;
    }
    EXPECT_EQ(v[0].to, to);
    return v[0];
}

// A UAS's response to `request`: build_response plus the Record-Route set (for
// 18x/2xx) and a Contact.
inline std::string uas_response(const std::string& request, std::uint16_t status,
                                std::string_view to_tag, std::string_view contact = "") {
    auto req = parse(request);
    EXPECT_TRUE(req.ok);
    std::vector<std::string> rr;
    for (const sip::header_ref h : req->headers(sip::header_id::record_route)) {
        rr.emplace_back(h.value);
    }
    std::vector<parser::extra_header> extra;
    if (status < 300 && status > 100) {
        for (const std::string& r : rr) {
            extra.push_back({"Record-Route", r});
        }
        if (!contact.empty()) {
            extra.push_back({"Contact", contact});
        }
    }
    std::string out(65536, '\0');
    auto n = parser::build_response(*req, status, "", status > 100 ? to_tag : "", extra, out.data(),
                                    out.size());
    EXPECT_TRUE(n.ok());
    out.resize(n ? n.value() : 0);
    return out;
}

// Messages of one RFC 3665 flow file (tests/corpus/rfc3665/*.yaml), in wire form.
std::vector<std::string> load_flow(std::string_view file);

} // namespace sipedge::proxy::test
