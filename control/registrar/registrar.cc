#include "control/registrar/registrar.hh"

#include "parser/contact.hh"
#include "parser/cseq.hh"
#include "parser/name_addr.hh"
#include "parser/params.hh"
#include "parser/scalar_values.hh"
#include "parser/uri.hh"

#include <algorithm>
#include <limits>

namespace sipedge::control::registrar {

namespace {

using sip::header_id;

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool iequal(std::string_view a, std::string_view b) {
    return parser::iequals(a, b);
}

// The Contact parameters other than q and expires into out (replaced), as written.
void strip_q_expires(std::string_view params, std::string_view& instance, std::int64_t& reg_id,
                     std::string& out) {
    out.clear();
    parser::param_cursor cur(params);
    parser::param p;
    while (cur.next(p)) {
        if (iequal(p.name, "q") || iequal(p.name, "expires")) {
            continue;
        }
        if (iequal(p.name, "+sip.instance") && p.has_value) {
            instance = p.value;
        } else if (iequal(p.name, "reg-id") && p.has_value) {
            std::int64_t v = 0;
            bool ok = !p.value.empty() && p.value.size() <= 9;
            for (const char c : p.value) {
                ok = ok && c >= '0' && c <= '9';
                v = v * 10 + (c - '0');
            }
            reg_id = ok ? v : -1;
        }
        if (!out.empty()) {
            out += ';';
        }
        out.append(p.name);
        if (p.has_value) {
            out += '=';
            out.append(p.value);
        }
    }
}

// b and c name the same binding: by instance and reg-id when both have them (RFC
// 5626), else by Contact URI.
template <typename A, typename B>
bool same_identity(const A& b, const B& c) {
    if (!c.instance.empty() && c.reg_id >= 0 && !b.instance.empty() && b.reg_id >= 0) {
        return b.instance == c.instance && b.reg_id == c.reg_id;
    }
    return same_contact_uri(b.uri, c.uri);
}

// Sets dst to v, noting whether it differed.
template <typename T, typename V>
void set_noting(T& dst, const V& v, bool& differed) {
    if (!(dst == v)) {
        dst = v;
        differed = true;
    }
}

// The same contacts in the same order as far as the published location table
// goes (registrar::fill): expiry aside, which a refresh moves.
bool same_routes(const std::vector<binding>& a, const std::vector<binding>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].uri != b[i].uri || a[i].q != b[i].q || a[i].path != b[i].path ||
            !(a[i].received == b[i].received) || a[i].transport != b[i].transport) {
            return false;
        }
    }
    return true;
}

} // namespace

bool same_contact_uri(std::string_view a, std::string_view b) {
    if (a == b) {
        return true;
    }
    const auto pa = parser::parse_uri(a);
    const auto pb = parser::parse_uri(b);
    if (!pa.ok() || !pb.ok()) {
        return false;
    }
    const parser::uri& x = pa.value();
    const parser::uri& y = pb.value();
    if (x.scheme == parser::uri_scheme::other || y.scheme == parser::uri_scheme::other) {
        return iequal(x.scheme_text, y.scheme_text) && x.opaque == y.opaque;
    }
    return x.scheme == y.scheme && x.user == y.user && x.password == y.password &&
           iequal(x.host, y.host) && x.port == y.port && x.params == y.params &&
           x.headers == y.headers;
}

std::string aor_of(std::string_view value, std::string_view* domain) {
    std::string out;
    aor_of(value, out, domain);
    return out;
}

bool aor_of(std::string_view value, std::string& out, std::string_view* domain) {
    out.clear();
    const auto na = parser::parse_name_addr(value);
    if (!na.ok()) {
        return false;
    }
    const auto u = parser::parse_uri(na.value().uri);
    if (!u.ok() ||
        (u.value().scheme != parser::uri_scheme::sip &&
         u.value().scheme != parser::uri_scheme::sips) ||
        !u.value().has_user || u.value().user.empty() || u.value().host.empty()) {
        return false;
    }
    if (domain != nullptr) {
        *domain = u.value().host;
    }
    out.reserve(u.value().user.size() + 1 + u.value().host.size());
    out.append(u.value().user);
    out += '@';
    for (const char c : u.value().host) {
        out += lower(c);
    }
    return true;
}

