// RFC 3665 §3 call flows through sipedge: as Proxy 1 and Proxy 2 chained (so each
// is checked in both roles), with the flow's own requests from the corpus and
// UAS answers built from what the proxies actually forwarded. Asserted per
// forwarded message: Via stack, Record-Route, Max-Forwards, Route, Request-URI,
// destination; and that retransmissions are absorbed.

#include "dataplane/proxy/branch.hh"
#include "tests/dataplane/proxy/rfc3665_setup.hh"
#include "tests/dataplane/proxy/rfc_compare.hh"

#include <gtest/gtest.h>

namespace sipedge::proxy::test {
namespace {

using sip::header_id;
using txn::endpoint;
using txn::transport;

using namespace rfc3665;

class rfc3665_test : public ::testing::Test {
protected:
    // tp: the transport of every hop (the RFC's flows use TCP or UDP).
    explicit rfc3665_test(transport tp = transport::tcp)
        : tp(tp), p1(proxy1_config(tp)), p2(proxy2_config()) {
        p2.location.add("bob@biloxi.example.com",
                        {tp == transport::tcp ? "sip:bob@client.biloxi.example.com;transport=tcp"
                                              : "sip:bob@client.biloxi.example.com",
                         1000});
    }

    // Runs the INVITE of a flow through P1 and P2 and returns what reached Bob.
    std::string invite_to_bob(const std::string& invite) {
        auto at_p1 = p1.deliver(invite, alice, tp);
        EXPECT_EQ(at_p1.size(), 2u);
        const sent_message* trying = find_sent(at_p1, alice, "SIP/2.0 100");
        const sent_message* fwd1 = find_sent(at_p1, ss2, "INVITE");
        EXPECT_TRUE(trying && fwd1);
        if (!trying || !fwd1) {
            return {};
        }
        auto t = trying->parsed();
        EXPECT_EQ(t.values(header_id::via).size(), 1u);
        inv_at_p2 = fwd1->bytes;
        auto at_p2 = p2.deliver(inv_at_p2, ss1, tp);
        EXPECT_EQ(at_p2.size(), 2u);
        EXPECT_TRUE(find_sent(at_p2, ss1, "SIP/2.0 100"));
        const sent_message* fwd2 = find_sent(at_p2, bob, "INVITE");
        EXPECT_TRUE(fwd2);
        return fwd2 ? fwd2->bytes : std::string();
    }

    // A response from Bob, relayed P2 -> P1 -> Alice; returns what Alice got.
    std::string response_to_alice(const std::string& response) {
        auto r2 = p2.deliver(response, bob, tp);
        const sent_message& to_p1 = only_to(r2, ss1);
        auto r1 = p1.deliver(to_p1.bytes, ss2, tp);
        const sent_message& to_alice = only_to(r1, alice);
        return to_alice.bytes;
    }

