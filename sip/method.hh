#pragma once
// SIP request methods. Method names are case-sensitive (RFC 3261 section 7.1);
// an extension method is sip_method::extension and is kept by text.

#include <cstdint>
#include <string_view>

namespace sipedge::sip {

enum class sip_method : std::uint8_t {
    extension = 0,
    invite,
    ack,
    bye,
    cancel,
    register_,
    options,
    info,
    prack,
    subscribe,
    notify,
    update,
    message,
    refer,
    publish,
    count_
};

// Exact, case-sensitive match; sip_method::extension for anything else.
sip_method lookup_method(std::string_view text);

// Canonical name; "" for sip_method::extension.
std::string_view method_name(sip_method m);

} // namespace sipedge::sip
