#pragma once
// One worker lcore's end of the link to sipedge-control (common/ipc/link.hh):
// REGISTERs for our domains are handed to control, control's answers are sent,
// and the location snapshot that control publishes answers the proxy core's
// lookups (the static contacts of the configuration are the fallback). Nothing
// here locks or allocates after construction; views from the snapshot are used
// only within one pass of the loop (begin_pass() releases them).

#include "common/counters.hh"
#include "common/ipc/link.hh"
#include "dataplane/proxy/location.hh"
#include "dataplane/transaction/types.hh"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::dataplane {

class control_port {
public:
    // hosts: our domains and names; REGISTERs whose Request-URI host is one of
    // them go to control. fallback: consulted when the snapshot has no binding for an AOR.
    control_port(ipc::dataplane_link& link, std::uint16_t lcore, proxy::location_lookup fallback,
                 std::span<const std::string> hosts, counter_block& counters);

    // For the proxy core: registered contacts first, static ones otherwise.
    proxy::location_lookup lookup() const { return {this, &control_port::thunk}; }

    // Once per pass, before any lookup: ends the last pass's snapshot views.
    void begin_pass();

    enum class handoff : std::uint8_t {
        not_ours,  // not a REGISTER for our domains: for the proxy core
        taken,     // pushed to control
        too_large, // larger than a link slot: the caller answers 513 (RFC 3261 §21.5.11)
        busy,      // control's ring is full (control slow or down): the caller answers
                   // 503 with Retry-After (§21.5.4), so UAs back off instead of
                   // retransmitting into a full ring

    };
    handoff take_register(std::string_view bytes, const txn::endpoint& source,
                          const txn::endpoint& local);

    // Control's answers for this lcore, at most `max`: send(bytes, destination).
    template <typename Send>
    void drain(std::size_t max, Send&& send) {
        ipc::received_message m;
        std::size_t n = 0;
        while (n < max && _link.pop_from_control(_lcore, m)) {
            send(m.bytes, to_txn(m.meta.destination));
            ++n;
        }
        if (n > 0) {
            _link.release_from_control(_lcore);
            _counters.add(counter_id::sip_from_control, n);
        }
    }

    static txn::endpoint to_txn(const ipc::endpoint& e);
    static ipc::endpoint to_ipc(const txn::endpoint& e);

private:
    static std::span<const proxy::contact_binding> thunk(const void* self, std::string_view aor);
    bool ours(std::string_view host) const;

    ipc::dataplane_link& _link;
    std::uint16_t _lcore;
    proxy::location_lookup _fallback;
    std::vector<std::string> _domains;
    counter_block& _counters;
    std::int64_t _now_unix = 0;
    // A lookup's answer in the proxy's form; views into the snapshot.
    mutable std::array<proxy::contact_binding, 16> _bindings{};
};

// The host of a REGISTER's Request-URI ("REGISTER sip:user@host:port;p SIP/2.0"),
// or empty when the bytes are not a REGISTER request line.
std::string_view register_domain(std::string_view bytes);

} // namespace sipedge::dataplane
