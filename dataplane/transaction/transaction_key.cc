#include "dataplane/transaction/transaction_key.hh"

#include "dataplane/transaction/hash.hh"

namespace sipedge::txn {

namespace {

constexpr std::uint64_t second_seed = 0x6a09e667f3bcc909ull;

txn_key key_of(const hasher128& h) {
    return {h.high(), h.low()};
}

} // namespace

std::string_view match_method(const sip::message_view& msg) {
    if (msg.method_id() == sip::sip_method::ack) {
        return "INVITE";
    }
    return msg.method();
}

txn_key key_maker::server_key(const sip::message_view& msg,
                              const parser::message_essentials& e) const {
    return server_key(msg, e, match_method(msg));
}

txn_key key_maker::server_key(const sip::message_view& msg, const parser::message_essentials& e,
                              std::string_view as_method) const {
    const parser::via& v = e.top_via;
    hasher128 h(_seed, _seed ^ second_seed);
    if (v.rfc3261_branch()) {
        // §17.2.3: branch, sent-by (host and port) and method.
        h.add(std::string_view("3261")).add(v.branch).add_lowercase(v.host);
        return key_of(h.add(std::uint64_t{v.port}).add(as_method));
    }
    // RFC 2543 (§17.2.3 last paragraphs): Request-URI, tags, Call-ID, CSeq and the top
    // Via. The To tag is left out for INVITE/ACK: the INVITE had none and its ACK
    // carries the tag of our response; an in-dialog INVITE differs by CSeq anyway.
    const bool invite_family = as_method == "INVITE";
    const std::string_view top = msg.first_element(sip::header_id::via).value_or("");
    h.add(std::string_view("2543"))
        .add(msg.request_uri())
        .add(e.from_tag)
        .add(invite_family ? std::string_view() : e.to_tag)
        .add(e.call_id)
        .add(std::uint64_t{e.cseq_value.number})
        .add(as_method)
        .add(top);
    return key_of(h);
}

txn_key key_maker::client_key(std::string_view branch, std::string_view cseq_method) const {
    // ACK is never answered, so no ACK -> INVITE mapping is needed here.
    hasher128 h(_seed, _seed ^ second_seed);
    return key_of(h.add(std::string_view("client")).add(branch).add(cseq_method));
}

txn_key key_maker::client_key(std::uint64_t w0, std::uint64_t w1, std::uint64_t w2,
                              std::string_view cseq_method) const {
    hasher128 h(_seed, _seed ^ second_seed);
    return key_of(h.add(w0).add(w1).add(w2).add(cseq_method));
}

} // namespace sipedge::txn
