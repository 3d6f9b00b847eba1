// Requests inside a dialog the proxy record-routed (RFC 3261 §12.2, §16.4, §16.6):
// re-INVITE, UPDATE and INFO from either side carry the Route set; the proxy takes
// its own entry off, forwards to the Request-URI (the remote target) or the next
// Route entry, adds no Record-Route, and runs the usual transactions (100 Trying
// for INVITE, ACK for the re-INVITE's 2xx routed statelessly, absorbed
// retransmissions). A strict-routing previous hop is handled as §16.4 says.

#include "tests/dataplane/proxy/single_proxy.hh"

#include <gtest/gtest.h>

namespace sipedge::proxy::test {
namespace {

using sip::header_id;

const txn::endpoint next_proxy = txn::endpoint::ipv4(203, 0, 113, 9, 5060);

// A request of the established dialog. from_uac: Alice -> Bob (target Bob's
// Contact), else Bob -> Alice (target Alice's Contact, tags swapped).
std::string in_dialog(std::string_view method, int cseq, std::string_view branch, bool from_uac,
                      std::string_view route = "Route: <sip:198.51.100.1;lr>\n",
                      std::string_view body = "") {
    const std::string ruri = from_uac ? "sip:bob@192.0.2.21" : "sip:alice@192.0.2.10";
    const std::string via = from_uac ? "192.0.2.10:5060" : "192.0.2.21:5060";
    const std::string alice = "<sip:alice@example.org>;tag=a1";
    const std::string bob = "<sip:bob@example.com>;tag=b1";
    std::string m = std::string(method) + " " + ruri +
                    " SIP/2.0\n"
                    "Via: SIP/2.0/UDP " +
                    via + ";branch=" + std::string(branch) +
                    "\n"
                    "Max-Forwards: 70\n" +
                    std::string(route) + "From: " + (from_uac ? alice : bob) +
                    "\n"
                    "To: " +
                    (from_uac ? bob : alice) +
                    "\n"
                    "Call-ID: dialog-1@192.0.2.10\n"
                    "CSeq: " +
                    std::to_string(cseq) + " " + std::string(method) +
                    "\n"
                    "Contact: <" +
                    (from_uac ? "sip:alice@192.0.2.10" : "sip:bob@192.0.2.21") + ">\n";
    if (!body.empty()) {
        m += "Content-Type: application/sdp\n";
    }
    m += "Content-Length: " + std::to_string(body.size()) + "\n\n" + std::string(body);
    return wire(m);
}

class in_dialog_test : public ::testing::Test {
protected:
    in_dialog_test() : p(config()) {
        p.location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
        p.config.hosts.push_back({"next.example.net", next_proxy});
        establish();
    }

    // INVITE / 200 (with the Record-Route echoed) / ACK, as in RFC 3665 §3.1.
    void establish() {
        std::string inv = invite();
        const std::string generated = "call-z9hG4bKuac1@192.0.2.10";
        inv.replace(inv.find(generated), generated.size(), "dialog-1@192.0.2.10");
        auto out = p.deliver(inv, uac);
        const sent_message* fwd = find_sent(out, uas1, "INVITE");
        ASSERT_TRUE(fwd);
        EXPECT_EQ(fwd->parsed().values(header_id::record_route),
                  std::vector<std::string>{"<sip:198.51.100.1;lr>"});
        auto ok = p.deliver(uas_response(fwd->bytes, 200, "b1", "<sip:bob@192.0.2.21>"), uas1);
        const sent_message* up = find_sent(ok, uac, "SIP/2.0 200");
        ASSERT_TRUE(up);
        EXPECT_EQ(up->parsed().values(header_id::record_route),
                  std::vector<std::string>{"<sip:198.51.100.1;lr>"});
        ASSERT_TRUE(
            find_sent(p.deliver(in_dialog("ACK", 1, "z9hG4bKack1", true), uac), uas1, "ACK"));
    }

    // The request as forwarded, checked for what every in-dialog hop must do.
    static parsed_message forwarded(const std::vector<sent_message>& out, const txn::endpoint& to,
                                    std::string_view method, const std::string& original) {
        const sent_message* m = find_sent(out, to, method);
        EXPECT_TRUE(m) << method;
        if (!m) {
            return {};
        }
        auto f = m->parsed();
        auto o = parse(original);
        EXPECT_EQ(f->request_uri(), o->request_uri());          // the remote target
        EXPECT_TRUE(f.values(header_id::route).empty());        // our entry removed
        EXPECT_TRUE(f.values(header_id::record_route).empty()); // §12.2: route set is fixed
        EXPECT_EQ(f.first(header_id::max_forwards), "69");
        const auto vias = f.values(header_id::via);
        EXPECT_EQ(vias.size(), 2u);
        if (vias.size() == 2) {
            EXPECT_TRUE(vias[0].starts_with("SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKsE"));
            EXPECT_EQ(vias[1], o.values(header_id::via)[0]);
        }
        EXPECT_EQ(f->body(), o->body());
        return f;
    }

