#include "dataplane/transaction/transaction_key.hh"

#include "dataplane/transaction/hash.hh"

namespace sipedge::txn {

namespace {

constexpr std::uint64_t second_seed = 0x6a09e667f3bcc909ull;

// Host names compare case-insensitively (§19.1.4): hash a lowercased copy.
std::uint64_t host_word(std::string_view host, std::uint64_t seed) {
    hasher h(seed);
    char buf[64];
    while (!host.empty()) {
        const std::size_t n = host.size() < sizeof(buf) ? host.size() : sizeof(buf);
        for (std::size_t i = 0; i < n; ++i) {
            const char c = host[i];
            buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
        }
        h.add(std::string_view(buf, n));
        host.remove_prefix(n);
    }
    return h.value();
}

template <typename Fn>
txn_key two_hashes(std::uint64_t seed, Fn&& fill) {
    hasher a(seed);
    hasher b(seed ^ second_seed);
    fill(a, seed);
    fill(b, seed ^ second_seed);
    return {a.value(), b.value()};
}

} // namespace

std::string_view match_method(const sip::message_view& msg) {
    if (msg.method_id() == sip::sip_method::ack) {
        return "INVITE";
    }
    return msg.method();
}

txn_key key_maker::server_key(const sip::message_view& msg, const parser::message_essentials& e) const {
    return server_key(msg, e, match_method(msg));
}

txn_key key_maker::server_key(const sip::message_view& msg, const parser::message_essentials& e,
                              std::string_view as_method) const {
    const parser::via& v = e.top_via;
    if (v.rfc3261_branch()) {
        // §17.2.3: branch, sent-by (host and port) and method.
        return two_hashes(_seed, [&](hasher& h, std::uint64_t s) {
            h.add(std::string_view("3261"))
                .add(v.branch)
                .add(host_word(v.host, s))
                .add(std::uint64_t{v.port})
                .add(as_method);
        });
    }
    // RFC 2543 (§17.2.3 last paragraphs): Request-URI, tags, Call-ID, CSeq and the top
    // Via. The To tag is left out for INVITE/ACK: the INVITE had none and its ACK
    // carries the tag of our response; an in-dialog INVITE differs by CSeq anyway.
    const bool invite_family = as_method == "INVITE";
    const std::string_view top = msg.first_element(sip::header_id::via).value_or("");
    return two_hashes(_seed, [&](hasher& h, std::uint64_t) {
        h.add(std::string_view("2543"))
            .add(msg.request_uri())
            .add(e.from_tag)
            .add(invite_family ? std::string_view() : e.to_tag)
            .add(e.call_id)
            .add(std::uint64_t{e.cseq_value.number})
            .add(as_method)
            .add(top);
    });
}

txn_key key_maker::client_key(std::string_view branch, std::string_view cseq_method) const {
    // ACK is never answered, so no ACK -> INVITE mapping is needed here.
    return two_hashes(_seed, [&](hasher& h, std::uint64_t) {
        h.add(std::string_view("client")).add(branch).add(cseq_method);
    });
}

} // namespace sipedge::txn
