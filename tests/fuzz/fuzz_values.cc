// libFuzzer target: each value parser alone on an exact-size heap copy (so any
// read past the value is an ASan report). The first byte picks the parser. Where a
// parser has a fast path, the fast path's answer must equal the general parser's
// (abort otherwise).

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include "parser/auth.hh"
#include "parser/contact.hh"
#include "parser/cseq.hh"
#include "parser/name_addr.hh"
#include "parser/option_tags.hh"
#include "parser/params.hh"
#include "parser/scalar_values.hh"
#include "parser/session_timer.hh"
#include "parser/uri.hh"
#include "parser/via.hh"
#include "sip/header_id.hh"
#include "sip/header_lookup.hh"
#include "sip/method.hh"
#include "sip/value_list.hh"

using namespace sipedge;

namespace {

void require(bool ok) {
    if (!ok) {
        std::abort();
    }
}

bool same_view(std::string_view a, std::string_view b) {
    return a.data() == b.data() && a.size() == b.size();
}

// parse_name_addr_tag answers only as parse_name_addr does.
void check_tag_fast_path(std::string_view v) {
    std::string_view tag;
    bool has_tag = false;
    if (parser::parse_name_addr_tag(v, tag, has_tag)) {
        auto full = parser::parse_name_addr(v);
        require(full.ok() && same_view(tag, full.value().tag) && has_tag == full.value().has_tag);
    }
}

// parse_via_head_usual answers only as the general top-Via parse does (split the
// list, parse the first element).
void check_via_fast_path(std::string_view v) {
    parser::via fast;
    if (!parser::parse_via_head_usual(v, fast)) {
        return;
    }
    sip::value_list_cursor list(v);
    std::string_view first;
    require(list.next(first));
    parser::via slow;
    require(parser::parse_via(first, slow).ok());
    require(same_view(fast.protocol_name, slow.protocol_name) &&
            same_view(fast.protocol_version, slow.protocol_version) &&
            same_view(fast.transport_text, slow.transport_text) &&
            fast.transport == slow.transport && same_view(fast.host, slow.host) &&
            fast.host_is_ipv6 == slow.host_is_ipv6 && fast.port == slow.port &&
            same_view(fast.branch, slow.branch) && fast.has_branch == slow.has_branch &&
            same_view(fast.received, slow.received) && fast.has_rport == slow.has_rport &&
            fast.rport == slow.rport && same_view(fast.maddr, slow.maddr) &&
            fast.ttl == slow.ttl && same_view(fast.params, slow.params));
}

// The wide header-name lookup (16 readable bytes) equals the plain one.
void check_wide_lookup(std::string_view v) {
    std::unique_ptr<char[]> padded(new char[v.size() + sip::detail::wide_name]());
    std::memcpy(padded.get(), v.data(), v.size());
    require(sip::detail::lookup_header_name_wide(padded.get(), v.size()) ==
            sip::detail::lookup_header_name(v));
}

// simple_param_cursor gives param_cursor's parameters until it declines.
void check_simple_params(std::string_view v) {
    if (v.empty() || v[0] != ';') {
        return;
    }
    for (const bool comma : {false, true}) {
        parser::simple_param_cursor fast(v.data(), 0, v.size(), comma);
        parser::param_cursor slow(v, comma);
        parser::param a;
        parser::param b;
        while (fast.next(a)) {
            require(slow.next(b) && same_view(a.name, b.name) && same_view(a.value, b.value) &&
                    a.has_value == b.has_value);
        }
        if (!fast.unusual()) {
            require(!slow.next(b) && !slow.failed());
            require(fast.position() == v.size() ? slow.rest().empty()
                                                 : slow.rest().data() == v.data() + fast.position());
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::uint8_t which = data[0];
    std::unique_ptr<char[]> copy(new char[size]);
    std::memcpy(copy.get(), data + 1, size - 1);
    const std::string_view v(copy.get(), size - 1);
    switch (which % 18) {
    case 0: {
        auto u = parser::parse_uri(v);
        if (u) {
            char out[512];
            (void)parser::unescape(u.value().user, out, sizeof out);
            (void)parser::count_params(u.value().params);
        }
        break;
    }
    case 1:
        (void)parser::parse_name_addr(v);
        check_tag_fast_path(v);
        break;
    case 2:
        (void)parser::parse_via(v);
        check_via_fast_path(v);
        break;
    case 3: (void)parser::parse_cseq(v); break;
    case 4: (void)parser::parse_max_forwards(v); break;
    case 5: (void)parser::parse_content_length(v); break;
    case 6: (void)parser::parse_expires(v); break;
    case 7: (void)parser::parse_contact(v); break;
    case 8: (void)parser::parse_session_expires(v); break;
    case 9: (void)parser::parse_min_se(v); break;
    case 10: (void)parser::validate_option_tags(v); break;
    case 11: (void)parser::parse_credentials(v); break;
    case 12: (void)parser::parse_challenge(v); break;
    case 13: (void)parser::parse_retry_after(v); break;
    case 14:
        (void)sip::lookup_header_id(v);
        check_wide_lookup(v);
        break;
    case 15: (void)sip::lookup_method(v); break;
    case 16: {
        sip::value_list_cursor c(v);
        std::string_view e;
        while (c.next(e)) {
            (void)parser::parse_name_addr(e);
        }
        break;
    }
    default: {
        parser::param_cursor c(v);
        parser::param p;
        while (c.next(p)) {
            (void)parser::unquote(p.value);
        }
        check_simple_params(v);
        break;
    }
    }
    return 0;
}
