#include "dataplane/io/port.hh"

#include "dataplane/io/interrupt_thread.hh"

#include <chrono>
#include <cinttypes>
#include <rte_errno.h>
#include <thread>

namespace sipedge::dataplane {

result<rte_mempool*, port_error> create_mbuf_pool(unsigned mbufs, unsigned socket_id) {
    unsigned size = 1;
    while (size < mbufs + 1) {
        size *= 2;
    }
    rte_mempool* pool = rte_pktmbuf_pool_create("rx_pool", size - 1, 256, 0,
                                                RTE_MBUF_DEFAULT_BUF_SIZE,
                                                static_cast<int>(socket_id));
    if (pool == nullptr) {
        return error{port_error::mempool, "cannot create the mbuf pool: too little DPDK memory "
                                          "(raise --memory or reserve hugepages)"};
    }
    return pool;
}

void free_mbuf_pool(rte_mempool* pool) {
    rte_mempool_free(pool);
}

result<port_handle, port_error> open_port(const std::string& device, unsigned rank,
                                          const port_config& cfg, rte_mempool* pool) {
    port_handle port;
    port.pool = pool;
    const std::string name = device.substr(0, device.find(','));
    if (rte_eth_dev_get_port_by_name(name.c_str(), &port.port_id) != 0) {
        std::uint16_t id = RTE_MAX_ETHPORTS;
        unsigned seen = 0;
        std::uint16_t p = 0;
        RTE_ETH_FOREACH_DEV(p) {
            if (seen++ == rank) {
                id = p;
                break;
            }
        }
        if (id == RTE_MAX_ETHPORTS) {
            return error{port_error::no_port,
                         "no DPDK port for this device: check --port (e.g. net_tap0,iface=dtap0)"};
        }
        port.port_id = id;
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
    const unsigned queue_socket =
        socket >= 0 ? static_cast<unsigned>(socket) : static_cast<unsigned>(pool->socket_id);
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
    const auto give_up = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(cfg.start_retry_ms);
    while (rte_eth_dev_start(port.port_id) != 0) {
        if (std::chrono::steady_clock::now() >= give_up) {
            return error{port_error::start,
                         cfg.start_retry_ms == 0
                             ? "rte_eth_dev_start failed"
                             : "rte_eth_dev_start kept failing (a memif client's server not "
                               "listening on the socket?)"};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return port;
}

void close_port(const port_handle& port) {
    // A peer that has just left may still be being torn down on the interrupt
    // thread (net_memif unmaps its regions there): let that finish first.
    (void)wait_for_interrupt_thread(std::chrono::seconds(1));
    // Stop before close: the TAP interface disappears with the close.
    if (rte_eth_dev_stop(port.port_id) != 0) {
        // Nothing more to do at shutdown; close anyway.
    }
    rte_eth_dev_close(port.port_id);
    // net_memif's server leaves its listener's interrupt source behind after the
    // close; shut_down_eal() (interrupt_thread.hh) makes that safe at exit.
}

void print_port_totals(std::FILE* out, std::span<const port_handle> ports) {
    for (const port_handle& p : ports) {
        rte_eth_stats st{};
        if (rte_eth_stats_get(p.port_id, &st) != 0) {
            continue;
        }
        std::fprintf(out,
                     "port %u (%s): rx_packets %" PRIu64 " tx_packets %" PRIu64
                     " rx_bytes %" PRIu64 " tx_bytes %" PRIu64 " rx_missed %" PRIu64
                     " rx_errors %" PRIu64 " tx_errors %" PRIu64 "\n",
                     p.port_id, p.driver.c_str(), st.ipackets, st.opackets, st.ibytes, st.obytes,
                     st.imissed, st.ierrors, st.oerrors);
    }
    std::fflush(out);
}

} // namespace sipedge::dataplane