register_outcome registrar::apply(std::string_view aor, const sip::message_view& req,
                                  const register_context& ctx) {
    register_outcome out;
    const auto call_id = req.first_value(header_id::call_id);
    const auto cseq_text = req.first_value(header_id::cseq);
    if (!call_id || !cseq_text || call_id->empty()) {
        out.status = 400;
        out.reason = "Missing Call-ID or CSeq";
        return out;
    }
    const auto cseq = parser::parse_cseq(*cseq_text);
    if (!cseq.ok()) {
        out.status = 400;
        out.reason = "Bad CSeq";
        return out;
    }
    std::int64_t header_expires = -1;
    if (const auto e = req.first_value(header_id::expires)) {
        const auto v = parser::parse_expires(*e);
        if (!v.ok()) {
            out.status = 400;
            out.reason = "Bad Expires";
            return out;
        }
        header_expires = v.value();
    }

    // Parse every Contact first: the request is applied all or nothing. The
    // vector and its params strings are reused from request to request.
    std::vector<request_contact>& contacts = _contacts;
    std::size_t contact_count = 0;
    bool star = false;
    auto cursor = req.values(header_id::contact);
    std::string_view element;
    while (cursor.next(element)) {
        const auto c = parser::parse_contact(element);
        if (!c.ok()) {
            out.status = 400;
            out.reason = "Bad Contact";
            return out;
        }
        if (contact_count == contacts.size()) {
            contacts.emplace_back();
        }
        request_contact& rc = contacts[contact_count++];
        rc.uri = {};
        rc.params.clear();
        rc.q = 1000;
        rc.expires_param = -1;
        rc.instance = {};
        rc.reg_id = -1;
        if (c.value().star) {
            star = true;
            continue;
        }
        rc.uri = c.value().addr.uri;
        rc.q = c.value().q < 0 ? 1000 : c.value().q;
        rc.expires_param = c.value().expires;
        strip_q_expires(c.value().addr.params, rc.instance, rc.reg_id, rc.params);
    }

    const auto found = _aors.find(aor);
    std::vector<binding>* current = found == _aors.end() ? nullptr : &found->second;
    if (contact_count == 0) { // a query (§10.2.3)
        out.status = 200;
        if (current != nullptr) {
            // Live bindings only: an expired binding is gone whether or not the timer ran.
            out.changed = std::erase_if(*current, [&](const binding& b) {
                              return b.expires_at <= ctx.now;
                          }) != 0;
            out.routes_changed = out.changed;
            if (current->empty()) {
                _aors.erase(found);
            } else {
                out.bindings = *current;
            }
        }
        return out;
    }
    if (star) {
        if (contact_count != 1 || header_expires != 0) {
            out.status = 400;
            out.reason = "Invalid Contact *";
            return out;
        }
        if (current != nullptr) {
            for (const binding& b : *current) {
                if (b.expires_at > ctx.now && b.call_id == *call_id &&
                    cseq.value().number <= b.cseq) {
                    out.status = 500;
                    out.reason = "Out Of Order CSeq";
                    return out;
                }
            }
        }
        out.status = 200;
        out.changed = current != nullptr;
        out.routes_changed = out.changed;
        if (current != nullptr) {
            _aors.erase(found);
        }
        return out;
    }
    static const std::vector<binding> none;
    if (!plan(current != nullptr ? *current : none, contact_count, *call_id, cseq.value().number,
              header_expires, ctx.now, out)) {
        return out; // 423, 500 or 403: nothing changed
    }

    _path.clear();
    auto paths = req.values(header_id::path);
    std::string_view p;
    while (paths.next(p)) {
        if (!_path.empty()) {
            _path += ',';
        }
        _path.append(p);
    }
    const update_values v{*call_id, cseq.value().number, _path,
                          req.first_value(header_id::user_agent).value_or(""), ctx};
    out.status = 200;
    // The bindings keep their places (no expired one, none removed, none new): the
    // usual refresh, changed where they are.
    bool in_place = current != nullptr && _plan.size() == current->size();
    for (std::size_t j = 0; in_place && j < _plan.size(); ++j) {
        in_place = _plan[j].existing == static_cast<std::int32_t>(j);
    }
    if (in_place) {
        for (const planned& e : _plan) {
            if (e.contact >= 0) {
                update((*current)[static_cast<std::size_t>(e.existing)], e.contact, v, out.changed,
                       out.routes_changed);
            }
        }
        out.changed = out.changed || out.routes_changed;
        out.bindings = *current;
        return out;
    }
    std::vector<binding> next;
    next.reserve(_plan.size());
    bool ignored = false;
    for (const planned& e : _plan) {
        next.push_back(e.existing >= 0 ? (*current)[static_cast<std::size_t>(e.existing)]
                                       : binding{});
        if (e.contact >= 0) {
            update(next.back(), e.contact, v, ignored, ignored);
        }
    }
    if (next.empty()) {
        out.changed = current != nullptr;
        out.routes_changed = out.changed;
        if (current != nullptr) {
            _aors.erase(found);
        }
        return out;
    }
    out.changed = current == nullptr || *current != next;
    out.routes_changed = current == nullptr || !same_routes(*current, next);
    if (current != nullptr) {
        *current = std::move(next);
        out.bindings = *current;
    } else {
        out.bindings = _aors.emplace(std::string(aor), std::move(next)).first->second;
    }
    return out;
}