    proxy_node p;
};

TEST_F(in_dialog_test, re_invite_from_the_caller) {
    const std::string sdp = "v=0\r\no=alice 1 2 IN IP4 192.0.2.10\r\ns=-\r\n";
    const std::string reinv =
        in_dialog("INVITE", 2, "z9hG4bKre1", true, "Route: <sip:198.51.100.1;lr>\n", sdp);
    auto out = p.deliver(reinv, uac);
    EXPECT_TRUE(find_sent(out, uac, "SIP/2.0 100")); // an INVITE like any other
    auto f = forwarded(out, uas1, "INVITE", reinv);
    ASSERT_TRUE(f.ok);
    // A retransmission before the answer gets the 100 again, is not forwarded.
    auto again = p.deliver(reinv, uac);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_TRUE(again[0].bytes.starts_with("SIP/2.0 100"));

    auto ok = p.deliver(uas_response(f.bytes, 200, "b1", "<sip:bob@192.0.2.21>"), uas1);
    const sent_message* up = find_sent(ok, uac, "SIP/2.0 200");
    ASSERT_TRUE(up);
    EXPECT_EQ(up->parsed().values(header_id::via), parse(reinv).values(header_id::via));
    EXPECT_EQ(up->parsed().first(header_id::cseq), "2 INVITE");
    // Its ACK is routed like the request, statelessly.
    const std::string ack = in_dialog("ACK", 2, "z9hG4bKack2", true);
    auto a = p.deliver(ack, uac);
    auto fa = forwarded(a, uas1, "ACK", ack);
    ASSERT_TRUE(fa.ok);
    EXPECT_EQ(a.size(), 1u);
}

TEST_F(in_dialog_test, re_invite_from_the_callee_rejected_with_491) {
    const std::string reinv = in_dialog("INVITE", 1, "z9hG4bKbre", false);
    auto out = p.deliver(reinv, uas1);
    EXPECT_TRUE(find_sent(out, uas1, "SIP/2.0 100"));
    auto f = forwarded(out, uac, "INVITE", reinv);
    ASSERT_TRUE(f.ok);
    // §14.1 glare: Alice answers 491; the proxy ACKs it itself and relays it.
    auto r = p.deliver(uas_response(f.bytes, 491, "a1"), uac);
    const sent_message* ack = find_sent(r, uac, "ACK");
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->parsed().first(header_id::cseq), "1 ACK");
    EXPECT_EQ(ack->parsed().values(header_id::via).size(), 1u); // hop by hop
    ASSERT_TRUE(find_sent(r, uas1, "SIP/2.0 491"));
    // Bob's ACK for the 491 ends at the proxy.
    EXPECT_TRUE(p.deliver(in_dialog("ACK", 1, "z9hG4bKbre", false), uas1).empty());
}

// An ACK's route is worked out before the lookup that tells an ACK for a 2xx
// (forwarded) from one for our own non-2xx (absorbed): one that cannot be routed
// (Max-Forwards 0) is a stray only when no transaction takes it.
TEST_F(in_dialog_test, unroutable_ack_is_a_stray_unless_its_transaction_takes_it) {
    const std::string reinv = in_dialog("INVITE", 1, "z9hG4bKbre", false);
    auto f = forwarded(p.deliver(reinv, uas1), uac, "INVITE", reinv);
    ASSERT_TRUE(f.ok);
    ASSERT_TRUE(find_sent(p.deliver(uas_response(f.bytes, 491, "a1"), uac), uas1, "SIP/2.0 491"));
    const auto strays = p.count(counter_id::drop_stray_ack);
    const auto forwarded_acks = p.count(counter_id::proxy_acks_forwarded);
    auto no_hops = [](std::string m) {
        m.replace(m.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
        return m;
    };
    // The ACK for the 491, with no hops left: its transaction absorbs it.
    EXPECT_TRUE(p.deliver(no_hops(in_dialog("ACK", 1, "z9hG4bKbre", false)), uas1).empty());
    EXPECT_EQ(p.count(counter_id::drop_stray_ack), strays);
    // An ACK for a 2xx with no hops left: no transaction, dropped and counted.
    EXPECT_TRUE(p.deliver(no_hops(in_dialog("ACK", 1, "z9hG4bKack9", true)), uac).empty());
    EXPECT_EQ(p.count(counter_id::drop_stray_ack), strays + 1);
    EXPECT_EQ(p.count(counter_id::proxy_acks_forwarded), forwarded_acks);
    // The same ACK with hops left goes on.
    EXPECT_TRUE(find_sent(p.deliver(in_dialog("ACK", 1, "z9hG4bKack9", true), uac), uas1, "ACK"));
    EXPECT_EQ(p.count(counter_id::proxy_acks_forwarded), forwarded_acks + 1);
}

TEST_F(in_dialog_test, update_from_the_callee_and_info_from_the_caller) {
    const std::string update = in_dialog("UPDATE", 2, "z9hG4bKupd", false);
    auto out = p.deliver(update, uas1);
    EXPECT_FALSE(find_sent(out, uas1, "SIP/2.0 100")); // no 100 for non-INVITE
    auto fu = forwarded(out, uac, "UPDATE", update);
    ASSERT_TRUE(fu.ok);
    auto r = p.deliver(uas_response(fu.bytes, 200, "a1"), uac);
    const sent_message* up = find_sent(r, uas1, "SIP/2.0 200");
    ASSERT_TRUE(up);
    EXPECT_EQ(up->parsed().first(header_id::cseq), "2 UPDATE");
    EXPECT_EQ(up->parsed().values(header_id::via), parse(update).values(header_id::via));

    const std::string info = in_dialog("INFO", 3, "z9hG4bKinfo", true);
    auto fi = forwarded(p.deliver(info, uac), uas1, "INFO", info);
    ASSERT_TRUE(fi.ok);
    auto ri = p.deliver(uas_response(fi.bytes, 200, "b1"), uas1);
    const sent_message* info_ok = find_sent(ri, uac, "SIP/2.0 200");
    ASSERT_TRUE(info_ok);
    // A retransmitted INFO after the answer gets the same 200, is not forwarded.
    auto again = p.deliver(info, uac);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].bytes, info_ok->bytes);
    EXPECT_EQ(p.count(counter_id::drop_stray_response), 0u);
}

