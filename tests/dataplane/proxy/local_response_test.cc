// The proxy's own responses (local_response.hh): received= on the top Via, the
// skeleton rebuilt from a request we forwarded, and a final response relabelled
// from a skeleton — which must say what a response built from the request would.

#include "dataplane/proxy/local_response.hh"
#include "tests/dataplane/proxy/proxy_harness.hh"

#include <gtest/gtest.h>

namespace sipedge::proxy::test {
namespace {

using sip::header_id;

const std::string request = wire("INVITE sip:bob@example.com SIP/2.0\n"
                                 "Via: SIP/2.0/UDP pc33.example.org:5060;branch=z9hG4bKa, "
                                 "SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKb\n"
                                 "Via: SIP/2.0/TCP 192.0.2.8;branch=z9hG4bKc\n"
                                 "Max-Forwards: 70\n"
                                 "From: <sip:alice@example.org>;tag=a1\n"
                                 "To: <sip:bob@example.com>\n"
                                 "Call-ID: lr@pc33\n"
                                 "CSeq: 7 INVITE\n"
                                 "Content-Length: 0\n\n");
const txn::endpoint source = txn::endpoint::ipv4(192, 0, 2, 10, 5060);

std::string build(const parsed_message& req, std::uint16_t status, std::string_view tag,
                  std::span<const parser::extra_header> extra = {}) {
    const parser::message_essentials e = req.essentials();
    std::string out(4096, '\0');
    out.resize(build_local_response(*req, &e, source, status, tag, extra, out.data(), out.size()));
    return out;
}

TEST(local_response, received_goes_on_the_top_via_element_only) {
    const auto req = parse(request);
    ASSERT_TRUE(req.ok);
    const auto r = parse(build(req, 100, ""));
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(
        r.values(header_id::via),
        (std::vector<std::string>{
            "SIP/2.0/UDP pc33.example.org:5060;branch=z9hG4bKa;received=192.0.2.10",
            "SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKb", "SIP/2.0/TCP 192.0.2.8;branch=z9hG4bKc"}));
    EXPECT_EQ(r.first(header_id::to), "<sip:bob@example.com>"); // no tag on a 100
    // A sender at its sent-by address gets no received=.
    std::string at_sent_by = request;
    at_sent_by.replace(at_sent_by.find("pc33.example.org:5060"), 21, "192.0.2.10:5060");
    const auto same = parse(build(parse(at_sent_by), 100, ""));
    EXPECT_EQ(same.values(header_id::via)[0], "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa");
}

TEST(local_response, skeleton_from_a_forwarded_request_drops_only_our_via) {
    const auto req = parse(request);
    const std::string direct = build(req, 100, "");
    // What the proxy forwarded: its own Via line on top, received= below it.
    std::string fwd = request;
    fwd.replace(fwd.find(";branch=z9hG4bKa"), 16, ";branch=z9hG4bKa;received=192.0.2.10");
    fwd.insert(fwd.find("Via: "), "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKsEours\r\n");
    const auto f = parse(fwd);
    ASSERT_TRUE(f.ok);
    std::string sk(4096, '\0');
    sk.resize(skeleton_from_forwarded(*f, sk.data(), sk.size()));
    EXPECT_EQ(sk, direct);
}

TEST(local_response, relabelled_skeleton_equals_a_response_built_from_the_request) {
    const auto req = parse(request);
    const parser::extra_header extra[] = {{"Retry-After", "5"}};
    const std::string direct = build(req, 503, "sEtag", extra);
    const auto skeleton = parse(build(req, 100, ""));
    ASSERT_TRUE(skeleton.ok);
    std::string out(4096, '\0');
    out.resize(relabel_skeleton(*skeleton, 503, "sEtag", extra, out.data(), out.size()));
    EXPECT_EQ(out, direct);
    const auto r = parse(out);
    EXPECT_EQ(r->status_code(), 503);
    EXPECT_EQ(r.first(header_id::to), "<sip:bob@example.com>;tag=sEtag");
    EXPECT_EQ(r.first(header_id::retry_after), "5");
    // A To that has a tag keeps it.
    std::string tagged = request;
    tagged.replace(tagged.find("To: <sip:bob@example.com>"), 25,
                   "To: <sip:bob@example.com>;tag=b9");
    const auto sk2 = parse(build(parse(tagged), 100, ""));
    std::string out2(4096, '\0');
    out2.resize(relabel_skeleton(*sk2, 487, "sEtag", {}, out2.data(), out2.size()));
    EXPECT_EQ(parse(out2).first(header_id::to), "<sip:bob@example.com>;tag=b9");
}

} // namespace
} // namespace sipedge::proxy::test
