#include "dataplane/proxy/session_timer_policy.hh"

#include "parser/option_tags.hh"
#include "parser/scalar_values.hh"

#include <algorithm>
#include <cstdio>

namespace sipedge::proxy {

using sip::header_id;

namespace {

std::string_view refresher_param(parser::refresher r) {
    switch (r) {
    case parser::refresher::uac:
        return ";refresher=uac";
    case parser::refresher::uas:
        return ";refresher=uas";
    default:
        return "";
    }
}

// "N[;refresher=x]" into buf (48 bytes is ample: 10 digits + 14).
std::string_view format_se(char* buf, std::size_t cap, std::uint32_t n, parser::refresher r) {
    const std::string_view p = refresher_param(r);
    const int len = std::snprintf(buf, cap, "%u%.*s", n, static_cast<int>(p.size()), p.data());
    return {buf, static_cast<std::size_t>(len)};
}

parser::write_status set_or_insert(parser::message_writer& w, const sip::message_view& msg,
                                   header_id id, std::string_view name, std::string_view value) {
    const std::uint16_t i = msg.first_index(id);
    return i != sip::no_header ? w.replace_value(i, value) : w.insert_header_last(name, value);
}

} // namespace

timer_headers read_timer_headers(const sip::message_view& msg) {
    timer_headers h;
    if (const auto v = msg.first_value(header_id::session_expires)) {
        auto se = parser::parse_session_expires(*v);
        if (se) {
            h.has_se = true;
            h.se = se.value().delta;
            h.refresher = se.value().who;
        } else {
            h.malformed = true;
        }
    }
    if (const auto v = msg.first_value(header_id::min_se)) {
        auto m = parser::parse_min_se(*v);
        if (m) {
            h.has_min_se = true;
            h.min_se = m.value().delta;
        } else {
            h.malformed = true;
        }
    }
    h.requires_timer = parser::has_option_tag(msg, header_id::require, "timer");
    h.supports_timer =
        h.requires_timer || parser::has_option_tag(msg, header_id::supported, "timer");
    return h;
}

request_decision decide_request(const timer_headers& req, const session_timer_config& config) {
    request_decision d;
    if (req.malformed) {
        d.reject_bad = true;
        return d;
    }
    d.uac_supports = req.supports_timer;
    d.refresher = req.refresher;
    if (req.has_se) {
        d.se = req.se;
        if (req.se < config.min_se) {
            if (req.supports_timer) {
                d.reject_422 = true; // the UAC understands 422 and retries (§7.4)
                return d;
            }
            // Never a 422 the UAC cannot understand: raise it instead.
            d.se = config.min_se;
            d.write_se = true;
        }
    } else if (config.insert_when_absent) {
        // Not below anyone's minimum seen so far (§8.1).
        d.se = std::max({config.session_expires, config.min_se, req.has_min_se ? req.min_se : 0u});
        d.write_se = true;
        d.refresher = parser::refresher::none;
    }
    // Min-SE carries the largest minimum of the path (§8.1).
    if (req.has_min_se && req.min_se < config.min_se) {
        d.min_se = config.min_se;
        d.write_min_se = true;
    } else if (!req.has_min_se && d.se != 0 && config.min_se > session_timer_config::rfc_min_se) {
        d.min_se = config.min_se;
        d.write_min_se = true;
    }
    return d;
}

parser::refresher table_refresher(bool uac_supports, parser::refresher in_request) {
    if (!uac_supports || in_request == parser::refresher::none) {
        return parser::refresher::uas;
    }
    return in_request;
}

response_decision decide_response(const request_decision& req, const timer_headers& resp) {
    response_decision d;
    if (resp.malformed) {
        return d; // passed on as it is; no timer the proxy could trust
    }
    if (resp.has_se) {
        d.interval = resp.se;
        d.refresher = resp.refresher;
        if (d.refresher == parser::refresher::none) {
            d.refresher = table_refresher(req.uac_supports, req.refresher);
            d.write_se = true;
        } else if (d.refresher == parser::refresher::uac && !req.uac_supports) {
            // A UAC without the extension never refreshes: the call would die.
            d.refresher = parser::refresher::uas;
            d.write_se = true;
        }
        return d;
    }
    if (req.se != 0 && req.uac_supports) {
        // §8.2: the UAS does not support timers; the UAC does and refreshes.
        d.interval = req.se;
        d.refresher = parser::refresher::uac;
        d.write_se = true;
        d.add_require = !resp.requires_timer;
    }
    return d;
}

parser::write_status apply_request(parser::message_writer& w, const sip::message_view& msg,
                                   const timer_headers& h, const request_decision& d,
                                   timer_scratch& scratch) {
    parser::write_status s{};
    if (d.write_se) {
        const std::string_view se =
            format_se(scratch.data(), 48, d.se, h.has_se ? d.refresher : parser::refresher::none);
        s = set_or_insert(w, msg, header_id::session_expires, "Session-Expires", se);
        if (!s.ok()) {
            return s;
        }
    }
    if (d.write_min_se) {
        const std::string_view m =
            format_se(scratch.data() + 48, 48, d.min_se, parser::refresher::none);
        s = set_or_insert(w, msg, header_id::min_se, "Min-SE", m);
    }
    return s;
}

parser::write_status apply_response(parser::message_writer& w, const sip::message_view& msg,
                                    const response_decision& d, timer_scratch& scratch) {
    parser::write_status s{};
    if (d.write_se) {
        const std::string_view se = format_se(scratch.data(), 48, d.interval, d.refresher);
        s = set_or_insert(w, msg, header_id::session_expires, "Session-Expires", se);
        if (!s.ok()) {
            return s;
        }
    }
    if (d.add_require) {
        s = w.insert_header_last("Require", "timer");
    }
    return s;
}

} // namespace sipedge::proxy
