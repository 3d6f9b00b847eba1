// RFC 3665 §3 call flows through sipedge: as Proxy 1 and Proxy 2 chained (so each
// is checked in both roles), with the flow's own requests from the corpus and
// UAS answers built from what the proxies actually forwarded. Asserted per
// forwarded message: Via stack, Record-Route, Max-Forwards, Route, Request-URI,
// destination; and that retransmissions are absorbed.

#include <gtest/gtest.h>

#include "dataplane/proxy/branch.hh"
#include "tests/dataplane/proxy/proxy_harness.hh"

namespace sipedge::proxy::test {
namespace {

using sip::header_id;
using txn::endpoint;
using txn::transport;

const endpoint alice = endpoint::ipv4(192, 0, 2, 101, 5060);
const endpoint ss1 = endpoint::ipv4(192, 0, 2, 111, 5060);
const endpoint ss2 = endpoint::ipv4(192, 0, 2, 222, 5060);
const endpoint bob = endpoint::ipv4(192, 0, 2, 4, 5060);

proxy_config proxy1_config() {
    proxy_config c;
    c.host = "ss1.atlanta.example.com";
    c.domains = {"atlanta.example.com"};
    c.routes = {{"biloxi.example.com", ss2, transport::tcp}};
    c.hosts = {{"client.atlanta.example.com", alice}, {"ss2.biloxi.example.com", ss2}};
    c.transaction_capacity = 64;
    c.seed = 11;
    return c;
}

proxy_config proxy2_config() {
    proxy_config c;
    c.host = "ss2.biloxi.example.com";
    c.domains = {"biloxi.example.com"};
    c.hosts = {{"client.biloxi.example.com", bob}, {"ss1.atlanta.example.com", ss1},
               {"client.atlanta.example.com", alice}};
    c.transaction_capacity = 64;
    c.seed = 22;
    return c;
}

class rfc3665_test : public ::testing::Test {
protected:
    rfc3665_test() : p1(proxy1_config()), p2(proxy2_config()) {
        p2.location.add("bob@biloxi.example.com", {"sip:bob@client.biloxi.example.com;transport=tcp", 1000});
    }

    // One message each way, with its destination checked.
    static const sent_message& only(const std::vector<sent_message>& v, const endpoint& to) {
        EXPECT_EQ(v.size(), 1u);
        EXPECT_EQ(v.at(0).to, to);
        return v.at(0);
    }

    // Runs the INVITE of a flow through P1 and P2 and returns what reached Bob.
    std::string invite_to_bob(const std::string& invite) {
        auto at_p1 = p1.deliver(invite, alice, transport::tcp);
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
        auto at_p2 = p2.deliver(inv_at_p2, ss1, transport::tcp);
        EXPECT_EQ(at_p2.size(), 2u);
        EXPECT_TRUE(find_sent(at_p2, ss1, "SIP/2.0 100"));
        const sent_message* fwd2 = find_sent(at_p2, bob, "INVITE");
        EXPECT_TRUE(fwd2);
        return fwd2 ? fwd2->bytes : std::string();
    }

    // A response from Bob, relayed P2 -> P1 -> Alice; returns what Alice got.
    std::string response_to_alice(const std::string& response) {
        auto r2 = p2.deliver(response, bob, transport::tcp);
        const sent_message& to_p1 = only(r2, ss1);
        auto r1 = p1.deliver(to_p1.bytes, ss2, transport::tcp);
        const sent_message& to_alice = only(r1, alice);
        return to_alice.bytes;
    }

    proxy_node p1;
    proxy_node p2;
    std::string inv_at_p2;
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
    EXPECT_EQ(via5[1], "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101");
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
    const std::string f11 = response_to_alice(uas_response(at_bob, 180, "314159",
                                                           "<sip:bob@client.biloxi.example.com;transport=tcp>"));
    auto r180 = parse(f11);
    EXPECT_TRUE(f11.starts_with("SIP/2.0 180"));
    EXPECT_EQ(r180.values(header_id::via), std::vector<std::string>{via5[1]});
    EXPECT_EQ(r180.values(header_id::record_route).size(), 2u);

    // F12-F14: 200 OK.
    const std::string ok = uas_response(at_bob, 200, "314159", "<sip:bob@client.biloxi.example.com;transport=tcp>");
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
    const sent_message& f16 = only(a1, ss2);
    auto ack16 = f16.parsed();
    EXPECT_EQ(ack16->method(), "ACK");
    EXPECT_EQ(ack16.values(header_id::route), std::vector<std::string>{"<sip:ss2.biloxi.example.com;lr>"});
    EXPECT_EQ(ack16.first(header_id::max_forwards), "69");
    EXPECT_EQ(ack16.values(header_id::via).size(), 2u);
    EXPECT_TRUE(ack16.values(header_id::record_route).empty());
    auto a2 = p2.deliver(f16.bytes, ss1, transport::tcp);
    const sent_message& f17 = only(a2, bob);
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
    const sent_message& f19 = only(b2, ss1);
    auto bye19 = f19.parsed();
    EXPECT_EQ(bye19.values(header_id::route), std::vector<std::string>{"<sip:ss1.atlanta.example.com;lr>"});
    EXPECT_EQ(bye19.values(header_id::via).size(), 2u);
    EXPECT_TRUE(bye19.values(header_id::record_route).empty());
    auto b1 = p1.deliver(f19.bytes, ss2, transport::tcp);
    const sent_message& f20 = only(b1, alice);
    auto bye20 = f20.parsed();
    EXPECT_EQ(bye20->request_uri(), "sip:alice@client.atlanta.example.com");
    EXPECT_TRUE(bye20.values(header_id::route).empty());
    EXPECT_EQ(bye20.values(header_id::via).size(), 3u);

    // F21-F23: 200 for the BYE back to Bob.
    auto o1 = p1.deliver(uas_response(f20.bytes, 200, "9fxced76sl"), alice, transport::tcp);
    const sent_message& f22 = only(o1, ss2);
    auto o2 = p2.deliver(f22.bytes, ss1, transport::tcp);
    const sent_message& f23 = only(o2, bob);
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
    EXPECT_TRUE(find_sent(r1, ss2, "ACK"));                // F9
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
    EXPECT_EQ(cp.values(header_id::via), std::vector<std::string>{parse(inv_at_p2).values(header_id::via)[0]});
    EXPECT_EQ(cp.first(header_id::cseq), "1 CANCEL");
    auto c2 = p2.deliver(cancel_p2->bytes, ss1, transport::tcp);
    ASSERT_EQ(c2.size(), 2u);
    EXPECT_TRUE(find_sent(c2, ss1, "SIP/2.0 200"));
    const sent_message* cancel_bob = find_sent(c2, bob, "CANCEL");
    ASSERT_TRUE(cancel_bob);
    EXPECT_EQ(cancel_bob->parsed()->request_uri(), parse(at_bob)->request_uri());
    // The 200 for the CANCELs end there.
    EXPECT_TRUE(p1.deliver(uas_response(cancel_p2->bytes, 200, "x"), ss2, transport::tcp).empty());
    EXPECT_TRUE(p2.deliver(uas_response(cancel_bob->bytes, 200, "314159"), bob, transport::tcp).empty());
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

} // namespace
} // namespace sipedge::proxy::test
