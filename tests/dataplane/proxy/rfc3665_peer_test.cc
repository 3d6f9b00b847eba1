// RFC 3665 §3 flows with one sipedge proxy fed the RFC's own messages from its
// peers (user agents and the other proxy), and every message it sends compared with
// the one the RFC shows at that point (rfc_compare.hh: equal up to header order,
// folding, and the branches our proxy picks). Peers' responses are the RFC's, with
// the Via stack of the request sipedge actually sent them (§8.2.6.2).
//
// Where sipedge and the RFC differ on purpose, the test says so and checks what
// sipedge does instead: Proxy-Authorization is passed on (taking off credentials
// for our own realm belongs to the auth issue), and Record-Route over TCP carries
// transport=tcp. Where the RFC's example is wrong (errata), likewise.

#include "tests/dataplane/proxy/rfc3665_setup.hh"
#include "tests/dataplane/proxy/rfc_compare.hh"

#include <gtest/gtest.h>

namespace sipedge::proxy::test {
namespace {

using namespace rfc3665;
using sip::header_id;
using txn::endpoint;
using txn::transport;

constexpr transport udp = transport::udp;
const compare_options passes_credentials{.our_vias = 1, .ignore = {header_id::proxy_authorization}};

std::vector<std::string> credentials(const std::string& m) {
    return normalised_values(m, header_id::proxy_authorization);
}

// Proxy 2 as in 3.5 and 3.7, where it stays off the dialog's path.
proxy_config proxy2_without_record_route() {
    proxy_config c = proxy2_config();
    c.record_route = false;
    return c;
}

void register_bob(proxy_node& p) {
    p.location.add("bob@biloxi.example.com", {"sip:bob@client.biloxi.example.com", 1000});
}

// An INVITE that sipedge answers with 100 and forwards: what each got.
struct invite_step {
    std::string trying;    // to the sender
    std::string forwarded; // to the next hop
};
invite_step send_invite(proxy_node& p, const std::string& invite, const endpoint& from,
                        const endpoint& next, transport tp = udp) {
    const auto out = p.deliver(invite, from, tp);
    EXPECT_EQ(out.size(), 2u);
    const sent_message* trying = find_sent(out, from, "SIP/2.0 100");
    const sent_message* fwd = find_sent(out, next, "INVITE");
    EXPECT_TRUE(trying && fwd);
    return {trying ? trying->bytes : "", fwd ? fwd->bytes : ""};
}

// A non-2xx final response that sipedge ACKs itself and relays upstream.
struct failure_step {
    std::string ack;     // back to the sender
    std::string relayed; // upstream
};
failure_step send_failure(proxy_node& p, const std::string& response, const endpoint& from,
                          const endpoint& upstream) {
    const auto out = p.deliver(response, from, udp);
    EXPECT_EQ(out.size(), 2u);
    const sent_message* ack = find_sent(out, from, "ACK");
    const sent_message* relayed = find_sent(out, upstream, "SIP/2.0 ");
    EXPECT_TRUE(ack && relayed);
    return {ack ? ack->bytes : "", relayed ? relayed->bytes : ""};
}

// 3.3 Session with Multiple Proxy Authentication, sipedge as Proxy 1 (which does not
// challenge here) from F4 on; Proxy 2 is the RFC's and challenges (F7).
TEST(rfc3665_peer_test, flow_3_03_as_proxy_1) {
    const auto flow = load_flow("3.03_session-with-multiple-proxy-authentication.yaml");
    ASSERT_EQ(flow.size(), 21u);
    proxy_node p(proxy1_config(udp));
    const invite_step f4 = send_invite(p, flow[3], alice, ss2);
    expect_equivalent("F5", f4.trying, flow[4]);
    expect_equivalent("F6", f4.forwarded, flow[5], passes_credentials);
    EXPECT_EQ(credentials(f4.forwarded), credentials(flow[3]));

    // F7: Proxy 2's challenge. Proxy 1 ACKs it (F8) and relays it (F9).
    const failure_step f7 = send_failure(p, as_response_to(flow[6], f4.forwarded), ss2, alice);
    // Erratum: the RFC's F8 carries Alice's Via; the ACK Proxy 1 generates has its
    // own Via with the INVITE's branch (§17.1.1.3).
    expect_equivalent("F8", f7.ack, flow[7], {.ignore = {header_id::via}});
    EXPECT_EQ(normalised_values(f7.ack, header_id::via),
              std::vector<std::string>{normalised_values(f4.forwarded, header_id::via).at(0)});
    expect_equivalent("F9", f7.relayed, flow[8]);
    EXPECT_TRUE(p.deliver(flow[9], alice, udp).empty()); // F10 ends at Proxy 1

    // F11: with both credentials. F14 (Proxy 2's 100) goes no further.
    const invite_step f11 = send_invite(p, flow[10], alice, ss2);
    expect_equivalent("F12", f11.trying, flow[11]);
    expect_equivalent("F13", f11.forwarded, flow[12], passes_credentials);
    EXPECT_EQ(credentials(f11.forwarded), credentials(flow[10]));
    EXPECT_TRUE(p.deliver(as_response_to(flow[13], f11.forwarded), ss2, udp).empty());

    const auto out17 = p.deliver(as_response_to(flow[16], f11.forwarded), ss2, udp);
    expect_equivalent("F18", only_to(out17, alice).bytes, flow[17]);
    // Erratum: the RFC's F20 shows a Contact that F19 does not have.
    const auto out19 = p.deliver(flow[18], alice, udp);
    const std::string& f20 = only_to(out19, ss2).bytes;
    expect_equivalent(
        "F20", f20, flow[19],
        {.our_vias = 1, .ignore = {header_id::proxy_authorization, header_id::contact}});
    EXPECT_EQ(credentials(f20), credentials(flow[18]));
}

// 3.3 with sipedge as Proxy 2, from F13 (the request that carries credentials).
TEST(rfc3665_peer_test, flow_3_03_as_proxy_2) {
    const auto flow = load_flow("3.03_session-with-multiple-proxy-authentication.yaml");
    ASSERT_EQ(flow.size(), 21u);
    proxy_node p(proxy2_config());
    register_bob(p);
    const invite_step f13 = send_invite(p, flow[12], ss1, bob);
    expect_equivalent("F14", f13.trying, flow[13]);
    expect_equivalent("F15", f13.forwarded, flow[14], passes_credentials);
    EXPECT_EQ(credentials(f13.forwarded), credentials(flow[12]));
    const auto out16 = p.deliver(as_response_to(flow[15], f13.forwarded), bob, udp);
    expect_equivalent("F17", only_to(out16, ss1).bytes, flow[16]);
    const auto out20 = p.deliver(flow[19], ss1, udp);
    expect_equivalent("F21", only_to(out20, bob).bytes, flow[20], passes_credentials);
}

// 3.4 Successful Session with Proxy Failure: Proxy 1 never answers F1-F7, so
// Alice turns to Proxy 2 (sipedge) directly. From F11 on (F8-F10 are Proxy 2's
// challenge), every message Proxy 2 sends is the RFC's.
TEST(rfc3665_peer_test, flow_3_04_as_proxy_2) {
    const auto flow = load_flow("3.04_successful-session-with-proxy-failure.yaml");
    ASSERT_EQ(flow.size(), 23u);
    proxy_node p(proxy2_config());
    register_bob(p);
    const invite_step f11 = send_invite(p, flow[10], alice, bob);
    expect_equivalent("F12", f11.forwarded, flow[11], passes_credentials);
    expect_equivalent("F13", f11.trying, flow[12]);
    const auto out14 = p.deliver(as_response_to(flow[13], f11.forwarded), bob, udp);
    expect_equivalent("F15", only_to(out14, alice).bytes, flow[14]);
    const auto out16 = p.deliver(as_response_to(flow[15], f11.forwarded), bob, udp);
    expect_equivalent("F17", only_to(out16, alice).bytes, flow[16]);
    const auto out18 = p.deliver(flow[17], alice, udp);
    expect_equivalent("F19", only_to(out18, bob).bytes, flow[18], {.our_vias = 1});
    const auto out20 = p.deliver(flow[19], bob, udp);
    const std::string& f21 = only_to(out20, alice).bytes;
    expect_equivalent("F21", f21, flow[20], {.our_vias = 1});
    const auto out22 = p.deliver(as_response_to(flow[21], f21), alice, udp);
    expect_equivalent("F23", only_to(out22, bob).bytes, flow[22]);
    EXPECT_EQ(p.count(counter_id::drop_stray_response), 0u);
}

// 3.4 F1-F7 as they would meet a Proxy 1 that is up: the first INVITE is
// forwarded, each retransmission is answered with the 100 again and absorbed.
TEST(rfc3665_peer_test, flow_3_04_retransmissions_absorbed_by_a_live_proxy_1) {
    const auto flow = load_flow("3.04_successful-session-with-proxy-failure.yaml");
    ASSERT_EQ(flow.size(), 23u);
    proxy_node p(proxy1_config(udp));
    const invite_step f1 = send_invite(p, flow[0], alice, ss2);
    ASSERT_FALSE(f1.trying.empty());
    for (std::size_t i = 1; i < 7; ++i) {
        const auto again = p.deliver(flow[i], alice, udp);
        ASSERT_EQ(again.size(), 1u) << "F" << i + 1;
        EXPECT_EQ(again[0].bytes, f1.trying) << "F" << i + 1;
    }
    EXPECT_EQ(p.count(counter_id::proxy_requests_forwarded), 1u);
    EXPECT_EQ(p.count(counter_id::txn_retransmits_sent), 6u);
}

// 3.5 Session Through a SIP ALG: sipedge as Proxy 2 behind the RFC's ALG, which
// record-routes; Proxy 2 does not (so the ACK and BYE go from the ALG to Bob).
TEST(rfc3665_peer_test, flow_3_05_as_proxy_2_behind_an_alg) {
    const auto flow = load_flow("3.05_session-through-a-sip-alg.yaml");
    ASSERT_EQ(flow.size(), 17u);
    const endpoint alg = endpoint::ipv4(192, 0, 2, 128, 5060);
    proxy_node p(proxy2_without_record_route());
    register_bob(p);
    const invite_step f2 = send_invite(p, flow[1], alg, bob);
    expect_equivalent("F4", f2.forwarded, flow[3], passes_credentials);
    EXPECT_EQ(credentials(f2.forwarded), credentials(flow[1]));
    expect_equivalent("F5", f2.trying, flow[4]);
    const auto out6 = p.deliver(as_response_to(flow[5], f2.forwarded), bob, udp);
    expect_equivalent("F7", only_to(out6, alg).bytes, flow[6]);
    const auto out9 = p.deliver(as_response_to(flow[8], f2.forwarded), bob, udp);
    expect_equivalent("F10", only_to(out9, alg).bytes, flow[9]);
}

// 3.7 Session with re-INVITE (IP Address Change): sipedge as Proxy 2, which does
// not record-route; everything after F7 goes between Alice and Bob directly.
TEST(rfc3665_peer_test, flow_3_07_as_proxy_2_without_record_route) {
    const auto flow = load_flow("3.07_session-with-re-invite-ip-address-change.yaml");
    ASSERT_EQ(flow.size(), 13u);
    proxy_node p(proxy2_without_record_route());
    register_bob(p);
    const invite_step f1 = send_invite(p, flow[0], alice, bob);
    expect_equivalent("F2", f1.forwarded, flow[1], {.our_vias = 1});
    expect_equivalent("F3", f1.trying, flow[2]);
    const auto out4 = p.deliver(as_response_to(flow[3], f1.forwarded), bob, udp);
    expect_equivalent("F5", only_to(out4, alice).bytes, flow[4]);
    const auto out6 = p.deliver(as_response_to(flow[5], f1.forwarded), bob, udp);
    expect_equivalent("F7", only_to(out6, alice).bytes, flow[6]);
}

// 3.6 Session via Redirect and Proxy Servers with SDP in ACK: sipedge as Proxy 3
// (after Alice followed the redirect), over TCP.
TEST(rfc3665_peer_test, flow_3_06_as_proxy_3) {
    const auto flow = load_flow("3.06_session-via-redirect-and-proxy-servers-with-sdp-in-ack.yaml");
    ASSERT_EQ(flow.size(), 16u);
    const endpoint bob3 = endpoint::ipv4(192, 0, 2, 100, 5060);
    constexpr transport tcp = transport::tcp;
    proxy_config cfg;
    cfg.host = "ss3.chicago.example.com";
    cfg.domains = {"chicago.example.com"};
    cfg.routes = {{"client.chicago.example.com", bob3, tcp},
                  {"client.atlanta.example.com", alice, tcp}};
    cfg.transaction_capacity = 64;
    proxy_node p(cfg);
    p.location.add("bob@chicago.example.com", {"sip:bob@client.chicago.example.com", 1000});

    const invite_step f4 = send_invite(p, flow[3], alice, bob3, tcp);
    // Record-Route names the transport the dialog's requests must use to reach us.
    expect_equivalent("F5", f4.forwarded, flow[4],
                      {.our_vias = 1, .ignore = {header_id::record_route}});
    EXPECT_EQ(normalised_values(f4.forwarded, header_id::record_route),
              std::vector<std::string>{"<sip:ss3.chicago.example.com;transport=tcp;lr>"});
    expect_equivalent("F6", f4.trying, flow[5]);
    const auto out7 = p.deliver(as_response_to(flow[6], f4.forwarded), bob3, tcp);
    expect_equivalent("F8", only_to(out7, alice).bytes, flow[7]);
    const auto out9 = p.deliver(as_response_to(flow[8], f4.forwarded), bob3, tcp);
    expect_equivalent("F10", only_to(out9, alice).bytes, flow[9]);
    const auto out11 = p.deliver(flow[10], alice, tcp); // the ACK with the SDP answer
    const std::string& f12 = only_to(out11, bob3).bytes;
    expect_equivalent("F12", f12, flow[11], {.our_vias = 1});
    EXPECT_FALSE(parse(f12)->body().empty());
    const auto out13 = p.deliver(flow[12], bob3, tcp);
    const std::string& f14 = only_to(out13, alice).bytes;
    // Erratum: the RFC's F14 puts Bob's received= on Proxy 3's Via instead of his.
    expect_equivalent("F14", f14, flow[13], {.ignore = {header_id::via}});
    const auto vias14 = normalised_values(f14, header_id::via);
    ASSERT_EQ(vias14.size(), 2u);
    EXPECT_TRUE(vias14[0].starts_with("SIP/2.0/TCP ss3.chicago.example.com:5060;branch=z9hG4bKsE"));
    EXPECT_EQ(
        vias14[1],
        "SIP/2.0/TCP client.chicago.example.com:5060;branch=z9hG4bKfgaw2;received=192.0.2.100");
    const auto out15 = p.deliver(as_response_to(flow[14], f14), alice, tcp);
    expect_equivalent("F16", only_to(out15, bob3).bytes, flow[15]);
}

// 3.11 Unsuccessful Temporarily Unavailable, sipedge as Proxy 1 alone.
TEST(rfc3665_peer_test, flow_3_11_as_proxy_1) {
    const auto flow = load_flow("3.11_unsuccessful-temporarily-unavailable.yaml");
    ASSERT_EQ(flow.size(), 14u);
    proxy_node p(proxy1_config(udp));
    const std::string f1 = repaired_3_11_f1(flow[0]);
    const invite_step f2 = send_invite(p, f1, alice, ss2);
    expect_equivalent("F2", f2.forwarded, flow[1], passes_credentials);
    EXPECT_EQ(credentials(f2.forwarded), credentials(f1));
    expect_equivalent("F3", f2.trying, flow[2]);
    EXPECT_TRUE(p.deliver(as_response_to(flow[4], f2.forwarded), ss2, udp).empty()); // F5
    const auto out7 = p.deliver(as_response_to(flow[6], f2.forwarded), ss2, udp);
    // The RFC's F8 lacks the Content-Length: 0 of F7 (no meaning over UDP).
    expect_equivalent("F8", only_to(out7, alice).bytes, flow[7],
                      {.ignore = {header_id::content_length}});
    const failure_step f11 = send_failure(p, as_response_to(flow[10], f2.forwarded), ss2, alice);
    expect_equivalent("F12", f11.ack, flow[11], {.our_vias = 1});
    expect_equivalent("F13", f11.relayed, flow[12]);
    EXPECT_TRUE(p.deliver(flow[13], alice, udp).empty()); // F14
}

// 3.11 with sipedge as Proxy 2 alone (Proxy 1 and Bob are the RFC's).
TEST(rfc3665_peer_test, flow_3_11_as_proxy_2) {
    const auto flow = load_flow("3.11_unsuccessful-temporarily-unavailable.yaml");
    ASSERT_EQ(flow.size(), 14u);
    proxy_node p(proxy2_config());
    register_bob(p);
    const invite_step f2 = send_invite(p, flow[1], ss1, bob);
    expect_equivalent("F4", f2.forwarded, flow[3], {.our_vias = 1});
    expect_equivalent("F5", f2.trying, flow[4]);
    const auto out6 = p.deliver(as_response_to(flow[5], f2.forwarded), bob, udp);
    expect_equivalent("F7", only_to(out6, ss1).bytes, flow[6]);
    const failure_step f9 = send_failure(p, as_response_to(flow[8], f2.forwarded), bob, ss1);
    expect_equivalent("F10", f9.ack, flow[9], {.our_vias = 1});
    expect_equivalent("F11", f9.relayed, flow[10]);
    EXPECT_TRUE(p.deliver(flow[11], ss1, udp).empty()); // F12
}

} // namespace
} // namespace sipedge::proxy::test