    transport tp;
    proxy_node p1;
    proxy_node p2;
    std::string inv_at_p2;
};

class rfc3665_udp_test : public rfc3665_test {
protected:
    rfc3665_udp_test() : rfc3665_test(transport::udp) {}
};

// 3.2 Session Establishment Through Two Proxies (F4..F23; F1-F3 are Proxy 1's
// authentication challenge, which is the registrar/auth issue's job).
TEST_F(rfc3665_test, flow_3_02_session_through_two_proxies) {
    const auto flow = load_flow("3.02_session-establishment-through-two-proxies.yaml");
    ASSERT_EQ(flow.size(), 23u);
    const std::string& f4 = flow[3];

    const std::string at_bob = invite_to_bob(f4);
    // F5 as Proxy 1 forwarded it (compare with the RFC's F5).
    auto f5 = parse(inv_at_p2);
    auto rfc_f5 = parse(flow[4]);
    ASSERT_TRUE(f5.ok && rfc_f5.ok);
    EXPECT_EQ(f5->request_uri(), rfc_f5->request_uri());
    EXPECT_EQ(f5.first(header_id::max_forwards), rfc_f5.first(header_id::max_forwards)); // 69
    EXPECT_EQ(f5.values(header_id::route).size(), 0u); // our Route entry removed
    const auto via5 = f5.values(header_id::via);
    ASSERT_EQ(via5.size(), 2u);
    EXPECT_TRUE(via5[0].starts_with("SIP/2.0/TCP ss1.atlanta.example.com:5060;branch=z9hG4bKsE"));
    EXPECT_EQ(
        via5[1],
        "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101");
    EXPECT_EQ(f5.values(header_id::record_route),
              std::vector<std::string>{"<sip:ss1.atlanta.example.com;transport=tcp;lr>"});
    EXPECT_EQ(f5->body(), parse(f4)->body());

    // F7 as Proxy 2 forwarded it.
    auto f7 = parse(at_bob);
    auto rfc_f7 = parse(flow[6]);
    ASSERT_TRUE(f7.ok);
    EXPECT_EQ(f7->request_uri(), "sip:bob@client.biloxi.example.com;transport=tcp");
    EXPECT_EQ(f7.first(header_id::max_forwards), rfc_f7.first(header_id::max_forwards)); // 68
    const auto via7 = f7.values(header_id::via);
    ASSERT_EQ(via7.size(), 3u);
    EXPECT_TRUE(via7[0].starts_with("SIP/2.0/TCP ss2.biloxi.example.com:5060;branch=z9hG4bKsE"));
    EXPECT_EQ(via7[1], via5[0] + ";received=192.0.2.111");
    EXPECT_EQ(via7[2], via5[1]);
    EXPECT_EQ(f7.values(header_id::record_route),
              (std::vector<std::string>{"<sip:ss2.biloxi.example.com;transport=tcp;lr>",
                                        "<sip:ss1.atlanta.example.com;transport=tcp;lr>"}));

    // A retransmitted INVITE before any provisional: Proxy 1 resends its 100.
    auto again = p1.deliver(f4, alice, transport::tcp);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_TRUE(again[0].bytes.starts_with("SIP/2.0 100"));

    // F9-F11: 180 back to Alice with one Via and the full Record-Route set.
    const std::string f11 = response_to_alice(
        uas_response(at_bob, 180, "314159", "<sip:bob@client.biloxi.example.com;transport=tcp>"));
    auto r180 = parse(f11);
    EXPECT_TRUE(f11.starts_with("SIP/2.0 180"));
    EXPECT_EQ(r180.values(header_id::via), std::vector<std::string>{via5[1]});
    EXPECT_EQ(r180.values(header_id::record_route).size(), 2u);

    // F12-F14: 200 OK.
    const std::string ok =
        uas_response(at_bob, 200, "314159", "<sip:bob@client.biloxi.example.com;transport=tcp>");
    const std::string f14 = response_to_alice(ok);
    auto r200 = parse(f14);
    EXPECT_TRUE(f14.starts_with("SIP/2.0 200"));
    EXPECT_EQ(r200.values(header_id::via), std::vector<std::string>{via5[1]});
    EXPECT_EQ(r200.first(header_id::to), "Bob <sip:bob@biloxi.example.com>;tag=314159");

    // RFC 6026: the INVITE retransmitted after the 2xx is absorbed by both proxies.
    EXPECT_TRUE(p1.deliver(f4, alice, transport::tcp).empty());
    EXPECT_TRUE(p2.deliver(inv_at_p2, ss1, transport::tcp).empty());
    // ...and a 2xx retransmission from Bob still reaches Alice.
    EXPECT_TRUE(response_to_alice(ok).starts_with("SIP/2.0 200"));

    // F15-F17: ACK for the 2xx, routed by the Route set, statelessly.
    auto a1 = p1.deliver(flow[14], alice, transport::tcp);
    const sent_message& f16 = only_to(a1, ss2);
    auto ack16 = f16.parsed();
    EXPECT_EQ(ack16->method(), "ACK");
    EXPECT_EQ(ack16.values(header_id::route),
              std::vector<std::string>{"<sip:ss2.biloxi.example.com;lr>"});
    EXPECT_EQ(ack16.first(header_id::max_forwards), "69");
    EXPECT_EQ(ack16.values(header_id::via).size(), 2u);
    EXPECT_TRUE(ack16.values(header_id::record_route).empty());
    auto a2 = p2.deliver(f16.bytes, ss1, transport::tcp);
    const sent_message& f17 = only_to(a2, bob);
    auto ack17 = f17.parsed();
    EXPECT_EQ(ack17->request_uri(), "sip:bob@client.biloxi.example.com");
    EXPECT_TRUE(ack17.values(header_id::route).empty());
    EXPECT_EQ(ack17.first(header_id::max_forwards), "68");
    EXPECT_EQ(ack17.values(header_id::via).size(), 3u);
    // A retransmitted ACK is forwarded again with the same branch (stateless).
    auto a1b = p1.deliver(flow[14], alice, transport::tcp);
    ASSERT_EQ(a1b.size(), 1u);
    EXPECT_EQ(a1b[0].bytes, f16.bytes);

    // F18-F20: BYE from Bob through P2 then P1 to Alice.
    auto b2 = p2.deliver(flow[17], bob, transport::tcp);
    const sent_message& f19 = only_to(b2, ss1);
    auto bye19 = f19.parsed();
    EXPECT_EQ(bye19.values(header_id::route),
              std::vector<std::string>{"<sip:ss1.atlanta.example.com;lr>"});
    EXPECT_EQ(bye19.values(header_id::via).size(), 2u);
    EXPECT_TRUE(bye19.values(header_id::record_route).empty());
    auto b1 = p1.deliver(f19.bytes, ss2, transport::tcp);
    const sent_message& f20 = only_to(b1, alice);
    auto bye20 = f20.parsed();
    EXPECT_EQ(bye20->request_uri(), "sip:alice@client.atlanta.example.com");
    EXPECT_TRUE(bye20.values(header_id::route).empty());
    EXPECT_EQ(bye20.values(header_id::via).size(), 3u);

    // F21-F23: 200 for the BYE back to Bob.
    auto o1 = p1.deliver(uas_response(f20.bytes, 200, "9fxced76sl"), alice, transport::tcp);
    const sent_message& f22 = only_to(o1, ss2);
    auto o2 = p2.deliver(f22.bytes, ss1, transport::tcp);
    const sent_message& f23 = only_to(o2, bob);
    EXPECT_TRUE(f23.bytes.starts_with("SIP/2.0 200"));
    EXPECT_EQ(f23.parsed().values(header_id::via).size(), 1u);
    // A retransmitted BYE gets the stored 200 again from P2.
    auto b2again = p2.deliver(flow[17], bob, transport::tcp);
    ASSERT_EQ(b2again.size(), 1u);
    EXPECT_EQ(b2again[0].bytes, f23.bytes);
    EXPECT_EQ(p1.count(counter_id::drop_stray_response), 0u);
}

// 3.9 Unsuccessful Busy: 486 is ACKed hop by hop and reaches Alice once.
TEST_F(rfc3665_test, flow_3_09_busy) {
    const auto flow = load_flow("3.09_unsuccessful-busy.yaml");
    ASSERT_GE(flow.size(), 11u);
    const std::string at_bob = invite_to_bob(flow[0]);
    auto r2 = p2.deliver(uas_response(at_bob, 486, "314159"), bob, transport::tcp);
    // P2: ACK to Bob (F7) and 486 to P1 (F8).
    ASSERT_EQ(r2.size(), 2u);
    const sent_message* ack7 = find_sent(r2, bob, "ACK");
    const sent_message* busy8 = find_sent(r2, ss1, "SIP/2.0 486");
    ASSERT_TRUE(ack7 && busy8);
    auto ack = ack7->parsed();
    EXPECT_EQ(ack.first(header_id::cseq), "1 ACK");
    EXPECT_EQ(ack.values(header_id::via).size(), 1u); // hop-by-hop: only P2's Via
    EXPECT_EQ(ack->request_uri(), parse(at_bob)->request_uri());
    auto r1 = p1.deliver(busy8->bytes, ss2, transport::tcp);
    ASSERT_EQ(r1.size(), 2u);
    EXPECT_TRUE(find_sent(r1, ss2, "ACK"));                           // F9
    const sent_message* busy10 = find_sent(r1, alice, "SIP/2.0 486"); // F10
    ASSERT_TRUE(busy10);
    EXPECT_EQ(busy10->parsed().values(header_id::via).size(), 1u);
    // F11: Alice's ACK is absorbed by P1's server transaction.
    EXPECT_TRUE(p1.deliver(flow[10], alice, transport::tcp).empty());
    // A retransmitted 486 from Bob: P2 ACKs again, forwards nothing.
    auto again = p2.deliver(uas_response(at_bob, 486, "314159"), bob, transport::tcp);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_TRUE(again[0].bytes.starts_with("ACK"));
}

// 3.8 Unsuccessful No Answer: Alice CANCELs after 180; each proxy answers the
// CANCEL with 200, cancels downstream, and the 487 comes back.
TEST_F(rfc3665_test, flow_3_08_no_answer_cancel) {
    const auto flow = load_flow("3.08_unsuccessful-no-answer.yaml");
    ASSERT_GE(flow.size(), 12u);
    const std::string at_bob = invite_to_bob(flow[0]);
    (void)response_to_alice(uas_response(at_bob, 180, "314159"));
    // Alice's CANCEL (the flow's F10, same branch as her INVITE).
    std::string cancel;
    for (const std::string& m : flow) {
        if (m.starts_with("CANCEL sip:bob@biloxi.example.com")) {
            cancel = m;
            break;
        }
    }
    ASSERT_FALSE(cancel.empty());
    auto c1 = p1.deliver(cancel, alice, transport::tcp);
    ASSERT_EQ(c1.size(), 2u);
    EXPECT_TRUE(find_sent(c1, alice, "SIP/2.0 200"));
    const sent_message* cancel_p2 = find_sent(c1, ss2, "CANCEL");
    ASSERT_TRUE(cancel_p2);
    auto cp = cancel_p2->parsed();
    EXPECT_EQ(cp.values(header_id::via),
              std::vector<std::string>{parse(inv_at_p2).values(header_id::via)[0]});
    EXPECT_EQ(cp.first(header_id::cseq), "1 CANCEL");
    auto c2 = p2.deliver(cancel_p2->bytes, ss1, transport::tcp);
    ASSERT_EQ(c2.size(), 2u);
    EXPECT_TRUE(find_sent(c2, ss1, "SIP/2.0 200"));
    const sent_message* cancel_bob = find_sent(c2, bob, "CANCEL");
    ASSERT_TRUE(cancel_bob);
    EXPECT_EQ(cancel_bob->parsed()->request_uri(), parse(at_bob)->request_uri());
    // The 200 for the CANCELs end there.
    EXPECT_TRUE(p1.deliver(uas_response(cancel_p2->bytes, 200, "x"), ss2, transport::tcp).empty());
    EXPECT_TRUE(
        p2.deliver(uas_response(cancel_bob->bytes, 200, "314159"), bob, transport::tcp).empty());
    // 487 from Bob travels back, ACKed on each hop.
    auto r2 = p2.deliver(uas_response(at_bob, 487, "314159"), bob, transport::tcp);
    ASSERT_EQ(r2.size(), 2u);
    const sent_message* t487 = find_sent(r2, ss1, "SIP/2.0 487");
    ASSERT_TRUE(t487);
    auto r1 = p1.deliver(t487->bytes, ss2, transport::tcp);
    EXPECT_TRUE(find_sent(r1, alice, "SIP/2.0 487"));
    EXPECT_TRUE(find_sent(r1, ss2, "ACK"));
}

// 3.10 No Response from User Agent: Bob never answers; Timer B (UDP to Bob here,
// so Timer A retransmits too) ends the branch and 408 goes back.
TEST_F(rfc3665_test, flow_3_10_no_response_gives_408) {
    p2.location.add("carol@biloxi.example.com", {"sip:carol@client.biloxi.example.com", 1000});
    const auto flow = load_flow("3.10_unsuccessful-no-response-from-user-agent.yaml");
    ASSERT_GE(flow.size(), 1u);
    std::string invite = flow[0];
    const std::string at_bob = invite_to_bob(invite);
    ASSERT_FALSE(at_bob.empty());
    // Over TCP no retransmission; Timer B fires after 64*T1.
    std::vector<sent_message> got;
    for (timer::tick_t t = 0; t <= 40000; t += 100) {
        for (auto& m : p2.advance_to(t)) {
            got.push_back(std::move(m));
        }
    }
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].to, ss1);
    EXPECT_TRUE(got[0].bytes.starts_with("SIP/2.0 408"));
    auto at_alice = p1.deliver(got[0].bytes, ss2, transport::tcp);
    EXPECT_TRUE(find_sent(at_alice, alice, "SIP/2.0 408"));
    EXPECT_EQ(p2.count(counter_id::txn_timeouts), 1u);
}

