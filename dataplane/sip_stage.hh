#pragma once
// One worker lcore's SIP stage: what the lcore loop does with a checked UDP
// datagram for our SIP port. It finds the owning lcore (ARCHITECTURE.md step 3)
// and hands the mbuf over when it is another's; otherwise it makes the payload
// readable in place (mbuf tailroom as the parser's padding, or a copy into a
// padded buffer when the message spans segments or the tailroom is short), runs
// the transaction layer and proxy core on it, and sends what the core emits.
// It also advances this lcore's timer wheel once per pass, takes reloaded routes
// and hosts at that boundary, and publishes its summary once a second.
//
// Everything is preallocated at start-up; nothing here allocates per message.

#include "common/result.hh"
#include "common/ipc/link.hh"
#include "dataplane/control_port.hh"
#include "dataplane/dispatch.hh"
#include "dataplane/invite_auth.hh"
#include "dataplane/lcore_summary.hh"
#include "dataplane/net/packet_context.hh"
#include "dataplane/proxy/proxy_core.hh"
#include "dataplane/reload_mailbox.hh"
#include "dataplane/timer/timer_wheel.hh"
#include "parser/message_parser.hh"
#include "sip/message_view.hh"

#include <cstdint>
#include <memory>
#include <rte_mbuf.h>
#include <span>

namespace sipedge::dataplane {

class sip_stage {
public:
    struct settings {
        proxy::proxy_config proxy;          // copied; lcore_id/lcore_count set by create()
        proxy::location_lookup location;    // read-only while the loops run
        unsigned lcore_index = 0;           // 0..lcores-1: this lcore's place in the mesh
        dispatch_mesh* mesh = nullptr;      // null or one lcore: no hand-over
        ipc::dataplane_link* link = nullptr; // null: no sipedge-control (REGISTERs are proxied)
        // Digest for requests from our users (needs link's credentials); null: none.
        // Must outlive the stage.
        const proxy::auth_config* auth = nullptr;
        std::uint64_t tsc_hz = 0;
        std::uint64_t start_tsc = 0;
        lcore_summary* summary = nullptr;  // null: nothing published for telemetry
        reload_mailbox* reload = nullptr;  // null: routes and hosts fixed at start
    };

    // Start-up: allocates the transaction table, timer wheel and buffers.
    static result<std::unique_ptr<sip_stage>, timer::timer_errc>
    create(const settings& s, counter_block& counters);

    // The lcore's packet contexts, one per port in configuration order, before
    // its loop starts: what the stage sends leaves by the port whose subnet
    // holds the destination (local_interface::on_subnet, longest prefix), else
    // by the first port with a gateway, else by port 0.
    void bind_ports(std::span<packet_context> ports);
    // A datagram from one of this lcore's queues; the stage owns the mbuf from
    // here. What it causes to be sent leaves by the destination's port.
    void on_datagram(rte_mbuf* m, const udp_delivery& where);
    // Datagrams other lcores handed to us, and neighbours they learnt: once per pass.
    void drain_mesh();
    // Timers (retransmissions, timeouts): once per pass, after RX.
    void on_pass();
    // The packet context's arp_learnt hook for this lcore: tell the others.
    static void share_neighbour(void* self, std::uint8_t port_index, rte_be32_t ip,
                                const rte_ether_addr& mac);

    const proxy::proxy_core& core() const { return *_core; }

private:
    sip_stage(const settings& s, counter_block& counters, timer::timer_wheel wheel);

    void process(rte_mbuf* m, const udp_delivery& where);
    // Sends the outbox. spare: null, or the mbuf of the message that caused it,
    // read and no longer needed, to carry the first datagram (udp_send).
    void transmit(rte_mbuf* spare = nullptr);
    // The port context a datagram to ip (network order) leaves by.
    packet_context& egress(rte_be32_t ip);
    // spare: see udp_send; owned from here.
    bool send_to(const txn::endpoint& to, std::string_view bytes, rte_mbuf* spare = nullptr);
    // A stateless answer to a REGISTER that control cannot take: 513 Message Too
    // Large (above a link slot) or 503 with Retry-After (its ring is full).
    void answer_register(std::string_view bytes, std::size_t readable,
                         const txn::endpoint& source, std::uint16_t status,
                         std::span<const parser::extra_header> extra, counter_id answered,
                         counter_id dropped);
    void publish_summary(std::uint64_t now_tsc);

    settings _settings;
    std::span<packet_context> _ports;
    counter_block& _counters;
    timer::timer_wheel _wheel;
    std::unique_ptr<control_port> _control; // null without sipedge-control
    std::unique_ptr<invite_auth> _auth;      // null unless [auth] invite with control
    std::unique_ptr<proxy::proxy_core> _core;
    std::uint64_t _tsc_per_tick;
    // Dispatch only needs the message's identity: a view parsed here, then the
    // owner parses for itself (the view cannot travel with the mbuf).
    parser::message_parser _dispatch_parser;
    std::unique_ptr<sip::message_view> _dispatch_view;
    // Outgoing messages of one call into the core, sent straight after it.
    std::unique_ptr<txn::outgoing_message[]> _out_messages;
    std::unique_ptr<char[]> _out_bytes;
    txn::outbox _out;
    // Padded copy of a message that is not contiguous in its mbuf.
    std::unique_ptr<char[]> _scratch;
    // Telemetry summary: built here, copied out under the seqcount.
    lcore_summary_data _summary;
    std::uint32_t _summary_cursor = 0;
    std::uint32_t _dialog_cursor = 0;
    std::uint64_t _next_auth_clock_tsc = 0; // when invite_auth's clock is read next
    std::uint64_t _next_summary_tsc = 0;
};

} // namespace sipedge::dataplane
