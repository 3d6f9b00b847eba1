#include "dataplane/proxy/location.hh"

#include <algorithm>
#include <cstring>

namespace sipedge::proxy {

std::string_view make_aor(std::string_view user, std::string_view host, char* buf,
                          std::size_t capacity) {
    if (user.size() + host.size() + 1 > capacity) {
        return {};
    }
    std::memcpy(buf, user.data(), user.size());
    buf[user.size()] = '@';
    for (std::size_t i = 0; i < host.size(); ++i) {
        const char c = host[i];
        buf[user.size() + 1 + i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    return {buf, user.size() + host.size() + 1};
}

void static_location::add(std::string_view aor, contact_binding binding) {
    const std::size_t at = aor.find('@');
    std::string key(aor);
    if (at != std::string_view::npos) {
        std::transform(key.begin() + static_cast<std::ptrdiff_t>(at), key.end(), key.begin() +
                       static_cast<std::ptrdiff_t>(at), [](char c) {
                           return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
                       });
    }
    binding.uri = _uris.emplace_back(binding.uri);
    _table[key].push_back(binding);
}

std::span<const contact_binding> static_location::find(std::string_view aor) const {
    const auto it = _table.find(aor);
    if (it == _table.end()) {
        return {};
    }
    return it->second;
}

} // namespace sipedge::proxy
