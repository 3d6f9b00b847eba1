#pragma once
// In-memory HA1 table of control: user@realm → stored_credential. Loaded from the
// location store at start and changed by `sipedgectl users`; published to the
// dataplane as an ipc credential table for INVITE checks on the fast path.

#include "common/ipc/flat_table.hh"
#include "control/auth/digest.hh"

#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace sipedge::control::auth {

class credential_store {
public:
    void put(std::string_view user, std::string_view realm, const stored_credential& c) {
        _users[{std::string(user), std::string(realm)}] = c;
    }
    bool erase(std::string_view user, std::string_view realm) {
        return _users.erase({std::string(user), std::string(realm)}) != 0;
    }
    const stored_credential* find(std::string_view user, std::string_view realm) const {
        const auto it = _users.find(std::pair<std::string_view, std::string_view>(user, realm));
        return it == _users.end() ? nullptr : &it->second;
    }
    credential_lookup lookup() const { return {this, &credential_store::thunk}; }
    std::size_t size() const { return _users.size(); }
    const auto& all() const { return _users; }
    void clear() { _users.clear(); }

    // The dataplane's copy (ipc credential table).
    void fill(ipc::credential_table_builder& b) const;

private:
    static const stored_credential* thunk(const void* self, std::string_view user,
                                          std::string_view realm) {
        return static_cast<const credential_store*>(self)->find(user, realm);
    }
    struct less {
        using is_transparent = void;
        template <typename A, typename B>
        bool operator()(const A& a, const B& b) const {
            return std::pair<std::string_view, std::string_view>(a.first, a.second) <
                   std::pair<std::string_view, std::string_view>(b.first, b.second);
        }
    };
    std::map<std::pair<std::string, std::string>, stored_credential, less> _users;
};

} // namespace sipedge::control::auth
