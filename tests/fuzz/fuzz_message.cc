// libFuzzer target: the message parser (padded and unpadded, datagram and stream:
// the same result, and in datagram mode the same index, with padding bytes that look
// like folding), then every value parser on every header it indexed, the writer (identity and
// typical proxy edits, re-parsed) and the response builder. Any crash, sanitizer
// report or broken invariant (abort) is a finding.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "parser/auth.hh"
#include "parser/contact.hh"
#include "parser/cseq.hh"
#include "parser/essentials.hh"
#include "parser/message_parser.hh"
#include "parser/message_writer.hh"
#include "parser/name_addr.hh"
#include "parser/option_tags.hh"
#include "parser/response_builder.hh"
#include "parser/scalar_values.hh"
#include "parser/session_timer.hh"
#include "parser/uri.hh"
#include "parser/via.hh"

namespace {

using namespace sipedge;
using sip::header_id;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

void parse_values(const sip::message_view& m) {
    for (std::size_t i = 0; i < m.header_count(); ++i) {
        const sip::header_ref h = m.header(i);
        sip::value_list_cursor c(h.value);
        std::string_view e;
        switch (h.id) {
        case header_id::via:
            while (c.next(e)) {
                (void)parser::parse_via(e);
            }
            break;
        case header_id::contact:
            while (c.next(e)) {
                auto r = parser::parse_contact(e);
                if (r && !r.value().star) {
                    (void)parser::parse_uri(r.value().addr.uri);
                }
            }
            break;
        case header_id::route:
        case header_id::record_route:
        case header_id::path:
            while (c.next(e)) {
                (void)parser::parse_name_addr(e);
            }
            break;
        case header_id::from:
        case header_id::to: {
            auto r = parser::parse_name_addr(h.value);
            if (r) {
                (void)parser::parse_uri(r.value().uri);
            }
            break;
        }
        case header_id::cseq: (void)parser::parse_cseq(h.value); break;
        case header_id::max_forwards: (void)parser::parse_max_forwards(h.value); break;
        case header_id::content_length: (void)parser::parse_content_length(h.value); break;
        case header_id::expires:
        case header_id::min_expires: (void)parser::parse_expires(h.value); break;
        case header_id::session_expires: (void)parser::parse_session_expires(h.value); break;
        case header_id::min_se: (void)parser::parse_min_se(h.value); break;
        case header_id::retry_after: (void)parser::parse_retry_after(h.value); break;
        case header_id::supported:
        case header_id::require:
        case header_id::proxy_require:
        case header_id::unsupported: (void)parser::validate_option_tags(h.value); break;
        case header_id::authorization:
        case header_id::proxy_authorization: (void)parser::parse_credentials(h.value); break;
        case header_id::www_authenticate:
        case header_id::proxy_authenticate: (void)parser::parse_challenge(h.value); break;
        default: break;
        }
    }
    if (m.is_request()) {
        (void)parser::parse_uri(m.request_uri());
    }
}

// Re-parses writer output: the edits add up to two header lines and a few bytes, so
// the limits are raised to the view's capacity to keep the invariant exact.
const parser::message_parser& reparser() {
    static const parser::message_parser p(
        parser::parser_limits{1u << 20, static_cast<std::uint16_t>(sip::message_view::capacity),
                              1u << 20});
    return p;
}

void exercise_writer(const sip::message_view& m) {
    const parser::message_parser& p = reparser();
    parser::message_writer identity(m);
    std::string out(identity.output_size(), '\0');
    auto n = identity.materialise(out.data(), out.size());
    check(n.ok() && out == m.bytes(), "writer identity");

    parser::message_writer w(m);
    check(w.insert_header_first("Via", "SIP/2.0/UDP fuzz.invalid;branch=z9hG4bKfuzz").ok(),
          "insert via");
    check(w.set_max_forwards(69).ok(), "max-forwards");
    std::string edited(w.output_size() + parser::parser_padding, '\0');
    auto k = w.materialise(edited.data(), edited.size());
    check(k.ok() && k.value() == w.output_size(), "writer size");
    sip::message_view v2;
    const auto r2 = p.parse(std::string_view(edited.data(), k.value()), edited.size(), v2);
    if (m.header_count() + 2 <= sip::message_view::capacity) {
        check(r2.ok(), "edited message parses");
        check(v2.count(header_id::via) == m.count(header_id::via) + 1, "one more Via");
    }

    if (m.is_request() && m.has(header_id::via) && m.has(header_id::from) &&
        m.has(header_id::to) && m.has(header_id::call_id) && m.has(header_id::cseq)) {
        std::vector<char> buf(m.bytes().size() + 512 + parser::parser_padding);
        auto rn = parser::build_response(m, 400, "", "fuzz", {}, buf.data(), buf.size());
        check(rn.ok(), "response fits");
        sip::message_view v3;
        check(p.parse(std::string_view(buf.data(), rn.value()), buf.size(), v3).ok(),
              "response parses");
    }
}

// The index of two parses of the same bytes (padded: the one-pass walk of the
// usual section; unpadded: always the general walk), as offsets from each base.
bool same_index(const sip::message_view& a, const sip::message_view& b) {
    if (a.header_count() != b.header_count() || a.body_offset() != b.body_offset() ||
        a.start_line().size() != b.start_line().size() || a.kind() != b.kind() ||
        a.has_content_length() != b.has_content_length() ||
        a.content_length() != b.content_length()) {
        return false;
    }
    for (std::size_t i = 0; i < a.header_count(); ++i) {
        const sip::header_field& x = a.field(i);
        const sip::header_field& y = b.field(i);
        if (x.name_offset != y.name_offset || x.name_length != y.name_length ||
            x.value_offset != y.value_offset || x.value_length != y.value_length ||
            x.line_end != y.line_end || x.next_same != y.next_same || x.id != y.id ||
            x.folded != y.folded) {
            return false;
        }
    }
    for (std::size_t id = 0; id < sip::header_id_count; ++id) {
        const auto h = static_cast<header_id>(id);
        if (a.first_index(h) != b.first_index(h) || a.count(h) != b.count(h)) {
            return false;
        }
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const parser::message_parser p;
    static auto view = std::make_unique<sip::message_view>();
    // Exact-size heap copy for the unpadded path: ASan sees any over-read.
    std::unique_ptr<char[]> exact(new char[size == 0 ? 1 : size]);
    if (size > 0) {
        std::memcpy(exact.get(), data, size);
    }
    const std::string_view in(exact.get(), size);
    const auto ru = p.parse_unpadded(in, *view, parser::framing::stream);

    std::vector<char> padded(size + parser::parser_padding, '\0');
    if (size > 0) {
        std::memcpy(padded.data(), data, size);
    }
    const std::string_view pin(padded.data(), size);
    const auto rs = p.parse(pin, padded.size(), *view, parser::framing::stream);
    check(rs.status == ru.status && rs.code == ru.code && rs.length == ru.length,
          "padded == unpadded (stream)");

    // Datagram, padded (padding bytes that look like folding) against unpadded.
    static auto general = std::make_unique<sip::message_view>();
    const auto rg = p.parse_unpadded(in, *general, parser::framing::datagram);
    std::memset(padded.data() + size, ' ', parser::parser_padding);
    const auto rw = p.parse(pin, padded.size(), *view, parser::framing::datagram);
    check(rw.status == rg.status && rw.code == rg.code && rw.length == rg.length &&
              rw.error_offset == rg.error_offset,
          "padded == unpadded (datagram)");
    check(!rw.ok() || same_index(*view, *general), "padded index == unpadded index");
    std::memset(padded.data() + size, 0, parser::parser_padding);

    const auto r = p.parse(pin, padded.size(), *view, parser::framing::datagram);
    if (r.ok()) {
        check(r.length <= size, "length within input");
        (void)parser::extract_essentials(*view);
        parse_values(*view);
        exercise_writer(*view);
    } else if (r.status == parser::parse_status::error) {
        check(r.error_offset <= size, "error offset within input");
        check(r.reason != nullptr && r.reason[0] != '\0', "error has a reason");
    }
    return 0;
}
