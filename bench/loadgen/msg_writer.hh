#pragma once
// Appends text into a caller-owned fixed buffer, for building SIP messages
// without allocation or printf. Overflow is sticky: once a piece does not fit,
// everything after is ignored and ok() stays false, so a builder checks once at
// the end.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sipedge::loadgen {

class msg_writer {
public:
    msg_writer(char* buffer, std::size_t capacity) : _buf(buffer), _cap(capacity) {}
    // A message of `length` bytes another builder already wrote into buffer.
    static msg_writer wrap(char* buffer, std::size_t length) {
        msg_writer w(buffer, length);
        w._len = length;
        return w;
    }

    msg_writer& str(std::string_view s) {
        if (_ok && s.size() <= _cap - _len) {
            std::memcpy(_buf + _len, s.data(), s.size());
            _len += s.size();
        } else {
            _ok = false;
        }
        return *this;
    }
    msg_writer& dec(std::uint64_t v) {
        char out[20];
        const auto r = std::to_chars(out, out + sizeof out, v);
        return str({out, static_cast<std::size_t>(r.ptr - out)});
    }
    // Fixed width, lower-case, zero-padded: digits nibbles of v.
    msg_writer& hex(std::uint64_t v, unsigned digits) {
        char out[16];
        for (unsigned i = 0; i < digits; ++i) {
            out[digits - 1 - i] = "0123456789abcdef"[(v >> (4 * i)) & 0xf];
        }
        return str({out, digits});
    }
    bool ok() const { return _ok; }
    std::size_t size() const { return _len; }
    char* data() const { return _buf; }
    std::string_view view() const { return {_buf, _len}; }

private:
    char* _buf;
    std::size_t _cap;
    std::size_t _len = 0;
    bool _ok = true;
};

} // namespace sipedge::loadgen
