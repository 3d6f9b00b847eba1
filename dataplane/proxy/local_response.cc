#include "dataplane/proxy/local_response.hh"

#include "parser/message_writer.hh"
#include "parser/name_addr.hh"
#include "parser/params.hh"
#include "sip/status_code.hh"

#include <cstring>

namespace sipedge::proxy {

using sip::header_id;

std::string_view received_param(const parser::message_essentials& e, const txn::endpoint& source,
                                char* buf) {
    if (!e.top_via.received.empty()) {
        return {};
    }
    constexpr std::string_view name = ";received=";
    std::memcpy(buf, name.data(), name.size());
    const std::size_t n = txn::format_address(source, buf + name.size());
    const std::string_view addr(buf + name.size(), n);
    if (parser::iequals(e.top_via.host, addr)) {
        return {};
    }
    return {buf, name.size() + n};
}

std::size_t build_local_response(const sip::message_view& request,
                                 const parser::message_essentials* e, const txn::endpoint& source,
                                 std::uint16_t status, std::string_view to_tag,
                                 std::span<const parser::extra_header> extra, char* buf,
                                 std::size_t cap) {
    auto n = parser::build_response(request, status, "", to_tag, extra, buf, cap);
    if (!n) {
        return 0;
    }
    const std::size_t len = n.value();
    char param[64];
    const std::string_view rp =
        e != nullptr ? received_param(*e, source, param) : std::string_view();
    if (rp.empty()) {
        return len; // the usual case: sent-by is the source address
    }
    const auto top = request.first_element(header_id::via);
    const std::size_t line = std::string_view(buf, len).find("\r\nVia: ");
    if (!top || line == std::string_view::npos || len + rp.size() > cap) {
        return len;
    }
    // The response's first Via line holds the request's first Via value verbatim.
    const std::size_t at =
        line + 7 +
        static_cast<std::size_t>(top->data() - request.first(header_id::via).value.data()) +
        top->size();
    std::memmove(buf + at + rp.size(), buf + at, len - at);
    std::memcpy(buf + at, rp.data(), rp.size());
    return len + rp.size();
}

std::size_t skeleton_from_forwarded(const sip::message_view& forwarded, char* buf,
                                    std::size_t cap) {
    auto n = parser::build_response(forwarded, sip::status::trying, "", "", {}, buf, cap);
    if (!n) {
        return 0;
    }
    // build_response copies the Via lines in order: the first one is ours.
    std::string_view out(buf, n.value());
    const std::size_t first = out.find("\r\nVia: ");
    const std::size_t end = first == std::string_view::npos ? first : out.find("\r\n", first + 2);
    if (end == std::string_view::npos) {
        return 0;
    }
    std::memmove(buf + first, buf + end, out.size() - end);
    return out.size() - (end - first);
}

std::size_t relabel_skeleton(const sip::message_view& skeleton, std::uint16_t status,
                             std::string_view to_tag, std::span<const parser::extra_header> extra,
                             char* buf, std::size_t cap) {
    const auto to = skeleton.first_value(header_id::to);
    if (!to || status < 100 || status > 699) {
        return 0;
    }
    parser::message_writer w(skeleton);
    const std::string_view reason = sip::default_reason(status);
    char status_line[16 + 64];
    constexpr std::string_view version = "SIP/2.0 ";
    const std::size_t reason_len = reason.size() < 64 ? reason.size() : 64;
    std::memcpy(status_line, version.data(), version.size());
    status_line[8] = static_cast<char>('0' + status / 100);
    status_line[9] = static_cast<char>('0' + status / 10 % 10);
    status_line[10] = static_cast<char>('0' + status % 10);
    status_line[11] = ' ';
    std::memcpy(status_line + 12, reason.data(), reason_len);
    bool ok = w.replace(0, static_cast<std::uint32_t>(skeleton.start_line().size()),
                        std::string_view(status_line, 12 + reason_len))
                  .ok();
    char tag_param[5 + 64];
    auto na = parser::parse_name_addr(*to);
    if (na && !na.value().has_tag && !to_tag.empty() && to_tag.size() <= 64) {
        std::memcpy(tag_param, ";tag=", 5);
        std::memcpy(tag_param + 5, to_tag.data(), to_tag.size());
        ok = ok && w.insert(skeleton.offset_of(*to) + static_cast<std::uint32_t>(to->size()),
                            std::string_view(tag_param, 5 + to_tag.size()))
                       .ok();
    }
    // Before Content-Length, where build_response puts them.
    const std::uint16_t length_at = skeleton.first_index(header_id::content_length);
    for (const parser::extra_header& h : extra) {
        ok = ok && (length_at != sip::no_header ? w.insert_header_before(length_at, h.name, h.value)
                                                : w.insert_header_last(h.name, h.value))
                       .ok();
    }
    if (!ok) {
        return 0;
    }
    auto n = w.materialise(buf, cap);
    return n ? n.value() : 0;
}

} // namespace sipedge::proxy
