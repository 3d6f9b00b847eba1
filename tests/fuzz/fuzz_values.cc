// libFuzzer target: each value parser alone on an exact-size heap copy (so any
// read past the value is an ASan report). The first byte picks the parser.

#include <cstdint>
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
#include "sip/method.hh"
#include "sip/value_list.hh"

using namespace sipedge;

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
    case 1: (void)parser::parse_name_addr(v); break;
    case 2: (void)parser::parse_via(v); break;
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
    case 14: (void)sip::lookup_header_id(v); break;
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
        break;
    }
    }
    return 0;
}
