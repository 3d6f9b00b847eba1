#include "sip/value_list.hh"

namespace sipedge::sip {
namespace {

constexpr bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

} // namespace

std::string_view trim_lws(std::string_view s) {
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && is_lws(s[b])) {
        ++b;
    }
    while (e > b && is_lws(s[e - 1])) {
        --e;
    }
    return s.substr(b, e - b);
}

bool value_list_cursor::next(std::string_view& out) {
    while (!_rest.empty()) {
        bool quoted = false;
        int angle = 0;
        std::size_t i = 0;
        const std::size_t n = _rest.size();
        for (; i < n; ++i) {
            i = find_list_special(_rest.data(), i, n);
            if (i == n) {
                break;
            }
            const char c = _rest[i];
            if (quoted) {
                if (c == '\\' && i + 1 < _rest.size()) {
                    ++i;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '<') {
                ++angle;
            } else if (c == '>' && angle > 0) {
                --angle;
            } else if (c == ',' && angle == 0) {
                break;
            }
        }
        std::string_view element = trim_lws(_rest.substr(0, i));
        _rest = i < _rest.size() ? _rest.substr(i + 1) : std::string_view{};
        if (!element.empty()) {
            out = element;
            return true;
        }
    }
    return false;
}

} // namespace sipedge::sip
