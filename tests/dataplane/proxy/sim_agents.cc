#include "tests/dataplane/proxy/sim_agents.hh"

#include "parser/via.hh"
#include "tests/dataplane/proxy/proxy_harness.hh"

#include <algorithm>

namespace sipedge::proxy::test {

namespace {

constexpr tick_t sixty_four_t1 = 64 * sim_t1;
constexpr std::string_view bob_contact = "<sip:bob@192.0.2.21>";

std::string call_id(std::size_t call) {
    return "sim-" + std::to_string(call) + "@192.0.2.10";
}

// Call index from "sim-<n>@...", or npos.
std::size_t call_of(std::string_view call_id_value) {
    if (!call_id_value.starts_with("sim-")) {
        return std::string::npos;
    }
    std::size_t n = 0;
    for (std::size_t i = 4; i < call_id_value.size() && call_id_value[i] != '@'; ++i) {
        n = n * 10 + static_cast<std::size_t>(call_id_value[i] - '0');
    }
    return n;
}

std::string branch_for(std::size_t call, char what) {
    return "z9hG4bKa" + std::to_string(call) + what;
}

} // namespace

// ================================================================ sim_uac

sim_uac::sim_uac(sim_events& events, sim_network& net, txn::endpoint self, txn::endpoint proxy,
                 std::vector<call_record>& calls)
    : _events(events), _net(net), _self(self), _proxy(proxy), _calls(calls) {}

std::string sim_uac::request(std::size_t call, std::string_view method, std::string_view ruri,
                             const std::string& branch, int cseq, std::string_view to_tag,
                             std::string_view route) const {
    std::string m = std::string(method) + " " + std::string(ruri) + " SIP/2.0\r\n" +
                    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=" + branch + "\r\n" +
                    "Max-Forwards: 70\r\n" + std::string(route) +
                    "From: <sip:alice@example.org>;tag=a" + std::to_string(call) + "\r\n" +
                    "To: <sip:bob@example.com>";
    if (!to_tag.empty()) {
        m += ";tag=" + std::string(to_tag);
    }
    m += "\r\nCall-ID: " + call_id(call) + "\r\nCSeq: " + std::to_string(cseq) + " " +
         std::string(method) + "\r\nContact: <sip:alice@192.0.2.10>\r\nContent-Length: 0\r\n\r\n";
    return m;
}

void sim_uac::start(std::size_t call) {
    if (_calls[call].kind == call_kind::message) {
        send_new(call, "MESSAGE", branch_for(call, 'm'),
                 request(call, "MESSAGE", "sip:bob@example.com", branch_for(call, 'm'), 1, "", ""));
        return;
    }
    send_new(call, "INVITE", branch_for(call, 'i'),
             request(call, "INVITE", "sip:bob@example.com", branch_for(call, 'i'), 1, "", ""));
}

void sim_uac::send_new(std::size_t call, const std::string& method, const std::string& branch,
                       std::string bytes) {
    const std::string key = branch + " " + method;
    _branches.insert(branch);
    client_txn& t = _txns[key];
    t.call = call;
    t.method = method;
    t.invite = method == "INVITE";
    t.request = std::move(bytes);
    _net.send(_self, _proxy, t.request);
    arm_retransmit(key);
    arm_timeout(key);
}

void sim_uac::arm_retransmit(const std::string& key) {
    const client_txn& t = _txns[key];
    _events.after(t.interval, [this, key, g = t.retransmit_generation] {
        client_txn& t = _txns[key];
        if (t.retransmit_generation != g || !t.waiting) {
            return;
        }
        _net.send(_self, _proxy, t.request);
        // Timer A doubles; timer E doubles up to T2, and is T2 once proceeding.
        t.interval = t.invite       ? 2 * t.interval
                     : t.proceeding ? sim_t2
                                    : std::min<tick_t>(2 * t.interval, sim_t2);
        arm_retransmit(key);
    });
}

void sim_uac::arm_timeout(const std::string& key) {
    _events.after(sixty_four_t1, [this, key, g = _txns[key].timeout_generation] {
        client_txn& t = _txns[key];
        if (t.timeout_generation != g || !t.waiting) {
            return;
        }
        t.waiting = false;
        call_record& c = _calls[t.call];
        if (t.method == "BYE") {
            c.bye_final = 408;
        } else if (t.method == "CANCEL") {
            c.cancel_final = 408;
        } else {
            c.request_timed_out = true;
        }
    });
}

void sim_uac::receive(const std::string& bytes) {
    auto m = parse(bytes);
    if (!m.ok || !m->is_response()) {
        ++_faults.unparsable;
        return;
    }
    if (m.values(sip::header_id::via).size() != 1) {
        ++_faults.wrong_via_count;
    }
    const parser::message_essentials e = m.essentials();
    const std::string key = std::string(e.top_via.branch) + " " + std::string(e.cseq_value.method);
    auto it = _txns.find(key);
    if (it == _txns.end()) {
        ++_faults.unknown_branch;
        return;
    }
    client_txn& t = it->second;
    const int status = m->status_code();
    if (t.invite) {
        on_invite_response(t, status, bytes);
        return;
    }
    if (status < 200) {
        t.proceeding = true; // E continues at T2, F keeps running
        return;
    }
    on_final(t, status);
}

void sim_uac::on_final(client_txn& t, int status) {
    call_record& c = _calls[t.call];
    if (t.method == "BYE") {
        c.bye_final = t.waiting ? status : c.bye_final;
    } else if (t.method == "CANCEL") {
        c.cancel_final = t.waiting ? status : c.cancel_final;
    } else {
        c.finals.insert(status);
    }
    t.waiting = false;
    ++t.retransmit_generation;
    ++t.timeout_generation;
}

void sim_uac::on_invite_response(client_txn& t, int status, const std::string& bytes) {
    call_record& c = _calls[t.call];
    const std::size_t call = t.call;
    if (status < 200) {
        if (t.waiting && !t.proceeding) {
            t.proceeding = true; // Proceeding: timers A and B stop
            ++t.retransmit_generation;
            ++t.timeout_generation;
        }
        if (c.kind == call_kind::cancelled && !t.cancel_planned) {
            t.cancel_planned = true; // §9.1: only once a provisional came
            _events.after(100, [this, call] { send_cancel(call); });
        }
        return;
    }
    auto m = parse(bytes);
    const parser::message_essentials e = m.essentials();
    if (status >= 300) {
        // §17.1.1.3: the ACK shares the INVITE's branch and takes the response's To.
        if (t.ack.empty()) {
            t.ack =
                request(call, "ACK", "sip:bob@example.com", branch_for(call, 'i'), 1, e.to_tag, "");
        }
        on_final(t, status);
        _net.send(_self, _proxy, t.ack);
        return;
    }
    on_final(t, status);
    auto [d, created] = _dialogs.try_emplace(call);
    if (created) {
        // §12.1.2: the route set is the Record-Route in reverse; the target the Contact.
        std::vector<std::string> rr = m.values(sip::header_id::record_route);
        std::reverse(rr.begin(), rr.end());
        std::string route;
        for (const std::string& r : rr) {
            route += (route.empty() ? "Route: " : ", ") + r;
        }
        d->second.route = route.empty() ? "" : route + "\r\n";
        std::string target = m.first(sip::header_id::contact);
        d->second.remote_target = target.substr(1, target.size() - 2); // strip < >
        d->second.to_tag = std::string(e.to_tag);
        d->second.ack = request(call, "ACK", d->second.remote_target, branch_for(call, 'k'), 1,
                                d->second.to_tag, d->second.route);
        _branches.insert(branch_for(call, 'k'));
        _events.after(200, [this, call] { send_bye(call); });
    }
    _net.send(_self, _proxy, d->second.ack); // every 2xx is ACKed (§13.2.2.4)
}

void sim_uac::send_cancel(std::size_t call) {
    const client_txn& inv = _txns[branch_for(call, 'i') + " INVITE"];
    if (!inv.waiting) {
        return; // a final response came first
    }
    send_new(call, "CANCEL", branch_for(call, 'i'),
             request(call, "CANCEL", "sip:bob@example.com", branch_for(call, 'i'), 1, "", ""));
}

void sim_uac::send_bye(std::size_t call) {
    dialog& d = _dialogs[call];
    if (d.bye_sent) {
        return;
    }
    d.bye_sent = true;
    send_new(call, "BYE", branch_for(call, 'b'),
             request(call, "BYE", d.remote_target, branch_for(call, 'b'), 2, d.to_tag, d.route));
}

// ================================================================ sim_uas

sim_uas::sim_uas(sim_events& events, sim_random& random, sim_network& net, txn::endpoint self,
                 std::vector<call_record>& calls, const sim_uac& uac)
    : _events(events), _random(random), _net(net), _self(self), _calls(calls), _uac(uac) {}

void sim_uas::receive(const txn::endpoint& from, const std::string& bytes) {
    auto m = parse(bytes);
    if (!m.ok || !m->is_request()) {
        ++_faults.unparsable;
        return;
    }
    const parser::message_essentials e = m.essentials();
    const std::string method(m->method());
    const std::string branch(e.top_via.branch);
    // Alice's requests arrive with the proxy's Via over hers; the proxy's own (the
    // ACK for a non-2xx, CANCEL) with its Via alone.
    const std::vector<std::string> vias = m.values(sip::header_id::via);
    const bool hop_by_hop = vias.size() == 1 && (method == "ACK" || method == "CANCEL");
    if ((vias.size() != 2 && !hop_by_hop) || !branch.starts_with("z9hG4bKsE")) {
        ++_faults.wrong_via_count;
        return;
    }
    if (!hop_by_hop) {
        auto alice_via = parser::parse_via(vias[1]);
        if (!alice_via || !_uac.sent_branch(std::string(alice_via.value().branch))) {
            ++_faults.unknown_branch;
        }
    }
    const std::size_t call = call_of(e.call_id);
    if (call >= _calls.size()) {
        ++_faults.unknown_branch;
        return;
    }
    call_record& c = _calls[call];
    if (method == "ACK") {
        auto it = _txns.find(branch + " INVITE"); // ACK for a non-2xx: the INVITE's branch
        if (it == _txns.end() || it->second.final_status < 300) {
            auto inv = _invite_of_call.find(std::string(e.call_id)); // ACK for the 2xx
            it = inv != _invite_of_call.end() ? _txns.find(inv->second) : _txns.end();
        }
        if (it != _txns.end() && it->second.final_status >= 200) {
            it->second.acked = true;
            c.bob_got_ack = true;
        }
        return;
    }
    const std::string key = branch + " " + method;
    if (auto it = _txns.find(key); it != _txns.end()) {
        server_txn& t = it->second;
        // A retransmission: the last response again, except an INVITE already
        // answered 2xx (the UA core retransmits that one itself).
        if (!(method == "INVITE" && t.final_status >= 200 && t.final_status < 300)) {
            _net.send(_self, t.peer, t.last_response);
        }
        return;
    }
    server_txn& t = _txns[key];
    t.call = call;
    t.peer = from;
    t.request = bytes;
    if (method == "INVITE") {
        c.bob_got_request = true;
        _invite_of_call[std::string(e.call_id)] = key;
        respond(t, 180);
        if (c.kind == call_kind::answered || c.kind == call_kind::busy) {
            const int status = c.kind == call_kind::answered ? 200 : 486;
            _events.after(_random.between(50, 1500), [this, key, status] {
                server_txn& t = _txns[key];
                if (t.final_status == 0) {
                    respond(t, status);
                    retransmit_final(key, _events.now() + sixty_four_t1);
                }
            });
        }
        return;
    }
    if (method == "CANCEL") {
        c.bob_got_cancel = true;
        respond(t, 200);
        auto inv = _txns.find(branch + " INVITE");
        if (inv != _txns.end() && inv->second.final_status == 0) {
            respond(inv->second, 487);
            retransmit_final(branch + " INVITE", _events.now() + sixty_four_t1);
        }
        return;
    }
    if (method == "BYE") {
        c.bob_got_bye = true;
    } else {
        c.bob_got_request = true;
    }
    respond(t, 200);
}

void sim_uas::respond(server_txn& t, int status) {
    std::string tag = "u"; // (not "u" + to_string(): GCC 12 -Wrestrict false positive)
    tag += std::to_string(t.call);
    t.last_response = uas_response(t.request, static_cast<std::uint16_t>(status), tag, bob_contact);
    const bool first_final = status >= 200 && t.final_status == 0;
    if (status >= 200) {
        t.final_status = status;
    }
    _net.send(_self, t.peer, t.last_response);
    if (_strays && first_final) {
        send_stray(t.peer, t.last_response);
    }
}

void sim_uas::retransmit_final(const std::string& key, tick_t give_up_at) {
    // Timer G for a non-2xx (§17.2.1), the UA core's 2xx retransmission
    // (§13.3.1.4): both T1 doubling up to T2, until the ACK or 64*T1.
    _events.after(_txns[key].interval, [this, key, give_up_at] {
        server_txn& t = _txns[key];
        if (t.acked || _events.now() >= give_up_at) {
            return;
        }
        _net.send(_self, t.peer, t.last_response);
        t.interval = std::min<tick_t>(2 * t.interval, sim_t2);
        retransmit_final(key, give_up_at);
    });
}

void sim_uas::send_stray(const txn::endpoint& proxy, const std::string& response) {
    std::string stray = response;
    const std::size_t ours = stray.find("branch=z9hG4bKsE");
    const std::size_t alice = stray.find("branch=z9hG4bKa");
    if (ours == std::string::npos || alice == std::string::npos) {
        return;
    }
    // Our branch with another transaction generation (last 8 hex digits)...
    stray.replace(ours + 7 + 37, 8, "0badf00d");
    // ...over a Via of Alice's that she never sent: if it got through, she would see it.
    const std::size_t end = stray.find_first_of(";\r", alice + 7);
    stray.replace(alice + 7, end - alice - 7, "z9hG4bKstray");
    ++_strays_sent;
    _net.send(_self, proxy, stray);
}

} // namespace sipedge::proxy::test
