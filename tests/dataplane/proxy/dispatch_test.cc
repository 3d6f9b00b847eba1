// proxy_core::owning_lcore, the dataplane's dispatch rule: requests by a hash of the
// Call-ID (so an INVITE, its CANCEL, its ACK and the dialog's later requests meet
// on one lcore), responses by the lcore this proxy encoded in its own Via branch
// (so a response reaches the lcore holding its client transaction). Always in
// range, and the same answer every time.

#include "dataplane/proxy/branch.hh"
#include "tests/dataplane/proxy/single_proxy.hh"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace sipedge::proxy::test {
namespace {

std::string request(std::string_view method, std::string_view call_id, std::string_view branch,
                    std::string_view to_tag = "", int cseq = 1) {
    return wire(std::string(method) +
                " sip:bob@example.com SIP/2.0\n"
                "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=" +
                std::string(branch) +
                "\n"
                "Max-Forwards: 70\n"
                "From: <sip:alice@example.org>;tag=a1\n"
                "To: <sip:bob@example.com>" +
                std::string(to_tag) +
                "\n"
                "Call-ID: " +
                std::string(call_id) +
                "\n"
                "CSeq: " +
                std::to_string(cseq) + " " + std::string(method) +
                "\n"
                "Content-Length: 0\n\n");
}

std::uint16_t owner(const std::string& bytes, std::uint16_t lcores) {
    auto m = parse(bytes);
    EXPECT_TRUE(m.ok);
    return proxy_core::owning_lcore(*m, lcores);
}

std::string call_id(int i) {
    return "dispatch-" + std::to_string(i * 7919) + "@192.0.2.10";
}

TEST(dispatch_test, requests_of_one_call_meet_on_one_lcore_in_range) {
    for (const std::uint16_t lcores : {1, 2, 3, 4, 7, 16}) {
        std::vector<int> per_lcore(lcores, 0);
        for (int i = 0; i < 400; ++i) {
            const std::string id = call_id(i);
            const std::uint16_t o =
                owner(request("INVITE", id, "z9hG4bKi" + std::to_string(i)), lcores);
            ASSERT_LT(o, lcores);
            ++per_lcore[o];
            EXPECT_EQ(o, lcore_for_call_id(id, lcores));
            // Same Call-ID, other method, branch, CSeq and tags: same owner.
            EXPECT_EQ(owner(request("CANCEL", id, "z9hG4bKi" + std::to_string(i)), lcores), o);
            EXPECT_EQ(owner(request("ACK", id, "z9hG4bKa" + std::to_string(i), ";tag=b"), lcores),
                      o);
            EXPECT_EQ(
                owner(request("BYE", id, "z9hG4bKb" + std::to_string(i), ";tag=b", 2), lcores), o);
            // Stable: asked again, the same answer.
            EXPECT_EQ(owner(request("INVITE", id, "z9hG4bKi" + std::to_string(i)), lcores), o);
        }
        if (lcores == 1) {
            EXPECT_EQ(per_lcore[0], 400);
            continue;
        }
        // Calls spread: no lcore is left without work, none takes twice its share.
        for (const int n : per_lcore) {
            EXPECT_GT(n, 0) << lcores << " lcores";
            EXPECT_LT(n, 2 * 400 / lcores) << lcores << " lcores";
        }
    }
}

TEST(dispatch_test, responses_go_to_the_lcore_named_in_our_branch) {
    constexpr std::uint16_t lcores = 4;
    std::vector<std::unique_ptr<proxy_node>> nodes;
    for (std::uint16_t l = 0; l < lcores; ++l) {
        proxy_config cfg = config();
        cfg.lcore_id = l;
        cfg.lcore_count = lcores;
        nodes.push_back(std::make_unique<proxy_node>(cfg));
        nodes.back()->location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
    }
    int crossing = 0; // responses whose Call-ID hash names another lcore
    for (int i = 0; i < 40; ++i) {
        const std::string id = call_id(i);
        const std::uint16_t by_call_id = lcore_for_call_id(id, lcores);
        // Whichever lcore forwarded the request owns the response, whatever the
        // Call-ID says (e.g. a request handed over, or forwarded by another node).
        const std::uint16_t l = static_cast<std::uint16_t>(i % lcores);
        crossing += l != by_call_id ? 1 : 0;
        auto out = nodes[l]->deliver(request("INVITE", id, "z9hG4bKr" + std::to_string(i)), uac);
        const sent_message* fwd = find_sent(out, uas1, "INVITE");
        ASSERT_TRUE(fwd);
        for (const std::uint16_t status : {180, 200}) {
            const std::string resp = uas_response(fwd->bytes, status, "b");
            EXPECT_EQ(owner(resp, lcores), l);
            EXPECT_EQ(owner(resp, lcores), l); // stable
            // And that lcore does hold the client transaction: the response goes up.
            EXPECT_TRUE(find_sent(nodes[l]->deliver(resp, uas1), uac, "SIP/2.0"));
        }
    }
    EXPECT_GT(crossing, 0); // the branch, not the Call-ID, decided
    for (const auto& n : nodes) {
        EXPECT_EQ(n->count(counter_id::drop_stray_response), 0u);
    }
}

TEST(dispatch_test, responses_without_a_usable_branch_of_ours_go_by_call_id) {
    constexpr std::uint16_t lcores = 4;
    const std::string id = call_id(3);
    const std::uint16_t by_call_id = lcore_for_call_id(id, lcores);
    auto response_with_branch = [&](std::string_view branch) {
        return wire("SIP/2.0 200 OK\n"
                    "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=" +
                    std::string(branch) +
                    "\n"
                    "From: <sip:alice@example.org>;tag=a1\n"
                    "To: <sip:bob@example.com>;tag=b\n"
                    "Call-ID: " +
                    id +
                    "\n"
                    "CSeq: 1 INVITE\nContent-Length: 0\n\n");
    };
    // Someone else's branch.
    EXPECT_EQ(owner(response_with_branch("z9hG4bKforeign"), lcores), by_call_id);
    // Ours, but naming an lcore beyond the count (another configuration): in range.
    for (std::uint16_t named = 0; named < 8; ++named) {
        char b[branch_length];
        format_branch({named, 0x1234, 7, 1}, b);
        const std::uint16_t o =
            owner(response_with_branch(std::string_view(b, branch_length)), lcores);
        EXPECT_EQ(o, named < lcores ? named : by_call_id);
    }
    // With one lcore everything is lcore 0.
    EXPECT_EQ(owner(response_with_branch("z9hG4bKforeign"), 1), 0u);
}

TEST(dispatch_test, message_without_call_id_goes_to_lcore_0) {
    std::string r = request("OPTIONS", "x@y", "z9hG4bKnc");
    r.erase(r.find("Call-ID:"), r.find("CSeq:") - r.find("Call-ID:"));
    EXPECT_EQ(owner(r, 4), 0u);
}

} // namespace
} // namespace sipedge::proxy::test
