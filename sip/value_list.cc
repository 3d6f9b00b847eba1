#include "sip/value_list.hh"

#include "common/byte_vec.hh"

#include <array>
#include <bit>

namespace sipedge::sip {
namespace {

constexpr bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Bytes the splitter must look at; everything else is skipped in a tight loop.
constexpr std::array<bool, 256> build_special() {
    std::array<bool, 256> t{};
    for (unsigned char c : {'"', '<', '>', ',', '\\'}) {
        t[c] = true;
    }
    return t;
}
constexpr std::array<bool, 256> special = build_special();

// The first special byte at or after i (n when none): 16 bytes at a time while 16
// remain inside the value -- a Via or a name-addr is mostly plain text -- then
// byte by byte. Never reads past p + n.
std::size_t skip_plain(const char* p, std::size_t i, std::size_t n) {
    using namespace vec;
    for (; i + vec_bytes <= n; i += vec_bytes) {
        const byte_vec x = load_vec(p + i);
        const std::uint32_t hits = vec_bits(reinterpret_cast<byte_vec>(
            (x == '"') | (x == '<') | (x == '>') | (x == ',') | (x == '\\')));
        if (hits != 0) {
            return i + static_cast<std::size_t>(std::countr_zero(hits));
        }
    }
    while (i < n && !special[static_cast<unsigned char>(p[i])]) {
        ++i;
    }
    return i;
}

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
            i = skip_plain(_rest.data(), i, n);
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
