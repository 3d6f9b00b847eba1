#pragma once
// User agents for the lossy-network proxy test, each with the RFC 3261 transaction
// behaviour a real one has over UDP, so that a call can only complete through the
// retransmissions the RFC prescribes:
//  - sim_uac (Alice): INVITE client transaction (timer A doubling, B; ACK for every
//    non-2xx final on the INVITE's branch), ACK for each 2xx (§13.2.2.4), BYE,
//    MESSAGE and CANCEL as non-INVITE client transactions (timer E up to T2, F).
//  - sim_uas (Bob): INVITE server transaction (180 at once, the final later, the
//    last response again for a retransmitted INVITE, timer G for a non-2xx until
//    the ACK), 2xx retransmitted by the UA core until the ACK (§13.3.1.4), BYE,
//    MESSAGE and CANCEL answered 200 and re-answered on retransmission.
// Both record what they saw, for the test to judge; neither asserts by itself.

#include "tests/dataplane/proxy/sim_network.hh"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sipedge::proxy::test {

enum class call_kind : std::uint8_t {
    answered,  // INVITE / 180 / 200 / ACK, later BYE / 200
    busy,      // INVITE / 180 / 486 / ACK
    message,   // MESSAGE / 200 (non-INVITE outside a dialog)
    cancelled, // INVITE / 180, CANCEL / 200, 487 / ACK (Bob never answers)
};

// Everything known about one call at the end, filled by both agents.
struct call_record {
    call_kind kind = call_kind::answered;
    std::set<int> finals;           // distinct final statuses Alice got for INVITE/MESSAGE
    bool request_timed_out = false; // Alice's timer B/F for the INVITE/MESSAGE
    int bye_final = 0;
    int cancel_final = 0;
    bool bob_got_request = false;
    bool bob_got_ack = false; // the ACK for Bob's 2xx, or for his 486/487
    bool bob_got_bye = false;
    bool bob_got_cancel = false;
};

struct agent_faults {
    std::uint64_t unparsable = 0;
    std::uint64_t wrong_via_count = 0; // a proxy Via left on, or none pushed
    std::uint64_t unknown_branch = 0;  // a response (or request) no transaction of Alice's
};

inline constexpr tick_t sim_t1 = 500;
inline constexpr tick_t sim_t2 = 4000;

class sim_uac {
public:
    sim_uac(sim_events& events, sim_network& net, txn::endpoint self, txn::endpoint proxy,
            std::vector<call_record>& calls);

    // Starts call `index` (its record's kind says what it is).
    void start(std::size_t index);
    void receive(const std::string& bytes);

    const agent_faults& faults() const { return _faults; }
    // Every branch Alice put in a top Via (Bob checks the second Via against it).
    bool sent_branch(const std::string& branch) const { return _branches.contains(branch); }

private:
    struct client_txn {
        std::size_t call = 0;
        std::string method;
        std::string request;
        std::string ack; // INVITE: the ACK sent for the final response
        bool invite = false;
        bool waiting = true;     // no final response yet
        bool proceeding = false; // a provisional arrived
        bool cancel_planned = false;
        tick_t interval = sim_t1;
        // Bumped to disarm pending events: retransmission (A, E), timeout (B, F).
        unsigned retransmit_generation = 0;
        unsigned timeout_generation = 0;
    };
    struct dialog {
        std::string to_tag;
        std::string remote_target;
        std::string route; // "Route: ...\r\n" or empty
        std::string ack;   // ACK for the 2xx, resent for each 2xx retransmission
        bool bye_sent = false;
    };

    std::string request(std::size_t call, std::string_view method, std::string_view ruri,
                        const std::string& branch, int cseq, std::string_view to_tag,
                        std::string_view route) const;
    void send_new(std::size_t call, const std::string& method, const std::string& branch,
                  std::string request);
    void arm_retransmit(const std::string& key);
    void arm_timeout(const std::string& key);
    void on_final(client_txn& t, int status);
    void on_invite_response(client_txn& t, int status, const std::string& bytes);
    void send_cancel(std::size_t call);
    void send_bye(std::size_t call);

    sim_events& _events;
    sim_network& _net;
    txn::endpoint _self;
    txn::endpoint _proxy;
    std::vector<call_record>& _calls;
    std::map<std::string, client_txn> _txns; // branch + " " + method
    std::map<std::size_t, dialog> _dialogs;
    std::set<std::string> _branches;
    agent_faults _faults;
};

class sim_uas {
public:
    sim_uas(sim_events& events, sim_random& random, sim_network& net, txn::endpoint self,
            std::vector<call_record>& calls, const sim_uac& uac);

    void receive(const txn::endpoint& from, const std::string& bytes);
    // Also send, with each first final response, a copy no transaction matches
    // (our branch with another id, Alice's branch replaced): the proxy must drop it.
    void inject_strays(bool on) { _strays = on; }
    std::uint64_t strays_sent() const { return _strays_sent; }
    const agent_faults& faults() const { return _faults; }

private:
    struct server_txn {
        std::size_t call = 0;
        txn::endpoint peer; // where responses go (the proxy: the request's source)
        std::string request;
        std::string last_response;
        int final_status = 0;
        bool acked = false;
        tick_t interval = sim_t1;
    };

    void respond(server_txn& t, int status);
    void retransmit_final(const std::string& key, tick_t give_up_at);
    void send_stray(const txn::endpoint& proxy, const std::string& response);

    sim_events& _events;
    sim_random& _random;
    sim_network& _net;
    txn::endpoint _self;
    std::vector<call_record>& _calls;
    const sim_uac& _uac;
    std::map<std::string, server_txn> _txns;            // proxy branch + " " + method (ACK: INVITE)
    std::map<std::string, std::string> _invite_of_call; // Call-ID -> INVITE txn key
    bool _strays = false;
    std::uint64_t _strays_sent = 0;
    agent_faults _faults;
};

} // namespace sipedge::proxy::test
