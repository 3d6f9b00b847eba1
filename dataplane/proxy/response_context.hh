#pragma once
// State of one proxied request (RFC 3261 §16.7 "response context"): its server
// transaction, the branches (client transactions) it forked to, the best final
// response so far and the 401/407 challenges to aggregate. One per server
// transaction, in a pool the size of the transaction table.

#include "dataplane/proxy/session_timer_policy.hh"
#include "dataplane/transaction/message_store.hh"
#include "dataplane/transaction/transaction.hh"

#include <array>
#include <cstdint>

namespace sipedge::proxy {

inline constexpr std::uint32_t max_branches = 8;
inline constexpr std::uint32_t no_context = 0xffffffffu;

struct branch_state {
    txn::txn_id client = txn::no_txn;
    std::uint16_t status = 0; // final status once known (synthetic 408/503 included)
    bool provisional = false; // a 1xx arrived: a CANCEL may be sent (§9.1)
    bool cancel_wanted = false;
    bool cancel_sent = false;
    bool timed_out = false; // timer C fired: its final response counts as 408 (§16.8)
    bool used = false;
};

struct response_context {
    txn::txn_id server = txn::no_txn;
    std::uint32_t next_free = no_context;
    std::uint16_t refs = 0; // server + live client transactions
    std::uint8_t branch_count = 0;
    bool invite = false;
    bool final_sent = false; // a final response went upstream
    bool got_6xx = false;
    bool cancelled = false; // CANCEL from upstream
    bool in_use = false;
    bool in_dialog = false; // the request had a To tag (re-INVITE, UPDATE, BYE...)
    std::uint16_t best_status = 0; // 0: none yet
    std::uint16_t best_rank = 0xffff;
    txn::stored_message best;       // the best response as received (empty: synthetic)
    txn::stored_message challenges; // "Name: value\r\n" lines from every 401/407
    txn::stored_message request;    // original request, kept only while targets wait
    txn::stored_message targets;    // waiting targets: "q uri\n" lines, q-descending
    std::array<branch_state, max_branches> branches{};
    request_decision session_timer{}; // RFC 4028 §8.1 outcome, for the 2xx (§8.2)
};

} // namespace sipedge::proxy
