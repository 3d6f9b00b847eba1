#include "dataplane/sip_stage.hh"

#include "dataplane/net/arp.hh"
#include "dataplane/net/udp_output.hh"
#include "dataplane/proxy/local_response.hh"
#include "parser/essentials.hh"

#include <array>
#include <string>
#include <vector>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <rte_byteorder.h>

namespace sipedge::dataplane {

namespace {

constexpr std::size_t out_messages = 1024; // enough for a tick that fires many timers
constexpr std::size_t out_bytes = 2u << 20;
constexpr std::size_t max_datagram = 65535;
constexpr std::size_t drain_batch = 32;

txn::endpoint endpoint_of(rte_be32_t ip, rte_be16_t port) {
    return txn::endpoint::ipv4_wire(ip, rte_be_to_cpu_16(port));
}

// A REGISTER is for control when its Request-URI names one of our domains or
// this proxy itself (RFC 3261 §10.2: UAs may send it to the proxy's address).
std::vector<std::string> register_hosts(const proxy::proxy_config& p) {
    std::vector<std::string> hosts = p.domains;
    hosts.push_back(p.host);
    hosts.insert(hosts.end(), p.aliases.begin(), p.aliases.end());
    return hosts;
}

} // namespace

result<std::unique_ptr<sip_stage>, timer::timer_errc>
sip_stage::create(const settings& s, counter_block& counters) {
    settings mine = s;
    const unsigned lcores = s.mesh != nullptr ? s.mesh->lcores() : 1;
    mine.proxy.lcore_id = static_cast<std::uint16_t>(s.lcore_index);
    mine.proxy.lcore_count = static_cast<std::uint16_t>(lcores);
    // Each lcore gets its own branch randomness.
    mine.proxy.seed = s.proxy.seed ^ (0x9e3779b97f4a7c15ull * (s.lcore_index + 1)) ^ s.start_tsc;
    auto wheel = timer::timer_wheel::create(
        {.capacity = proxy::proxy_core::timer_capacity_needed(mine.proxy),
         .start_tick = 0,
         .kinds = proxy::proxy_core::timer_kinds_needed(mine.proxy)});
    if (!wheel) {
        return wheel.err();
    }
    return std::unique_ptr<sip_stage>(new sip_stage(mine, counters, std::move(wheel).value()));
}

sip_stage::sip_stage(const settings& s, counter_block& counters, timer::timer_wheel wheel)
    : _settings(s),
      _counters(counters),
      _wheel(std::move(wheel)),
      _tsc_per_tick(static_cast<std::uint64_t>(
          static_cast<double>(s.tsc_hz) * static_cast<double>(s.proxy.tick.count()) / 1e9)),
      _dispatch_view(std::make_unique<sip::message_view>()),
      _out_messages(std::make_unique<txn::outgoing_message[]>(out_messages)),
      _out_bytes(std::make_unique<char[]>(out_bytes)),
      _out({_out_messages.get(), out_messages}, {_out_bytes.get(), out_bytes}),
      _scratch(std::make_unique<char[]>(max_datagram + parser::parser_padding)) {
    if (_tsc_per_tick == 0) {
        _tsc_per_tick = 1;
    }
    proxy::location_lookup location = _settings.location;
    if (_settings.link != nullptr) {
        _control = std::make_unique<control_port>(
            *_settings.link, static_cast<std::uint16_t>(_settings.lcore_index), _settings.location,
            register_hosts(_settings.proxy), _counters);
        location = _control->lookup();
    }
    // The core keeps a reference to its configuration: ours lives as long as it.
    _core = std::make_unique<proxy::proxy_core>(_settings.proxy, location, _wheel, _counters);
    if (_settings.link != nullptr && _settings.auth != nullptr && _settings.auth->invite) {
        _auth = std::make_unique<invite_auth>(*_settings.link,
                                              static_cast<std::uint16_t>(_settings.lcore_index),
                                              *_settings.auth, _counters);
        _core->set_authorizer(_auth->authorizer());
    }
}

void sip_stage::bind_ports(std::span<packet_context> ports) {
    _ports = ports;
}

packet_context& sip_stage::egress(rte_be32_t ip) {
    packet_context* best = nullptr;
    packet_context* via_gateway = nullptr;
    for (packet_context& p : _ports) {
        if (p.ifc.subnet_mask != 0 && p.ifc.on_subnet(ip) &&
            (best == nullptr ||
             rte_be_to_cpu_32(p.ifc.subnet_mask) > rte_be_to_cpu_32(best->ifc.subnet_mask))) {
            best = &p;
        }
        if (via_gateway == nullptr && p.ifc.gateway != 0) {
            via_gateway = &p;
        }
    }
    return best != nullptr ? *best : via_gateway != nullptr ? *via_gateway : _ports[0];
}

bool sip_stage::send_to(const txn::endpoint& to, std::string_view bytes, rte_mbuf* spare) {
    if (!to.is_ipv4()) {
        rte_pktmbuf_free(spare);
        return false;
    }
    rte_be32_t ip;
    std::memcpy(&ip, to.addr.data() + 12, sizeof ip);
    return udp_send(egress(ip), ip, rte_cpu_to_be_16(to.port), {bytes.data(), bytes.size()},
                    spare);
}

void sip_stage::on_datagram(rte_mbuf* m, const udp_delivery& where) {
    dispatch_mesh* mesh = _settings.mesh;
    if (mesh == nullptr || mesh->lcores() == 1) {
        process(m, where);
        return;
    }
    // The owner is decided on the message's identity (Call-ID, our branch); a
    // message too broken to parse stays here, where the core counts or answers it.
    const auto* bytes = static_cast<const char*>(
        rte_pktmbuf_read(m, where.payload_offset, where.payload_length, _scratch.get()));
    if (bytes == nullptr) {
        _counters.add(counter_id::drop_sip_unparsable);
        rte_pktmbuf_free(m);
        return;
    }
    const parser::parse_result r =
        _dispatch_parser.parse_unpadded({bytes, where.payload_length}, *_dispatch_view);
    const unsigned owner =
        r.ok() ? proxy::proxy_core::owning_lcore(*_dispatch_view,
                                                 static_cast<std::uint16_t>(mesh->lcores()))
               : _settings.lcore_index;
    if (owner == _settings.lcore_index || owner >= mesh->lcores()) {
        process(m, where);
        return;
    }
    if (!mesh->datagrams(_settings.lcore_index, owner).push({m, where})) {
        _counters.add(counter_id::drop_dispatch_ring_full);
        rte_pktmbuf_free(m);
        return;
    }
    _counters.add(counter_id::sip_dispatched_out);
}

void sip_stage::drain_mesh() {
    dispatch_mesh* mesh = _settings.mesh;
    if (mesh == nullptr || mesh->lcores() == 1) {
        return;
    }
    const unsigned self = _settings.lcore_index;
    for (unsigned from = 0; from < mesh->lcores(); ++from) {
        if (from == self) {
            continue;
        }
        std::array<learnt_neighbour, 8> news;
        const std::size_t k = mesh->neighbours(from, self).pop_burst(news);
        for (std::size_t i = 0; i < k; ++i) {
            if (news[i].port_index < _ports.size()) {
                arp_learn(_ports[news[i].port_index], news[i].ip, news[i].mac);
            }
        }
        std::array<dispatched_datagram, drain_batch> batch;
        const std::size_t n = mesh->datagrams(from, self).pop_burst(batch);
        _counters.add(counter_id::sip_dispatched_in, n);
        for (std::size_t i = 0; i < n; ++i) {
            process(batch[i].mbuf, batch[i].where);
        }
    }
}

void sip_stage::share_neighbour(void* self_ptr, std::uint8_t port_index, rte_be32_t ip,
                                const rte_ether_addr& mac) {
    auto* self = static_cast<sip_stage*>(self_ptr);
    dispatch_mesh* mesh = self->_settings.mesh;
    if (mesh == nullptr) {
        return;
    }
    for (unsigned to = 0; to < mesh->lcores(); ++to) {
        if (to != self->_settings.lcore_index) {
            // A full ring loses only a hint: that lcore will ask ARP itself.
            (void)mesh->neighbours(self->_settings.lcore_index, to).push({ip, mac, port_index});
        }
    }
}

void sip_stage::process(rte_mbuf* m, const udp_delivery& where) {
    const std::uint32_t length = where.payload_length;
    const char* bytes = nullptr;
    std::size_t readable = 0;
    if (m->nb_segs == 1) {
        // In place: the bytes after the message up to the end of the buffer
        // (tailroom) are the parser's padding when there are enough of them.
        bytes = rte_pktmbuf_mtod_offset(m, const char*, where.payload_offset);
        readable = rte_pktmbuf_data_len(m) - where.payload_offset + rte_pktmbuf_tailroom(m);
    }
    if (bytes == nullptr || readable < length + parser::parser_padding) {
        // Reassembled (multi-segment) or short of tailroom: one copy, padded.
        bytes = static_cast<const char*>(
            rte_pktmbuf_read(m, where.payload_offset, length, _scratch.get()));
        if (bytes != _scratch.get()) {
            std::memcpy(_scratch.get(), bytes, length);
            bytes = _scratch.get();
        }
        std::memset(_scratch.get() + length, 0, parser::parser_padding);
        readable = length + parser::parser_padding;
        _counters.add(counter_id::sip_copied_for_parsing);
    }
    const txn::endpoint source = endpoint_of(where.src_ip, where.src_port);
    if (_control != nullptr) {
        const local_interface& arrival =
            _ports[where.port_index < _ports.size() ? where.port_index : 0].ifc;
        switch (_control->take_register({bytes, length}, source,
                                        endpoint_of(arrival.ipv4, arrival.sip_port))) {
        case control_port::handoff::not_ours:
            break;
        case control_port::handoff::too_large:
            answer_register({bytes, length}, readable, source, 513, {},
                            counter_id::control_too_large_answered,
                            counter_id::drop_control_too_large);
            rte_pktmbuf_free(m);
            return;
        case control_port::handoff::busy: {
            char seconds[12];
            const int k = std::snprintf(seconds, sizeof seconds, "%u",
                                        _settings.proxy.retry_after_seconds);
            const parser::extra_header retry[] = {
                {"Retry-After", {seconds, static_cast<std::size_t>(k > 0 ? k : 0)}}};
            answer_register({bytes, length}, readable, source, 503, retry,
                            counter_id::control_busy_answered, counter_id::drop_control_ring_full);
            rte_pktmbuf_free(m);
            return;
        }
        case control_port::handoff::taken:
            rte_pktmbuf_free(m);
            return;
        }
    }
    _core->on_message({{bytes, length}, readable, source, txn::transport::udp}, _out);
    // The message has been read (the core keeps copies of what it needs): its
    // mbuf carries the first datagram out, one pool round trip fewer.
    transmit(m);
}

void sip_stage::answer_register(std::string_view bytes, std::size_t readable,
                                const txn::endpoint& source, std::uint16_t status,
                                std::span<const parser::extra_header> extra, counter_id answered,
                                counter_id dropped) {
    parser::message_essentials e;
    std::size_t cap = 0;
    char* space = _out.next_space(cap);
    std::size_t n = 0;
    if (space != nullptr &&
        _dispatch_parser.parse(bytes, readable, *_dispatch_view).ok() &&
        parser::extract_essentials(*_dispatch_view, e).ok()) {
        // A stateless answer: the To tag only has to be stable across retransmissions.
        std::uint32_t h = 2166136261u;
        for (const char c : e.call_id) {
            h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
        }
        char tag[8];
        for (int i = 0; i < 8; ++i) {
            tag[i] = "0123456789abcdef"[(h >> (28 - 4 * i)) & 15];
        }
        n = proxy::build_local_response(*_dispatch_view, &e, source, status, {tag, sizeof tag},
                                        extra, space, cap);
    }
    if (n == 0 || !_out.push(source, txn::transport::udp, {space, n})) {
        _counters.add(dropped);
        return;
    }
    _counters.add(answered);
    transmit();
}

void sip_stage::on_pass() {
    if (_auth != nullptr && _ports[0].now_tsc >= _next_auth_clock_tsc) [[unlikely]] {
        // Nonces count whole seconds: the wall clock is read ten times a second,
        // not on every pass.
        _auth->set_time(static_cast<std::int64_t>(std::time(nullptr)));
        _next_auth_clock_tsc = _ports[0].now_tsc + _settings.tsc_hz / 10;
    }
    if (_settings.reload != nullptr) {
        // Between messages: no transaction sees half a table.
        if (_settings.reload->take(_settings.proxy)) [[unlikely]] {
            _core->timers_changed();
        }
    }
    if (_settings.summary != nullptr && _ports[0].now_tsc >= _next_summary_tsc) [[unlikely]] {
        publish_summary(_ports[0].now_tsc);
    }
    if (_control != nullptr) {
        _control->begin_pass();
        _control->drain(drain_batch, [&](std::string_view bytes, const txn::endpoint& to) {
            if (!send_to(to, bytes)) {
                _counters.add(counter_id::drop_sip_transport_unavailable);
            }
        });
    }
    const timer::tick_t now = (_ports[0].now_tsc - _settings.start_tsc) / _tsc_per_tick;
    _core->on_tick(now, _out);
    if (!_out.empty()) {
        transmit();
    }
}

void sip_stage::publish_summary(std::uint64_t now_tsc) {
    _next_summary_tsc = now_tsc + _settings.tsc_hz;
    _summary.published_tsc = now_tsc;
    fill_transactions(_core->transactions_layer(), _summary_cursor, _summary);
    fill_dialogs(_core->dialogs(), _wheel.now(), _core->ticks_per_second(), _dialog_cursor,
                 _summary);
    _settings.summary->publish(_summary);
}

void sip_stage::transmit(rte_mbuf* spare) {
    for (std::size_t i = 0; i < _out.size(); ++i) {
        const txn::outgoing_message& msg = _out[i];
        bool sent = false;
        if (msg.tp == txn::transport::udp && msg.destination.is_ipv4()) {
            sent = send_to(msg.destination, _out.bytes(msg), spare);
            spare = nullptr;
        } else {
            _counters.add(counter_id::drop_sip_transport_unavailable);
        }
        if (!sent && msg.txn != txn::no_txn) {
            // The core may emit more (a 503 upstream): those go out in the same loop.
            _core->on_transport_error(msg.txn, _out);
        }
    }
    rte_pktmbuf_free(spare); // nothing was sent by UDP (null: no-op)
    _out.clear();
}

} // namespace sipedge::dataplane
