#include "dataplane/transaction/request_builder.hh"

#include "parser/essentials.hh"

#include <cstring>
#include <string_view>

namespace sipedge::txn {

namespace {

class appender {
public:
    appender(char* out, std::size_t cap) : _out(out), _cap(cap) {}
    appender& operator<<(std::string_view s) {
        if (_len + s.size() > _cap) {
            _overflow = true;
            return *this;
        }
        std::memcpy(_out + _len, s.data(), s.size());
        _len += s.size();
        return *this;
    }
    appender& number(std::uint32_t n) {
        char buf[12];
        std::size_t i = sizeof(buf);
        do {
            buf[--i] = static_cast<char>('0' + n % 10);
            n /= 10;
        } while (n != 0);
        return *this << std::string_view(buf + i, sizeof(buf) - i);
    }
    bool overflow() const { return _overflow; }
    std::size_t length() const { return _len; }

private:
    char* _out;
    std::size_t _cap;
    std::size_t _len = 0;
    bool _overflow = false;
};

result<std::size_t, parser::write_error_code> build(const sip::message_view& request,
                                                    const sip::message_view* response,
                                                    std::string_view method, char* out,
                                                    std::size_t capacity) {
    auto ess = parser::extract_essentials(request);
    const auto top_via = request.first_element(sip::header_id::via);
    const auto from = request.first_value(sip::header_id::from);
    const auto to = response ? response->first_value(sip::header_id::to)
                             : request.first_value(sip::header_id::to);
    const auto call_id = request.first_value(sip::header_id::call_id);
    if (!ess || !top_via || !from || !to || !call_id) {
        return error{parser::write_error_code::bad_position, "original request lacks a header"};
    }
    appender a(out, capacity);
    a << method << " " << request.request_uri() << " SIP/2.0\r\n";
    a << "Via: " << *top_via << "\r\n";
    // Route set exactly as in the original request (§9.1, §17.1.1.3).
    for (const sip::header_ref route : request.headers(sip::header_id::route)) {
        a << "Route: " << route.value << "\r\n";
    }
    a << "Max-Forwards: 70\r\n";
    a << "From: " << *from << "\r\n";
    a << "To: " << *to << "\r\n";
    a << "Call-ID: " << *call_id << "\r\n";
    a << "CSeq: ";
    a.number(ess.value().cseq_value.number) << " " << method << "\r\n";
    a << "Content-Length: 0\r\n\r\n";
    if (a.overflow()) {
        return error{parser::write_error_code::buffer_too_small, "request does not fit"};
    }
    return a.length();
}

} // namespace

result<std::size_t, parser::write_error_code> build_ack(const sip::message_view& request,
                                                        const sip::message_view& response,
                                                        char* out, std::size_t capacity) {
    return build(request, &response, "ACK", out, capacity);
}

result<std::size_t, parser::write_error_code> build_cancel(const sip::message_view& request,
                                                           char* out, std::size_t capacity) {
    return build(request, nullptr, "CANCEL", out, capacity);
}

} // namespace sipedge::txn
