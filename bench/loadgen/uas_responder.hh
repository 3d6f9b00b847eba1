#pragma once
// Direct mode's far end for the non-INVITE scenarios: a registrar with digest
// (401 with a fresh nonce, qop=auth; credentials verified, nonce age and
// nonce-count checked; 200 echoing the Contact with its expiry) and an OPTIONS
// answerer (200). It keeps no bindings: it exists so the generator's own
// ceiling can be measured without a device under test, and so the engine's
// unit tests have a registrar to talk to. Nonces are common/ipc/digest_check's
// stateless HMAC nonces; the nonce-count record is one entry per user.

#include "bench/loadgen/engine.hh"
#include "bench/loadgen/sender.hh"
#include "bench/loadgen/stats.hh"
#include "sip/message_view.hh"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sipedge::loadgen {

class uas_responder {
public:
    uas_responder(const engine_config& cfg, stats_block& stats, send_fn send, void* user,
                  std::uint64_t seed);

    // A request that arrived at the UAS address; now_s: seconds of the engine's
    // clock (nonce age).
    void on_request(const sip::message_view& msg, std::string_view top_via, std::uint32_t src_ip,
                    std::uint16_t src_port, std::int64_t now_s);

private:
    // Per user: the nonce-count record, and the CSeq last answered 200, so a
    // retransmission of that REGISTER gets the 200 again (the registrar's
    // transaction layer, RFC 3261 17.2.2) rather than a replay refusal.
    struct nc_record {
        std::uint64_t nonce_salt = 0;
        std::uint32_t nc = 0;
        std::uint32_t ok_cseq = 0;
    };

    void answer_register(const sip::message_view& msg, std::uint32_t ip, std::uint16_t port,
                         std::int64_t now_s);
    // 0: verified; otherwise the status to answer (401, 400).
    // repeat: a retransmission of the REGISTER last answered 200.
    unsigned check_credentials(const sip::message_view& msg, std::int64_t now_s, bool& stale,
                               bool& repeat);
    void challenge(const sip::message_view& msg, std::uint32_t ip, std::uint16_t port,
                   std::int64_t now_s, bool stale);
    void respond(const sip::message_view& msg, unsigned code, std::string_view extra_name,
                 std::string_view extra_value, std::uint32_t ip, std::uint16_t port,
                 stat_id retransmission = no_stat);
    // User k from "<prefix>k"; users when it is not one of ours.
    std::uint32_t user_index(std::string_view username) const;

    const engine_config& _cfg;
    stats_block& _stats;
    sender _send;
    std::string _secret;
    std::string _password;
    std::unique_ptr<nc_record[]> _nc;
    std::unique_ptr<char[]> _buffer;
    std::uint64_t _rng;
};

} // namespace sipedge::loadgen
