#pragma once
// One SIP transaction's state (RFC 3261 §17 with the RFC 6026 states), as kept in
// the per-lcore transaction table. Plain data: the state machines live in
// transaction_layer.cc. Sized to stay within two cache lines.

#include "dataplane/timer/timer_wheel.hh"
#include "dataplane/transaction/message_store.hh"
#include "dataplane/transaction/types.hh"

#include <cstdint>

namespace sipedge::txn {

using txn_id = std::uint32_t; // index in the table; no_txn when none

enum class txn_kind : std::uint8_t {
    invite_client,     // ICT, §17.1.1 + RFC 6026 Accepted
    non_invite_client, // NICT, §17.1.2
    invite_server,     // IST, §17.2.1 + RFC 6026 Accepted
    non_invite_server, // NIST, §17.2.2
};

constexpr bool is_client(txn_kind k) {
    return k == txn_kind::invite_client || k == txn_kind::non_invite_client;
}
constexpr bool is_invite(txn_kind k) {
    return k == txn_kind::invite_client || k == txn_kind::invite_server;
}

enum class txn_state : std::uint8_t {
    idle,       // slot free
    calling,    // ICT
    trying,     // NICT, NIST
    proceeding, // all
    completed,  // all
    accepted,   // ICT and IST (RFC 6026)
    confirmed,  // IST
    terminated, // transient, while being destroyed
};

// How a transaction is found. A client transaction whose Via branch names its slot
// and generation (the proxy's) is found by that handle alone: keeping it out of the
// hash index saves a random index line on creation and again on release.
enum class txn_lookup : std::uint8_t {
    by_key,    // in the index: find() sees it
    by_handle, // only through its id (transaction_layer::is)
};

// 128-bit match key: two independent hashes of the §17.1.3 / §17.2.3 fields.
struct txn_key {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    friend bool operator==(const txn_key&, const txn_key&) = default;
};

struct transaction {
    txn_key key;
    // The one timer of the current state; what it means follows from kind and state
    // (transaction_layer.cc): A+B (ICT Calling), E+F (NICT Trying/Proceeding), G+H
    // (IST Completed) -- a retransmission timer that becomes the timeout when the
    // next retransmission would not come before it -- or D, I, J, K, L, M.
    timer::timer_handle timer;
    timer::timer_handle tu_timer; // owned by the TU (the proxy's timer C)
    endpoint peer;                // client: where the request goes; server: where responses go
    txn_lookup lookup = txn_lookup::by_key; // (in what was padding after peer)
    stored_message message;       // client: the request; server: the last response sent
    stored_message ack;           // ICT: the ACK for a non-2xx final response
    // Ticks; 0 when the state does not retransmit.
    std::uint32_t retransmit_interval = 0;
    // Low 32 bits of the tick at which the B, F or H timeout is due.
    std::uint32_t deadline = 0;
    std::uint32_t next_free = 0; // free list link while the slot is idle
    std::uint32_t generation = 0;
    std::uint32_t owner = 0;       // TU context (proxy: response context index)
    std::uint16_t owner_slot = 0;  // TU sub-index (proxy: branch number)
    std::uint16_t last_status = 0; // last response status seen or sent
    txn_kind kind = txn_kind::non_invite_server;
    txn_state state = txn_state::idle;
    transport tp = transport::udp;
    std::uint8_t tu_flags = 0; // free for the TU
};

} // namespace sipedge::txn
