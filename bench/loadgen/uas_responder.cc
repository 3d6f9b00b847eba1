#include "bench/loadgen/uas_responder.hh"

#include "bench/loadgen/routing.hh"
#include "common/ipc/digest_check.hh"
#include "parser/auth.hh"
#include "parser/cseq.hh"
#include "parser/params.hh"
#include "parser/response_builder.hh"

#include <charconv>

namespace sipedge::loadgen {

namespace digest = ipc::digest;

namespace {

constexpr std::size_t response_capacity = 4096;

std::uint64_t splitmix(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

} // namespace

uas_responder::uas_responder(const engine_config& cfg, stats_block& stats, send_fn send,
                             void* user, std::uint64_t seed)
    : _cfg(cfg), _stats(stats), _send{stats, send, user},
      _password(cfg.uas_password.empty() ? cfg.password : cfg.uas_password),
      _nc(std::make_unique<nc_record[]>(cfg.users)),
      _buffer(std::make_unique<char[]>(response_capacity)), _rng(seed ^ 0x5eed) {
    char secret[32];
    msg_writer w(secret, sizeof secret);
    w.hex(splitmix(_rng), 16).hex(splitmix(_rng), 16);
    _secret.assign(secret, sizeof secret);
}

std::uint32_t uas_responder::user_index(std::string_view username) const {
    if (!username.starts_with(_cfg.user_prefix)) {
        return _cfg.users;
    }
    username.remove_prefix(_cfg.user_prefix.size());
    std::uint32_t k = 0;
    const auto [end, ec] = std::from_chars(username.data(), username.data() + username.size(), k);
    if (ec != std::errc() || end != username.data() + username.size() || k >= _cfg.users) {
        return _cfg.users;
    }
    return k;
}

void uas_responder::on_request(const sip::message_view& msg, std::string_view top_via,
                               std::uint32_t src_ip, std::uint16_t src_port, std::int64_t now_s) {
    std::uint32_t ip;
    std::uint16_t port;
    response_destination(top_via, src_ip, src_port, ip, port);
    switch (msg.method_id()) {
    case sip::sip_method::register_:
        if (_cfg.kind != scenario::register_) {
            break;
        }
        answer_register(msg, ip, port, now_s);
        return;
    case sip::sip_method::options:
        respond(msg, 200, "Allow", "REGISTER, OPTIONS", ip, port);
        _stats.add(stat_id::uas_options_answered);
        return;
    default:
        break;
    }
    _stats.add(stat_id::unexpected);
}

void uas_responder::answer_register(const sip::message_view& msg, std::uint32_t ip,
                                    std::uint16_t port, std::int64_t now_s) {
    bool stale = false, repeat = false;
    const unsigned status = check_credentials(msg, now_s, stale, repeat);
    if (status == 401) {
        challenge(msg, ip, port, now_s, stale);
        return;
    }
    if (status != 0) {
        respond(msg, status, {}, {}, ip, port);
        return;
    }
    // 200 with the binding: the request's Contact and its expiry.
    char contact[512];
    msg_writer w(contact, sizeof contact);
    w.str(msg.first_value(sip::header_id::contact).value_or(""));
    w.str(";expires=").str(msg.first_value(sip::header_id::expires).value_or("3600"));
    respond(msg, 200, "Contact", w.ok() ? w.view() : std::string_view{}, ip, port,
            repeat ? stat_id::retrans_sent : no_stat);
    _stats.add(repeat ? stat_id::retrans_received : stat_id::uas_registered);
}

unsigned uas_responder::check_credentials(const sip::message_view& msg, std::int64_t now_s,
                                          bool& stale, bool& repeat) {
    const auto value = msg.first_value(sip::header_id::authorization);
    if (!value) {
        return 401; // the first REGISTER of a registration
    }
    const auto parsed = parser::parse_credentials(*value);
    if (!parsed.ok() || !parsed.value().is_digest) {
        _stats.add(stat_id::uas_auth_refused);
        return 400;
    }
    const parser::auth_params& c = parsed.value();
    digest::algorithm alg = digest::algorithm::md5;
    if (parser::iequals(c.algorithm, "SHA-256")) {
        alg = digest::algorithm::sha256;
    } else if (!c.algorithm.empty() && !parser::iequals(c.algorithm, "MD5")) {
        _stats.add(stat_id::uas_auth_refused);
        return 401;
    }
    const std::uint32_t k = user_index(c.username);
    if (k == _cfg.users || c.realm != _cfg.domain || c.qop != "auth" || c.nc.size() != 8 ||
        c.cnonce.empty()) {
        _stats.add(stat_id::uas_auth_refused);
        return 401;
    }
    if (c.uri != msg.request_uri()) {
        _stats.add(stat_id::uas_auth_refused);
        return 400;
    }
    switch (digest::check_nonce(_secret, _cfg.domain, c.nonce, now_s, _cfg.uas_nonce_lifetime_s)) {
    case digest::nonce_state::valid:
        break;
    case digest::nonce_state::stale:
        stale = true;
        return 401;
    case digest::nonce_state::invalid:
        _stats.add(stat_id::uas_auth_refused);
        return 401;
    }
    ipc::credential_record cred{};
    if (alg == digest::algorithm::md5) {
        digest::ha1(alg, c.username, c.realm, _password, cred.ha1_md5);
        cred.flags = ipc::credential_has_md5;
    } else {
        digest::ha1(alg, c.username, c.realm, _password, cred.ha1_sha256);
        cred.flags = ipc::credential_has_sha256;
    }
    if (!digest::verify(alg, cred, msg.method(), c.uri, c.nonce, c.nc, c.cnonce, c.qop,
                        c.response)) {
        _stats.add(stat_id::uas_auth_refused);
        return 401;
    }
    // Nonce-count: above every one accepted before on this nonce (the nonce's
    // salt, hex characters 16..31, names it among this user's nonces).
    std::uint64_t salt = 0;
    std::uint32_t nc = 0;
    (void)std::from_chars(c.nonce.data() + 16, c.nonce.data() + 32, salt, 16);
    (void)std::from_chars(c.nc.data(), c.nc.data() + 8, nc, 16);
    nc_record& r = _nc[k];
    const auto cseq = parser::parse_cseq(msg.first_value(sip::header_id::cseq).value_or(""));
    const std::uint32_t cseq_number = cseq ? cseq.value().number : 0;
    if (r.nonce_salt == salt && nc == r.nc && cseq_number == r.ok_cseq) {
        repeat = true;
        return 0;
    }
    if (r.nonce_salt == salt && nc <= r.nc) {
        _stats.add(stat_id::uas_auth_refused);
        return 401;
    }
    r.nonce_salt = salt;
    r.nc = nc;
    r.ok_cseq = cseq_number;
    return 0;
}

void uas_responder::challenge(const sip::message_view& msg, std::uint32_t ip, std::uint16_t port,
                              std::int64_t now_s, bool stale) {
    char nonce[digest::nonce_length];
    digest::mint_nonce(_secret, _cfg.domain, now_s, splitmix(_rng), nonce);
    char value[256];
    msg_writer w(value, sizeof value);
    w.str("Digest realm=\"").str(_cfg.domain).str("\", nonce=\"").str({nonce, sizeof nonce});
    w.str(_cfg.uas_algorithm == digest_alg::md5 ? "\", qop=\"auth\", algorithm=MD5"
                                                : "\", qop=\"auth\", algorithm=SHA-256");
    if (stale) {
        w.str(", stale=true");
    }
    respond(msg, 401, "WWW-Authenticate", w.view(), ip, port);
    _stats.add(stat_id::uas_challenges);
}

void uas_responder::respond(const sip::message_view& msg, unsigned code,
                            std::string_view extra_name, std::string_view extra_value,
                            std::uint32_t ip, std::uint16_t port, stat_id retransmission) {
    const parser::extra_header extra[] = {{extra_name, extra_value}};
    const auto built = parser::build_response(
        msg, static_cast<std::uint16_t>(code), {}, "lguas",
        std::span<const parser::extra_header>(extra, extra_name.empty() ? 0 : 1), _buffer.get(),
        response_capacity);
    if (!built.ok()) {
        _stats.add(stat_id::send_errors);
        return;
    }
    _send(msg_writer::wrap(_buffer.get(), built.value()), side::uas, ip, port, false,
          retransmission);
}

} // namespace sipedge::loadgen
