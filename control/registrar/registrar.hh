#pragma once
// The registrar's binding logic (RFC 3261 §10.3 steps 6–8), sans-IO: a parsed
// REGISTER, the AOR it is for and the time in, a decision and the new binding set
// out. Authentication and the domain check (steps 1–5) are the caller's
// (register_service.hh); persistence and publication follow from `changed`.
//
// Rules implemented:
//  - Contact "*" only alone and only with Expires: 0 (else 400); it removes every
//    binding unless one has the same Call-ID and a CSeq not lower than the request.
//  - Expiry per contact: its expires parameter, else the Expires header, else the
//    default; 0 removes; below min_expires → 423 with Min-Expires (nothing changes);
//    above max_expires → shortened to max_expires.
//  - A binding is identified by its URI (scheme and host compared without case), or
//    by (+sip.instance, reg-id) when both are present (RFC 5626 outbound).
//  - Same Call-ID with a CSeq not higher than the stored one → 500 (the update is
//    out of order, §10.3 step 7); a different Call-ID replaces the binding.
//  - More than max_contacts bindings would result → 403 "Too Many Contacts"
//    (nothing changes).
//  - The request is applied atomically: any failure leaves the bindings as they were.
//  - Contact header parameters other than q and expires, and Path header values,
//    are stored as written and echoed in the 200 OK.

#include "common/ipc/flat_table.hh"
#include "common/ipc/layout.hh"
#include "sip/message_view.hh"

#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sipedge::control::registrar {

struct binding {
    std::string uri;    // Contact URI as written (inside <>)
    std::string params; // Contact header parameters other than q/expires, as written
    std::string path;   // Path header values, comma-joined, as written
    std::string call_id;
    std::uint32_t cseq = 0;
    std::int64_t expires_at = 0; // unix seconds
    std::int16_t q = 1000;       // thousandths; absent means 1.0
    std::string instance;        // +sip.instance value (RFC 5626), empty if none
    std::int64_t reg_id = -1;    // reg-id, -1 if none
    ipc::endpoint received;      // source of the REGISTER
    std::uint8_t transport = 0;
    std::string user_agent;
    std::int64_t updated_at = 0;

    friend bool operator==(const binding&, const binding&) = default;
};

struct registrar_limits {
    std::uint32_t min_expires = 60;
    std::uint32_t max_expires = 7200;
    std::uint32_t default_expires = 3600;
    std::uint32_t max_contacts = 10; // per AOR
};

struct register_context {
    ipc::endpoint source;
    std::uint8_t transport = 0;
    std::int64_t now = 0; // unix seconds
};

struct register_outcome {
    std::uint16_t status = 500;
    std::string_view reason;       // static text; empty: the default for status
    std::uint32_t min_expires = 0; // 423
    bool changed = false;          // bindings of the AOR changed (persist)
    // What the dataplane routes on changed (a contact came, went, or changed its
    // URI, q, Path, source or transport): publish now. False for a refresh that
    // only moves expiry and CSeq, which can wait (control_daemon.cc).
    bool routes_changed = false;
    // 200: the AOR's bindings now (expired ones included; empty when it has none),
    // valid until the registrar changes again: the response lists them without a
    // second lookup.
    std::span<const binding> bindings;
};

// Hash of a std::string key looked up by std::string_view (no key string built).
struct string_key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class registrar {
public:
    // AOR -> its bindings. Unordered: a lookup per REGISTER is one hash and one
    // compare; whoever lists AORs in order sorts them.
    using aor_map =
        std::unordered_map<std::string, std::vector<binding>, string_key_hash, std::equal_to<>>;

    explicit registrar(const registrar_limits& limits) : _limits(limits) {}

    // Applies REGISTER `req` to the bindings of `aor` (normalised "user@host").
    register_outcome apply(std::string_view aor, const sip::message_view& req,
                           const register_context& ctx);

    // Current bindings of an AOR (possibly empty).
    std::span<const binding> bindings(std::string_view aor) const;

    // Removes bindings expired at now; returns the AORs that changed (their routes
    // changed: a contact went).
    std::vector<std::string> expire(std::int64_t now);
    // No binding expires before this (INT64_MAX when none): the control's timer. A
    // lower bound kept in O(1) (a refreshed binding may leave it early; expire()
    // then recomputes it).
    std::int64_t next_expiry() const { return _next_expiry; }

    // Replaces the bindings of an AOR (loading from the store).
    void load(std::string_view aor, std::vector<binding> bindings);
    void clear() {
        _aors.clear();
        _next_expiry = std::numeric_limits<std::int64_t>::max();
    }

    std::size_t aor_count() const { return _aors.size(); }
    std::size_t binding_count() const;
    const aor_map& all() const { return _aors; }
    const registrar_limits& limits() const { return _limits; }
    void set_limits(const registrar_limits& l) { _limits = l; }

    // The dataplane's copy (ipc location table), skipping expired bindings.
    // Returns the earliest expiry it holds (INT64_MAX when none): the dataplane
    // stops using a contact then, so a refresh must be published before it.
    std::int64_t fill(ipc::location_table_builder& b, std::int64_t now) const;

private:
    // One Contact of the request, parsed.
    struct request_contact {
        std::string_view uri;
        std::string params; // without q / expires
        std::int16_t q = 1000;
        std::int64_t expires_param = -1;
        std::string_view instance;
        std::int64_t reg_id = -1;
    };
    // One binding the request leaves, in order: an existing one (index into the
    // AOR's vector, -1: new) and the Contact that sets it (-1: kept as it is).
    struct planned {
        std::int32_t existing;
        std::int32_t contact;
    };
    struct update_values {
        std::string_view call_id;
        std::uint32_t cseq;
        std::string_view path;
        std::string_view user_agent;
        const register_context& ctx;
    };
    bool plan(const std::vector<binding>& current, std::size_t contact_count,
              std::string_view call_id, std::uint32_t cseq, std::int64_t header_expires,
              std::int64_t now, register_outcome& out);
    void update(binding& b, std::int32_t k, const update_values& v, bool& changed, bool& routes);
    std::int64_t expires_of(const request_contact& c, std::int64_t header_expires) const;

    registrar_limits _limits;
    aor_map _aors;
    std::vector<request_contact> _contacts; // reused per request
    std::vector<std::int64_t> _expires;     // per Contact of the request
    std::vector<planned> _plan;             // reused per request
    std::string _path;                      // reused per request
    std::int64_t _next_expiry = std::numeric_limits<std::int64_t>::max();
};

// URI equality for binding identity: scheme and host without case, the rest exact.
bool same_contact_uri(std::string_view a, std::string_view b);

// "user@host" (host lowercased) of a To/From header value; empty when the URI has
// no user part or cannot be parsed. domain receives the host (as written).
std::string aor_of(std::string_view name_addr_value, std::string_view* domain = nullptr);
// The same into out (replaced; its capacity is reused); false when empty.
bool aor_of(std::string_view name_addr_value, std::string& out, std::string_view* domain);

} // namespace sipedge::control::registrar
