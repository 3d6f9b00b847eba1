#pragma once
// One lcore's staged TX on one port queue (l2fwd's tx_buffer): handlers hand
// finished packets here; the loop flushes on size (inside rte_eth_tx_buffer)
// and on a TSC deadline. Packets the queue refuses are freed and counted.

#include "common/counters.hh"
#include "dataplane/io/port.hh"

#include <cstdint>
#include <rte_ethdev.h>

namespace sipedge::dataplane {

class tx_stage {
public:
    // buffer: initialised by rte_eth_tx_buffer_init, owned by the caller.
    // guard_link: touch the device only while its link is up (port_queues):
    // asked when the buffer is about to burst and on a flush.
    tx_stage(std::uint16_t port, std::uint16_t queue, rte_eth_dev_tx_buffer* buffer,
             counter_block& counters, bool guard_link = false)
        : _port(port), _queue(queue), _buffer(buffer), _counters(&counters),
          _guard_link(guard_link) {
        rte_eth_tx_buffer_set_err_callback(buffer, count_unsent, &counters);
    }

    void send(rte_mbuf* m) {
        // Only the packet that fills the buffer makes it touch the device, so
        // only then is the link asked about (a driver call), not per packet.
        if (_guard_link && _buffer->length + 1u >= _buffer->size && !link_up(_port))
            [[unlikely]] {
            // The staged packets wait for a flush on link up; this one has no room.
            _counters->add(counter_id::tx_link_down);
            rte_pktmbuf_free(m);
            return;
        }
        _counters->add(counter_id::tx_bytes, rte_pktmbuf_pkt_len(m));
        _counters->add(counter_id::tx_packets, rte_eth_tx_buffer(_port, _queue, _buffer, m));
    }
    void flush() {
        if (_guard_link && !link_up(_port)) [[unlikely]] {
            // Staged packets wait: a flush on link up sends them, or the
            // device refuses them then and they are counted as tx_full.
            return;
        }
        _counters->add(counter_id::tx_packets, rte_eth_tx_buffer_flush(_port, _queue, _buffer));
    }

private:
    static void count_unsent(rte_mbuf** unsent, std::uint16_t count, void* userdata) {
        static_cast<counter_block*>(userdata)->add(counter_id::tx_full, count);
        for (std::uint16_t i = 0; i < count; ++i) {
            rte_pktmbuf_free(unsent[i]);
        }
    }

    std::uint16_t _port;
    std::uint16_t _queue;
    rte_eth_dev_tx_buffer* _buffer;
    counter_block* _counters;
    bool _guard_link;
};

} // namespace sipedge::dataplane
