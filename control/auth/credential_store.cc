#include "control/auth/credential_store.hh"

#include <cstring>

namespace sipedge::control::auth {

void credential_store::fill(ipc::credential_table_builder& b) const {
    for (const auto& [key, c] : _users) {
        ipc::credential_input in;
        in.user = key.first;
        in.realm = key.second;
        std::memcpy(in.record.ha1_md5, c.ha1_md5.data(), c.ha1_md5.size());
        std::memcpy(in.record.ha1_sha256, c.ha1_sha256.data(), c.ha1_sha256.size());
        in.record.flags =
            static_cast<std::uint8_t>((c.has_md5 ? ipc::credential_has_md5 : 0) |
                                      (c.has_sha256 ? ipc::credential_has_sha256 : 0));
        b.add(in);
    }
}

} // namespace sipedge::control::auth
