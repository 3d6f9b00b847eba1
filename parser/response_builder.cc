#include "parser/response_builder.hh"

#include <cstring>

#include "parser/name_addr.hh"
#include "sip/status_code.hh"

namespace sipedge::parser {

namespace {

class bounded_out {
public:
    bounded_out(char* out, std::size_t cap) : _out(out), _cap(cap) {}
    void put(std::string_view s) {
        if (_w + s.size() > _cap) {
            _overflow = true;
            return;
        }
        if (!s.empty()) {
            std::memcpy(_out + _w, s.data(), s.size());
        }
        _w += s.size();
    }
    void put_number(std::uint32_t n) {
        char d[10];
        std::size_t len = 0;
        do {
            d[len++] = static_cast<char>('0' + n % 10);
            n /= 10;
        } while (n != 0);
        for (std::size_t i = 0; i < len; ++i) {
            put(std::string_view(&d[len - 1 - i], 1));
        }
    }
    void header(std::string_view name, std::string_view value) {
        put(name);
        put(": ");
        put(value);
        put("\r\n");
    }
    bool overflow() const { return _overflow; }
    std::size_t size() const { return _w; }

private:
    char* _out;
    std::size_t _cap;
    std::size_t _w = 0;
    bool _overflow = false;
};

} // namespace

sipedge::result<std::size_t, write_error_code>
build_response(const sip::message_view& request, std::uint16_t code, std::string_view reason,
               std::string_view to_tag, std::span<const extra_header> extra, char* out,
               std::size_t capacity) {
    using sip::header_id;
    for (header_id id :
         {header_id::via, header_id::from, header_id::to, header_id::call_id, header_id::cseq}) {
        if (!request.has(id)) {
            return sipedge::error{write_error_code::bad_position,
                                  "request lacks a header a response must copy"};
        }
    }
    if (!request.is_request() || code < 100 || code > 699) {
        return sipedge::error{write_error_code::bad_position, "not a request or bad status code"};
    }
    bounded_out o(out, capacity);
    o.put("SIP/2.0 ");
    o.put_number(code);
    o.put(" ");
    o.put(reason.empty() ? sip::default_reason(code) : reason);
    o.put("\r\n");
    for (const sip::header_ref h : request.headers(header_id::via)) {
        o.header("Via", h.value);
    }
    o.header("From", request.first(header_id::from).value);
    const std::string_view to = request.first(header_id::to).value;
    o.put("To: ");
    o.put(to);
    // A request whose To cannot be parsed still gets its response (400), unchanged.
    if (!to_tag.empty()) {
        auto na = parse_name_addr(to);
        if (na && !na.value().has_tag) {
            o.put(";tag=");
            o.put(to_tag);
        }
    }
    o.put("\r\n");
    o.header("Call-ID", request.first(header_id::call_id).value);
    o.header("CSeq", request.first(header_id::cseq).value);
    for (const extra_header& e : extra) {
        o.header(e.name, e.value);
    }
    o.put("Content-Length: 0\r\n\r\n");
    if (o.overflow()) {
        return sipedge::error{write_error_code::buffer_too_small, "output buffer too small"};
    }
    return o.size();
}

} // namespace sipedge::parser