// The request's Contacts applied in order to the live bindings, on paper (_plan):
// every check made, nothing changed. An answer other than 200 goes into out.
bool registrar::plan(const std::vector<binding>& current, std::size_t contact_count,
                     std::string_view call_id, std::uint32_t cseq, std::int64_t header_expires,
                     std::int64_t now, register_outcome& out) {
    _plan.clear();
    for (std::size_t i = 0; i < current.size(); ++i) {
        if (current[i].expires_at > now) {
            _plan.push_back({static_cast<std::int32_t>(i), -1});
        }
    }
    _expires.resize(contact_count);
    for (std::size_t k = 0; k < contact_count; ++k) {
        const request_contact& c = _contacts[k];
        _expires[k] = expires_of(c, header_expires);
        if (_expires[k] < 0) {
            out.status = 423;
            out.min_expires = _limits.min_expires;
            return false;
        }
        // A binding this request already named has that Contact's identity now.
        std::size_t j = 0;
        while (j < _plan.size() &&
               !(_plan[j].contact >= 0
                     ? same_identity(_contacts[static_cast<std::size_t>(_plan[j].contact)], c)
                     : same_identity(current[static_cast<std::size_t>(_plan[j].existing)], c))) {
            ++j;
        }
        if (j < _plan.size() && _plan[j].contact < 0) {
            const binding& b = current[static_cast<std::size_t>(_plan[j].existing)];
            if (b.call_id == call_id && cseq <= b.cseq) {
                out.status = 500;
                out.reason = "Out Of Order CSeq";
                return false;
            }
        }
        if (_expires[k] == 0) {
            if (j < _plan.size()) {
                _plan.erase(_plan.begin() + static_cast<std::ptrdiff_t>(j));
            }
            continue;
        }
        if (j == _plan.size()) {
            _plan.push_back({-1, -1});
        }
        _plan[j].contact = static_cast<std::int32_t>(k);
    }
    if (_plan.size() > _limits.max_contacts) {
        out.status = 403;
        out.reason = "Too Many Contacts";
        return false;
    }
    return true;
}

