#pragma once
// The location service as the proxy core sees it (§16.5): a read-only lookup from
// an address-of-record ("user@host", host lowercased) to its contacts. The
// registrar (a later issue) will publish snapshots; for now static_location holds a
// table filled at start-up. The proxy calls through a function pointer, so any
// snapshot type can plug in without a virtual interface.

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sipedge::proxy {

// A view: the text lives in the table that returned it (static_location's own
// strings, or the control process's published snapshot) and stays valid while
// the lookup's result is in use (for a snapshot: until the lcore's next pass).
struct contact_binding {
    std::string_view uri; // e.g. "sip:bob@192.0.2.4:5060"
    std::int16_t q = 1000; // thousandths; higher is tried first (§16.6 forking by q)
};

struct location_lookup {
    const void* context = nullptr;
    std::span<const contact_binding> (*fn)(const void* context, std::string_view aor) = nullptr;

    std::span<const contact_binding> operator()(std::string_view aor) const {
        return fn != nullptr ? fn(context, aor) : std::span<const contact_binding>();
    }
};

// In-memory table filled at start-up (static contacts, tests). Owns its text.
class static_location {
public:
    // aor: "user@host"; the host part is lowercased here and at lookup. The
    // binding's uri is copied.
    void add(std::string_view aor, contact_binding binding);
    std::span<const contact_binding> find(std::string_view aor) const;
    location_lookup lookup() const { return {this, &static_location::thunk}; }

private:
    static std::span<const contact_binding> thunk(const void* self, std::string_view aor) {
        return static_cast<const static_location*>(self)->find(aor);
    }
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::vector<contact_binding>, string_hash, std::equal_to<>>
        _table;
    std::deque<std::string> _uris; // what the bindings' views point into (stable addresses)
};

// "user@host" with the host lowercased, into buf (capacity >= user + host + 1);
// returns the view, empty if it does not fit.
std::string_view make_aor(std::string_view user, std::string_view host, char* buf,
                          std::size_t capacity);

} // namespace sipedge::proxy