TEST_F(in_dialog_test, route_set_with_a_further_hop_goes_to_that_hop) {
    const std::string info = in_dialog("INFO", 4, "z9hG4bKnext", true,
                                       "Route: <sip:198.51.100.1;lr>, <sip:next.example.net;lr>\n");
    auto out = p.deliver(info, uac);
    const sent_message* m = find_sent(out, next_proxy, "INFO");
    ASSERT_TRUE(m);
    auto f = m->parsed();
    EXPECT_EQ(f->request_uri(), "sip:bob@192.0.2.21");
    EXPECT_EQ(f.values(header_id::route), std::vector<std::string>{"<sip:next.example.net;lr>"});
    EXPECT_TRUE(f.values(header_id::record_route).empty());
}

TEST_F(in_dialog_test, request_from_a_strict_router_uses_the_last_route_entry) {
    // §16.4: the previous hop put our Record-Route URI into the Request-URI and the
    // remote target at the end of the Route set.
    std::string info = in_dialog("INFO", 5, "z9hG4bKstrict", true, "Route: <sip:bob@192.0.2.21>\n");
    info.replace(0, info.find(" SIP/2.0"), "INFO sip:198.51.100.1;lr");
    auto out = p.deliver(info, uac);
    const sent_message* m = find_sent(out, uas1, "INFO");
    ASSERT_TRUE(m);
    auto f = m->parsed();
    EXPECT_EQ(f->request_uri(), "sip:bob@192.0.2.21");
    EXPECT_TRUE(f.values(header_id::route).empty());
}

TEST_F(in_dialog_test, bye_ends_the_dialog_and_all_state_goes) {
    const std::string bye = in_dialog("BYE", 2, "z9hG4bKbye", false);
    auto f = forwarded(p.deliver(bye, uas1), uac, "BYE", bye);
    ASSERT_TRUE(f.ok);
    EXPECT_TRUE(find_sent(p.deliver(uas_response(f.bytes, 200, "a1"), uac), uas1, "SIP/2.0 200"));
    (void)p.advance_to(10 * 64 * 500);
    EXPECT_EQ(p.core.transactions(), 0u);
    EXPECT_EQ(p.core.contexts_in_use(), 0u);
    EXPECT_EQ(p.core.message_store_chunks_used(), 0u);
}

} // namespace
} // namespace sipedge::proxy::test
