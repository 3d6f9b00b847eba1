#pragma once
// Sends one built message and counts it, for every scenario engine: a message
// that did not fit its buffer or that the packet path refused is a send error
// (retransmission takes over where there is one); otherwise it counts as sent,
// as a request or a response, and as a retransmission of the given kind.

#include "bench/loadgen/engine.hh"
#include "bench/loadgen/msg_writer.hh"
#include "bench/loadgen/stats.hh"

namespace sipedge::loadgen {

// No retransmission counter for this message.
inline constexpr stat_id no_stat = stat_id::count_;

struct sender {
    stats_block& stats;
    send_fn send;
    void* user;

    // retransmission: no_stat, retrans_sent alone, or a retrans_ kind (counted
    // with retrans_sent).
    void operator()(const msg_writer& w, side from, std::uint32_t ip, std::uint16_t port,
                    bool request, stat_id retransmission) const {
        if (!w.ok() || !send(user, from, ip, port, w.view())) {
            stats.add(stat_id::send_errors);
            return;
        }
        stats.add(stat_id::msgs_sent);
        stats.add(request ? stat_id::requests_sent : stat_id::responses_sent);
        if (retransmission != no_stat) {
            stats.add(stat_id::retrans_sent);
            if (retransmission != stat_id::retrans_sent) {
                stats.add(retransmission);
            }
        }
    }
};

} // namespace sipedge::loadgen
