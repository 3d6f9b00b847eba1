#include "sip/method.hh"

#include <array>

namespace sipedge::sip {
namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(sip_method::count_)> names = {
    "", "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "INFO",
    "PRACK", "SUBSCRIBE", "NOTIFY", "UPDATE", "MESSAGE", "REFER", "PUBLISH",
};

} // namespace

sip_method lookup_method(std::string_view text) {
    // Dispatch on the first byte, then one exact compare: methods are case-sensitive.
    if (text.empty()) {
        return sip_method::extension;
    }
    auto is = [&](sip_method m) { return text == names[static_cast<std::size_t>(m)]; };
    switch (text[0]) {
    case 'I':
        return is(sip_method::invite) ? sip_method::invite
               : is(sip_method::info) ? sip_method::info
                                      : sip_method::extension;
    case 'A':
        return is(sip_method::ack) ? sip_method::ack : sip_method::extension;
    case 'B':
        return is(sip_method::bye) ? sip_method::bye : sip_method::extension;
    case 'C':
        return is(sip_method::cancel) ? sip_method::cancel : sip_method::extension;
    case 'R':
        return is(sip_method::register_) ? sip_method::register_
               : is(sip_method::refer)   ? sip_method::refer
                                         : sip_method::extension;
    case 'O':
        return is(sip_method::options) ? sip_method::options : sip_method::extension;
    case 'P':
        return is(sip_method::prack)     ? sip_method::prack
               : is(sip_method::publish) ? sip_method::publish
                                         : sip_method::extension;
    case 'S':
        return is(sip_method::subscribe) ? sip_method::subscribe : sip_method::extension;
    case 'N':
        return is(sip_method::notify) ? sip_method::notify : sip_method::extension;
    case 'U':
        return is(sip_method::update) ? sip_method::update : sip_method::extension;
    case 'M':
        return is(sip_method::message) ? sip_method::message : sip_method::extension;
    default:
        return sip_method::extension;
    }
}

std::string_view method_name(sip_method m) {
    const auto i = static_cast<std::size_t>(m);
    return i < names.size() ? names[i] : std::string_view{};
}

} // namespace sipedge::sip