// 3.11 Unsuccessful Temporarily Unavailable, over UDP as in the RFC. Bob's messages
// are the RFC's own (on the branch Proxy 2 chose); every message the proxies send
// is compared with the RFC's. Bob's 480 is ACKed hop by hop (F10, F12) and reaches
// Alice once (F13); Alice's ACK (F14) ends at Proxy 1.
TEST_F(rfc3665_udp_test, flow_3_11_temporarily_unavailable) {
    const auto flow = load_flow("3.11_unsuccessful-temporarily-unavailable.yaml");
    ASSERT_EQ(flow.size(), 14u);
    const std::string f1 = repaired_3_11_f1(flow[0]);
    const std::string at_bob = invite_to_bob(f1);
    ASSERT_FALSE(at_bob.empty());
    // The proxies pass Alice's Proxy-Authorization on (checking credentials for
    // their own realm, and taking them off, belongs to the auth issue).
    const compare_options passes_credentials{.our_vias = 1,
                                             .ignore = {header_id::proxy_authorization}};
    expect_equivalent("F2", inv_at_p2, flow[1], passes_credentials);
    EXPECT_EQ(normalised_values(inv_at_p2, header_id::proxy_authorization),
              normalised_values(f1, header_id::proxy_authorization));
    expect_equivalent("F4", at_bob, flow[3],
                      {.our_vias = 2, .ignore = {header_id::proxy_authorization}});
    const std::string branch = top_branch(at_bob);

    const auto at_p1 = p2.deliver(as_response_to(flow[5], at_bob), bob, tp);
    const sent_message& f7 = only_to(at_p1, ss1);
    expect_equivalent("F7", f7.bytes, flow[6], {.our_vias = 1});
    const auto at_alice = p1.deliver(f7.bytes, ss2, tp);
    // The RFC's F8 lacks the Content-Length: 0 of F6 and F7 (no meaning over UDP).
    expect_equivalent("F8", only_to(at_alice, alice).bytes, flow[7],
                      {.ignore = {header_id::content_length}});

    const std::string f9 = as_response_to(flow[8], at_bob);
    auto r2 = p2.deliver(f9, bob, tp);
    ASSERT_EQ(r2.size(), 2u);
    const sent_message* f10 = find_sent(r2, bob, "ACK");
    const sent_message* f11 = find_sent(r2, ss1, "SIP/2.0 480");
    ASSERT_TRUE(f10 && f11);
    expect_equivalent("F10", f10->bytes, flow[9], {.our_vias = 1});
    EXPECT_EQ(top_branch(f10->bytes), branch); // §17.1.1.3: the INVITE's branch
    expect_equivalent("F11", f11->bytes, flow[10], {.our_vias = 1});
    auto r1 = p1.deliver(f11->bytes, ss2, tp);
    ASSERT_EQ(r1.size(), 2u);
    const sent_message* f12 = find_sent(r1, ss2, "ACK");
    const sent_message* f13 = find_sent(r1, alice, "SIP/2.0 480");
    ASSERT_TRUE(f12 && f13);
    expect_equivalent("F12", f12->bytes, flow[11], {.our_vias = 1});
    expect_equivalent("F13", f13->bytes, flow[12]);
    EXPECT_TRUE(p1.deliver(flow[13], alice, tp).empty()); // F14 absorbed

    // Bob retransmits the 480 (his ACK was lost): Proxy 2 ACKs again, forwards nothing.
    auto again = p2.deliver(f9, bob, tp);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].bytes, f10->bytes);
    // Timers D, I (UDP) end everything; nothing is sent on the way, F13 having been ACKed.
    EXPECT_TRUE(p1.advance_to(10 * 32000).empty());
    (void)p2.advance_to(10 * 32000);
    EXPECT_EQ(p1.core.transactions() + p2.core.transactions(), 0u);
}

} // namespace
} // namespace sipedge::proxy::test