// Contact k of the request written into b; what differed noted as a route change
// (what the dataplane routes on) or another change.
void registrar::update(binding& b, std::int32_t k, const update_values& v, bool& changed,
                       bool& routes) {
    const request_contact& c = _contacts[static_cast<std::size_t>(k)];
    set_noting(b.uri, c.uri, routes);
    set_noting(b.q, c.q, routes);
    set_noting(b.path, v.path, routes);
    set_noting(b.received, v.ctx.source, routes);
    set_noting(b.transport, v.ctx.transport, routes);
    set_noting(b.params, c.params, changed);
    set_noting(b.call_id, v.call_id, changed);
    set_noting(b.cseq, v.cseq, changed);
    set_noting(b.expires_at, v.ctx.now + _expires[static_cast<std::size_t>(k)], changed);
    set_noting(b.instance, c.instance, changed);
    set_noting(b.reg_id, c.reg_id, changed);
    set_noting(b.user_agent, v.user_agent, changed);
    set_noting(b.updated_at, v.ctx.now, changed);
    _next_expiry = std::min(_next_expiry, b.expires_at);
}

// The expiry a Contact asks for, limited: its expires parameter, else the Expires
// header, else the default; at most max_expires; 0 removes. -1: below min_expires
// (423).
std::int64_t registrar::expires_of(const request_contact& c, std::int64_t header_expires) const {
    const std::int64_t expires = c.expires_param >= 0  ? c.expires_param
                                 : header_expires >= 0 ? header_expires
                                                       : _limits.default_expires;
    if (expires != 0 && expires < _limits.min_expires) {
        return -1;
    }
    return std::min<std::int64_t>(expires, _limits.max_expires);
}

std::span<const binding> registrar::bindings(std::string_view aor) const {
    const auto it = _aors.find(aor);
    return it == _aors.end() ? std::span<const binding>() : std::span<const binding>(it->second);
}

std::vector<std::string> registrar::expire(std::int64_t now) {
    std::vector<std::string> changed;
    _next_expiry = std::numeric_limits<std::int64_t>::max();
    for (auto it = _aors.begin(); it != _aors.end();) {
        auto& v = it->second;
        const auto before = v.size();
        std::erase_if(v, [now](const binding& b) { return b.expires_at <= now; });
        if (v.size() != before) {
            changed.push_back(it->first);
        }
        for (const binding& b : v) {
            _next_expiry = std::min(_next_expiry, b.expires_at);
        }
        it = v.empty() ? _aors.erase(it) : std::next(it);
    }
    return changed;
}

void registrar::load(std::string_view aor, std::vector<binding> bindings) {
    if (bindings.empty()) {
        _aors.erase(ipc::normalize_aor(aor));
        return;
    }
    for (const binding& b : bindings) {
        _next_expiry = std::min(_next_expiry, b.expires_at);
    }
    _aors[ipc::normalize_aor(aor)] = std::move(bindings);
}

std::size_t registrar::binding_count() const {
    std::size_t n = 0;
    for (const auto& [aor, v] : _aors) {
        n += v.size();
    }
    return n;
}

std::int64_t registrar::fill(ipc::location_table_builder& b, std::int64_t now) const {
    std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
    std::vector<ipc::contact_input> cs;
    for (const auto& [aor, v] : _aors) {
        cs.clear();
        for (const binding& x : v) {
            if (x.expires_at <= now) {
                continue;
            }
            ipc::contact_input c;
            c.uri = x.uri;
            c.q = x.q;
            c.path = x.path;
            c.expires_at = x.expires_at;
            c.received = x.received;
            c.transport = x.transport;
            earliest = std::min(earliest, x.expires_at);
            cs.push_back(std::move(c));
        }
        if (!cs.empty()) {
            // Highest q first: the order the proxy forks in (§16.6).
            std::stable_sort(cs.begin(), cs.end(),
                             [](const auto& a, const auto& b2) { return a.q > b2.q; });
            b.add(aor, cs);
        }
    }
    return earliest;
}

} // namespace sipedge::control::registrar
