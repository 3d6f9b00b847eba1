#pragma once
// One lcore's staged TX on one port queue (l2fwd's tx_buffer): handlers hand
// finished packets here; the loop flushes on size (inside rte_eth_tx_buffer)
// and on a TSC deadline. Packets the queue refuses are freed and counted.

#include "common/counters.hh"

#include <cstdint>
#include <rte_ethdev.h>

namespace sipedge::dataplane {

class tx_stage {
public:
    // buffer: initialised by rte_eth_tx_buffer_init, owned by the caller.
    tx_stage(std::uint16_t port, std::uint16_t queue, rte_eth_dev_tx_buffer* buffer,
             counter_block& counters)
        : _port(port), _queue(queue), _buffer(buffer), _counters(&counters) {
        rte_eth_tx_buffer_set_err_callback(buffer, count_unsent, &counters);
    }

    void send(rte_mbuf* m) {
        _counters->add(counter_id::tx_bytes, rte_pktmbuf_pkt_len(m));
        _counters->add(counter_id::tx_packets, rte_eth_tx_buffer(_port, _queue, _buffer, m));
    }
    void flush() {
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
};

} // namespace sipedge::dataplane
