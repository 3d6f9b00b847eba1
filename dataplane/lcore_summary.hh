#pragma once
// What one worker lcore tells the outside about its SIP state (transactions,
// dialogs), published about once a second from the lcore's own pass and read by
// DPDK's telemetry thread. The telemetry thread never touches lcore-owned tables:
// it copies this fixed-size summary, which a sequence count (rte_seqcount, one
// writer, no lock) keeps consistent. Nothing here allocates.

#include "dataplane/proxy/dialog_table.hh"
#include "dataplane/timer/timer_wheel.hh"

#include <array>
#include <cstdint>
#include <rte_seqcount.h>

namespace sipedge::txn {
class transaction_layer;
}

namespace sipedge::dataplane {

inline constexpr std::size_t summary_samples = 8;

struct transaction_sample {
    std::uint8_t kind = 0;  // txn::txn_kind
    std::uint8_t state = 0; // txn::txn_state
    std::uint16_t last_status = 0;
    std::uint32_t peer_ipv4 = 0; // host order; 0 when not IPv4
    std::uint16_t peer_port = 0;
};

struct dialog_sample {
    char call_id[65] = {}; // truncated to 64 characters, NUL-terminated
    std::uint32_t interval_s = 0;
    bool refresher_uas = false; // false: the UAC refreshes
    std::uint32_t seconds_left = 0;
};

struct lcore_summary_data {
    std::uint64_t published_tsc = 0; // 0: never published
    std::uint32_t transactions = 0;
    std::uint32_t transaction_capacity = 0;
    std::uint32_t transaction_samples = 0;
    std::array<transaction_sample, summary_samples> transaction_list{};
    std::uint32_t dialogs = 0;
    std::uint32_t dialog_samples = 0;
    std::array<dialog_sample, summary_samples> dialog_list{};
};

// One per worker lcore, on its own cache lines.
class alignas(64) lcore_summary {
public:
    lcore_summary() { rte_seqcount_init(&_seq); }
    // The owning lcore only.
    void publish(const lcore_summary_data& d);
    // Any thread: a consistent copy (retries while a publish is in progress).
    lcore_summary_data read() const;

private:
    rte_seqcount_t _seq;
    lcore_summary_data _data;
};

// Fill hooks, run on the owning lcore at publish time. Transactions: the count
// and the first live ones found by a bounded scan that resumes where the last
// stopped (cursor), so a publish costs at most scan_limit slot checks.
inline constexpr std::uint32_t summary_scan_limit = 4096;
void fill_transactions(const txn::transaction_layer& layer, std::uint32_t& cursor,
                       lcore_summary_data& d);
// Dialogs: the count of RFC 4028 timed dialogs and a few of them, by the same
// bounded, resuming scan over the dialog table (now: the wheel's tick).
void fill_dialogs(const proxy::dialog_table& table, timer::tick_t now,
                  std::uint64_t ticks_per_second, std::uint32_t& cursor, lcore_summary_data& d);

} // namespace sipedge::dataplane
