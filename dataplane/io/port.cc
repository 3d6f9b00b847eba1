#include "dataplane/io/port.hh"

#include <rte_errno.h>

namespace sipedge::dataplane {

result<port_handle, port_error> open_first_port(const port_config& cfg, unsigned socket_id) {
    port_handle port;
    if (rte_eth_dev_count_avail() == 0) {
        return error{port_error::no_port, "no DPDK port: check --port (e.g. net_tap0,iface=dtap0)"};
    }
    port.port_id = static_cast<std::uint16_t>(rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER));

    unsigned mbufs = 1;
    while (mbufs < cfg.mbufs + 1) {
        mbufs *= 2;
    }
    port.mbufs = mbufs - 1;
    port.pool = rte_pktmbuf_pool_create("rx_pool", port.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                        static_cast<int>(socket_id));
    if (port.pool == nullptr) {
        return error{port_error::mempool, "cannot create the mbuf pool: too little DPDK memory "
                                          "(raise --memory or reserve hugepages)"};
    }
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(port.port_id, &info) != 0) {
        return error{port_error::configure, "cannot read the port's device info"};
    }
    port.driver = info.driver_name ? info.driver_name : "?";
    if (cfg.queues > info.max_rx_queues || cfg.queues > info.max_tx_queues) {
        return error{port_error::configure,
                     "the port has fewer RX/TX queues than worker lcores"};
    }

    rte_eth_conf conf{};
    // Checksum offloads when the device has them all; software otherwise.
    constexpr std::uint64_t rx_cksum = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
    constexpr std::uint64_t tx_cksum = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
    if ((info.rx_offload_capa & rx_cksum) == rx_cksum) {
        conf.rxmode.offloads |= rx_cksum;
        port.rx_checksum = true;
    }
    if ((info.tx_offload_capa & tx_cksum) == tx_cksum) {
        conf.txmode.offloads |= tx_cksum;
        port.tx_checksum = true;
    }
    const std::uint64_t rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
    if (cfg.queues > 1 && rss_hf != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
        port.rss = true;
    }
    if (rte_eth_dev_configure(port.port_id, cfg.queues, cfg.queues, &conf) != 0) {
        if (!port.rss) {
            return error{port_error::configure, "rte_eth_dev_configure failed for the queues"};
        }
        // Some virtual devices advertise RSS but cannot program it here: the
        // lcores still get their own queues; dispatch evens out ownership.
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
        conf.rx_adv_conf.rss_conf.rss_hf = 0;
        port.rss = false;
        if (rte_eth_dev_configure(port.port_id, cfg.queues, cfg.queues, &conf) != 0) {
            return error{port_error::configure, "rte_eth_dev_configure failed for the queues"};
        }
    }
    std::uint16_t rxd = cfg.rx_descriptors, txd = cfg.tx_descriptors;
    if (rte_eth_dev_adjust_nb_rx_tx_desc(port.port_id, &rxd, &txd) != 0) {
        return error{port_error::configure, "the port rejects the descriptor counts"};
    }
    const int socket = rte_eth_dev_socket_id(port.port_id);
    const unsigned queue_socket = socket >= 0 ? static_cast<unsigned>(socket) : socket_id;
    for (std::uint16_t q = 0; q < cfg.queues; ++q) {
        if (rte_eth_rx_queue_setup(port.port_id, q, rxd, queue_socket, nullptr, port.pool) != 0) {
            return error{port_error::queue_setup, "RX queue set-up failed"};
        }
        if (rte_eth_tx_queue_setup(port.port_id, q, txd, queue_socket, nullptr) != 0) {
            return error{port_error::queue_setup, "TX queue set-up failed"};
        }
    }
    if (rte_eth_macaddr_get(port.port_id, &port.mac) != 0) {
        return error{port_error::configure, "cannot read the port's MAC address"};
    }
    if (rte_eth_dev_start(port.port_id) != 0) {
        return error{port_error::start, "rte_eth_dev_start failed"};
    }
    return port;
}

void close_port(const port_handle& port) {
    // Stop before close: the TAP interface disappears with the close.
    if (rte_eth_dev_stop(port.port_id) != 0) {
        // Nothing more to do at shutdown; close anyway.
    }
    rte_eth_dev_close(port.port_id);
    rte_mempool_free(port.pool);
}

} // namespace sipedge::dataplane
