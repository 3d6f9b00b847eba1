// Proxy core behaviour outside the RFC 3665 scripts: RFC 6026 cases, request
// validation (§16.3 incl. RFC 4475 §3.3 messages), overload, forking and CANCEL races.

#include "tests/dataplane/proxy/single_proxy.hh"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>

namespace sipedge::proxy::test {
namespace {

using sip::header_id;
using txn::endpoint;
using txn::transport;

class behaviour_test : public ::testing::Test {
protected:
    behaviour_test() : p(config()) {
        p.location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
        p.location.add("fork@example.com", {"sip:fork@192.0.2.21", 1000});
        p.location.add("fork@example.com", {"sip:fork@192.0.2.22", 1000});
        p.location.add("fork@example.com", {"sip:fork@192.0.2.23", 1000});
        p.location.add("seq@example.com", {"sip:seq@192.0.2.21", 900});
        p.location.add("seq@example.com", {"sip:seq@192.0.2.22", 500});
    }
    std::uint16_t local_status(const std::string& request) {
        auto out = p.deliver(request, uac);
        for (const sent_message& m : out) {
            if (m.to == uac && m.bytes.starts_with("SIP/2.0 ") &&
                !m.bytes.starts_with("SIP/2.0 100")) {
                return static_cast<std::uint16_t>(std::stoi(m.bytes.substr(8, 3)));
            }
        }
        return 0;
    }
    proxy_node p;
};

// ---------------------------------------------------------------- RFC 6026

TEST_F(behaviour_test, stray_2xx_is_dropped_and_counted) {
    const std::string stray = wire(
        "SIP/2.0 200 OK\n"
        "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKsE0000ffffffffffffffff0000000100000000\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKuac1\n"
        "From: <sip:alice@example.org>;tag=a1\n"
        "To: <sip:bob@example.com>;tag=b\n"
        "Call-ID: x@y\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
    EXPECT_TRUE(p.deliver(stray, uas1).empty());
    EXPECT_EQ(p.count(counter_id::drop_stray_response), 1u);
    // Not even our branch format: dropped too.
    std::string foreign = stray;
    foreign.replace(foreign.find("z9hG4bKsE"), 9, "z9hG4bKxx");
    EXPECT_TRUE(p.deliver(foreign, uas1).empty());
    EXPECT_EQ(p.count(counter_id::drop_stray_response), 2u);
}

TEST_F(behaviour_test, second_2xx_from_another_fork_reaches_the_uac) {
    auto out = p.deliver(invite("sip:fork@example.com"), uac);
    const sent_message* b1 = find_sent(out, uas1, "INVITE");
    const sent_message* b2 = find_sent(out, uas2, "INVITE");
    ASSERT_TRUE(b1 && b2 && find_sent(out, uas3, "INVITE"));
    EXPECT_EQ(p.count(counter_id::proxy_forked_requests), 1u);
    auto r1 = p.deliver(uas_response(b1->bytes, 200, "t1"), uas1);
    ASSERT_TRUE(find_sent(r1, uac, "SIP/2.0 200"));
    // The other branches got no provisional, so no CANCEL yet (§9.1).
    EXPECT_FALSE(find_sent(r1, uas2, "CANCEL"));
    auto r2 = p.deliver(uas_response(b2->bytes, 180, "t2"), uas2);
    EXPECT_TRUE(find_sent(r2, uas2, "CANCEL"));      // the wanted CANCEL goes once a 1xx came
    EXPECT_FALSE(find_sent(r2, uac, "SIP/2.0 180")); // no provisional after a final
    auto r3 = p.deliver(uas_response(b2->bytes, 200, "t2"), uas2);
    const sent_message* second = find_sent(r3, uac, "SIP/2.0 200");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->parsed().first(header_id::to), "<sip:bob@example.com>;tag=t2");
    // A 2xx retransmission also passes (UAS reliability is end to end).
    EXPECT_TRUE(find_sent(p.deliver(uas_response(b1->bytes, 200, "t1"), uas1), uac, "SIP/2.0 200"));
}

TEST_F(behaviour_test, timer_l_ends_the_accepted_server_transaction) {
    auto out = p.deliver(invite(), uac);
    const sent_message* fwd = find_sent(out, uas1, "INVITE");
    ASSERT_TRUE(fwd);
    (void)p.deliver(uas_response(fwd->bytes, 200, "t"), uas1);
    EXPECT_TRUE(p.deliver(invite(), uac).empty()); // absorbed in Accepted
    (void)p.advance_to(32000 + timer::timer_wheel::max_lateness(32000));
    EXPECT_EQ(p.core.transactions(), 0u); // L and M both ended
    EXPECT_EQ(p.core.contexts_in_use(), 0u);
    // After L, a 2xx retransmission is stray: dropped, not forwarded.
    EXPECT_TRUE(p.deliver(uas_response(fwd->bytes, 200, "t"), uas1).empty());
    EXPECT_EQ(p.count(counter_id::drop_stray_response), 1u);
}

// §16.7 step 3: our Via comes off whether it has a line of its own (the whole line
// goes) or shares one with the Via below (only our element and its comma go).
TEST_F(behaviour_test, our_via_comes_off_alone_or_from_a_shared_line) {
    auto out = p.deliver(invite(), uac);
    const sent_message* fwd = find_sent(out, uas1, "INVITE");
    ASSERT_TRUE(fwd);
    const std::string ringing = uas_response(fwd->bytes, 180, "t");
    // As built: one Via per line. Ours alone on its line, with trailing blanks.
    std::string alone = ringing;
    const std::size_t second = alone.find("\r\nVia: ", alone.find("Via: ") + 1);
    ASSERT_NE(second, std::string::npos);
    alone.insert(second, "  ");
    auto r1 = p.deliver(alone, uas1);
    const sent_message* up1 = find_sent(r1, uac, "SIP/2.0 180");
    ASSERT_TRUE(up1);
    auto v1 = up1->parsed().values(header_id::via);
    ASSERT_EQ(v1.size(), 1u);
    EXPECT_EQ(v1[0].find("198.51.100.1"), std::string::npos);
    // Ours and the UAC's on one line.
    std::string shared = ringing;
    shared.replace(second, 7, ", ");
    auto r2 = p.deliver(shared, uas1);
    const sent_message* up2 = find_sent(r2, uac, "SIP/2.0 180");
    ASSERT_TRUE(up2) << shared;
    const auto parsed = up2->parsed();
    auto v2 = parsed.values(header_id::via);
    ASSERT_EQ(v2.size(), 1u);
    EXPECT_EQ(v2[0], v1[0]);
    EXPECT_EQ(parsed->count(header_id::via), 1u);
}

// ---------------------------------------------------------------- validation (§16.3)

TEST_F(behaviour_test, validation_statuses) {
    EXPECT_EQ(local_status(invite("tel:+15551234567", "z9hG4bKv1")), 416);
    EXPECT_EQ(local_status(invite("sip:bob@example.com", "z9hG4bKv2", "Proxy-Require: foo\n")),
              420);
    std::string zero = invite("sip:bob@example.com", "z9hG4bKv3");
    zero.replace(zero.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
    EXPECT_EQ(local_status(zero), 483);
    EXPECT_EQ(local_status(invite("sip:nobody@example.com", "z9hG4bKv4")), 404);
    // Syntax (§16.3 step 1): a duplicated single-instance header is answered 400...
    std::string two_call_ids = invite("sip:bob@example.com", "z9hG4bKv5");
    two_call_ids.insert(two_call_ids.find("CSeq:"), "Call-ID: other@x\r\n");
    EXPECT_EQ(local_status(two_call_ids), 400);
    // ...while a request without From cannot be answered at all: dropped, counted.
    std::string no_from = invite("sip:bob@example.com", "z9hG4bKv8");
    no_from.erase(no_from.find("From:"), no_from.find("To:") - no_from.find("From:"));
    EXPECT_TRUE(p.deliver(no_from, uac).empty());
    EXPECT_EQ(p.count(counter_id::drop_sip_unparsable), 1u);
    EXPECT_EQ(local_status(invite("sip:198.51.100.1", "z9hG4bKv6", "", "OPTIONS")), 200);
}

TEST_F(behaviour_test, unsupported_lists_the_proxy_require_tags) {
    auto out =
        p.deliver(invite("sip:bob@example.com", "z9hG4bKv7", "Proxy-Require: foo, bar\n"), uac);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].parsed().first(header_id::unsupported), "foo, bar");
}

TEST_F(behaviour_test, missing_max_forwards_becomes_70) {
    std::string req = invite();
    req.erase(req.find("Max-Forwards: 70\r\n"), 18);
    auto out = p.deliver(req, uac);
    const sent_message* fwd = find_sent(out, uas1, "INVITE");
    ASSERT_TRUE(fwd);
    EXPECT_EQ(fwd->parsed().first(header_id::max_forwards), "70");
}

TEST_F(behaviour_test, loop_is_482_but_a_spiral_is_forwarded) {
    // example.com resolves to the proxy itself, so requests retargeted there come back.
    const endpoint self = endpoint::ipv4(198, 51, 100, 1, 5060);
    p.config.hosts.push_back({"example.com", self});
    // Spiral: a -> b (back to us with another Request-URI) -> c at a UAS: forwarded.
    p.location.add("a@example.com", {"sip:b@example.com", 1000});
    p.location.add("b@example.com", {"sip:c@192.0.2.21", 1000});
    auto out = p.deliver(invite("sip:a@example.com", "z9hG4bKspiral"), uac);
    const sent_message* fwd = find_sent(out, self, "INVITE");
    ASSERT_TRUE(fwd);
    auto back = p.deliver(fwd->bytes, self);
    const sent_message* spiral = find_sent(back, uas1, "INVITE");
    ASSERT_TRUE(spiral);
    EXPECT_EQ(spiral->parsed().values(header_id::via).size(), 3u);
    // Loop: loop -> loop, the request comes back unchanged: 482.
    p.location.add("loop@example.com", {"sip:loop@example.com", 1000});
    auto out2 = p.deliver(invite("sip:loop@example.com", "z9hG4bKloop"), uac);
    const sent_message* fwd2 = find_sent(out2, self, "INVITE");
    ASSERT_TRUE(fwd2);
    auto again = p.deliver(fwd2->bytes, self);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_TRUE(again[0].bytes.starts_with("SIP/2.0 482"));
    EXPECT_EQ(again[0].to, self);
}

TEST_F(behaviour_test, full_table_answers_503_with_retry_after) {
    proxy_node small(config(2));
    small.location.add("bob@example.com", {"sip:bob@192.0.2.21", 1000});
    (void)small.deliver(invite("sip:bob@example.com", "z9hG4bKf1"), uac); // server + client
    auto out = small.deliver(invite("sip:bob@example.com", "z9hG4bKf2"), uac);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].bytes.starts_with("SIP/2.0 503"));
    EXPECT_FALSE(out[0].parsed().first(header_id::retry_after).empty());
    EXPECT_GE(small.count(counter_id::drop_txn_table_full), 1u);
}

// RFC 4475 §3.3 messages that a proxy answers itself.
TEST_F(behaviour_test, rfc4475_application_layer_cases) {
    auto load = [](const char* name) {
        std::ifstream f(std::string(SIPEDGE_CORPUS_DIR) + "/rfc4475/" + name, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(f), {});
    };
    proxy_node q(config());
    q.config.domains = {"example.com", "example.net"};
    struct expect_case {
        const char* file;
        int status;
    };
    for (const expect_case& c : {expect_case{"zeromf.dat", 483}, expect_case{"bext01.dat", 420},
                                 expect_case{"unkscm.dat", 416}, expect_case{"insuf.dat", 400},
                                 expect_case{"multi01.dat", 400}, expect_case{"mcl01.dat", 400}}) {
        const std::string msg = load(c.file);
        ASSERT_FALSE(msg.empty()) << c.file;
        auto out = q.deliver(msg, uac);
        int got = 0;
        for (const sent_message& m : out) {
            if (m.bytes.starts_with("SIP/2.0 ") && !m.bytes.starts_with("SIP/2.0 100")) {
                got = std::stoi(m.bytes.substr(8, 3));
            }
        }
        if (c.status == 400 && got == 0) {
            // Too broken to build a response (no Via/From/...): dropped and counted.
            EXPECT_GE(q.count(counter_id::drop_sip_unparsable), 1u) << c.file;
        } else {
            EXPECT_EQ(got, c.status) << c.file;
        }
    }
}

// ---------------------------------------------------------------- CANCEL, forking

TEST_F(behaviour_test, cancel_before_provisional_answers_487_at_once) {
    auto out = p.deliver(invite(), uac);
    const sent_message* fwd = find_sent(out, uas1, "INVITE");
    ASSERT_TRUE(fwd);
    auto c = p.deliver(cancel_for(), uac);
    EXPECT_TRUE(find_sent(c, uac, "SIP/2.0 200"));
    EXPECT_TRUE(find_sent(c, uac, "SIP/2.0 487"));
    EXPECT_FALSE(find_sent(c, uas1, "CANCEL")); // §9.1: not before a provisional
    auto r = p.deliver(uas_response(fwd->bytes, 180, "t"), uas1);
    EXPECT_TRUE(find_sent(r, uas1, "CANCEL"));
    EXPECT_FALSE(find_sent(r, uac, "SIP/2.0 180"));
}

TEST_F(behaviour_test, cancel_after_2xx_changes_nothing) {
    auto out = p.deliver(invite(), uac);
    const sent_message* fwd = find_sent(out, uas1, "INVITE");
    ASSERT_TRUE(fwd);
    (void)p.deliver(uas_response(fwd->bytes, 200, "t"), uas1);
    auto c = p.deliver(cancel_for(), uac);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_TRUE(c[0].bytes.starts_with("SIP/2.0 200")); // CANCEL answered, nothing else
}

TEST_F(behaviour_test, best_response_prefers_6xx_and_maps_503_to_500) {
    auto out = p.deliver(invite("sip:fork@example.com", "z9hG4bKbest"), uac);
    const sent_message* b1 = find_sent(out, uas1, "INVITE");
    const sent_message* b2 = find_sent(out, uas2, "INVITE");
    const sent_message* b3 = find_sent(out, uas3, "INVITE");
    ASSERT_TRUE(b1 && b2 && b3);
    EXPECT_TRUE(find_sent(p.deliver(uas_response(b1->bytes, 503, "x"), uas1), uas1, "ACK"));
    (void)p.deliver(uas_response(b2->bytes, 180, "y"), uas2);
    auto six = p.deliver(uas_response(b3->bytes, 603, "z"), uas3);
    EXPECT_TRUE(find_sent(six, uas2, "CANCEL")); // 6xx cancels the pending branch
    EXPECT_FALSE(find_sent(six, uac, "SIP/2.0 603"));
    auto last = p.deliver(uas_response(b2->bytes, 487, "y"), uas2);
    EXPECT_TRUE(find_sent(last, uac, "SIP/2.0 603"));

    auto out2 = p.deliver(invite("sip:bob@example.com", "z9hG4bK503"), uac);
    const sent_message* only = find_sent(out2, uas1, "INVITE");
    ASSERT_TRUE(only);
    auto r = p.deliver(uas_response(only->bytes, 503, "x"), uas1);
    EXPECT_TRUE(find_sent(r, uac, "SIP/2.0 500"));
}

TEST_F(behaviour_test, challenges_from_all_branches_are_aggregated) {
    auto out = p.deliver(invite("sip:fork@example.com", "z9hG4bKauth"), uac);
    const sent_message* b[3] = {find_sent(out, uas1, "INVITE"), find_sent(out, uas2, "INVITE"),
                                find_sent(out, uas3, "INVITE")};
    ASSERT_TRUE(b[0] && b[1] && b[2]);
    auto challenge = [](const std::string& req, const char* realm, int code) {
        std::string r = uas_response(req, static_cast<std::uint16_t>(code), "c");
        const std::string h = std::string(code == 401 ? "WWW-Authenticate" : "Proxy-Authenticate") +
                              ": Digest realm=\"" + realm + "\", nonce=\"n\"\r\n";
        r.insert(r.find("Content-Length"), h);
        return r;
    };
    (void)p.deliver(challenge(b[0]->bytes, "one", 401), uas1);
    (void)p.deliver(challenge(b[1]->bytes, "two", 407), uas2);
    auto last = p.deliver(uas_response(b[2]->bytes, 486, "c"), uas3);
    const sent_message* resp = find_sent(last, uac, "SIP/2.0 40");
    ASSERT_TRUE(resp);
    auto m = resp->parsed();
    EXPECT_TRUE(m->status_code() == 401 || m->status_code() == 407);
    EXPECT_EQ(m->count(header_id::www_authenticate), 1u);
    EXPECT_EQ(m->count(header_id::proxy_authenticate), 1u);
}

TEST_F(behaviour_test, sequential_forking_by_q) {
    auto out = p.deliver(invite("sip:seq@example.com", "z9hG4bKseq"), uac);
    const sent_message* first = find_sent(out, uas1, "INVITE");
    ASSERT_TRUE(first);
    EXPECT_FALSE(find_sent(out, uas2, "INVITE")); // lower q waits
    auto r = p.deliver(uas_response(first->bytes, 486, "x"), uas1);
    const sent_message* second = find_sent(r, uas2, "INVITE");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->parsed()->request_uri(), "sip:seq@192.0.2.22");
    EXPECT_FALSE(find_sent(r, uac, "SIP/2.0 486"));
    auto r2 = p.deliver(uas_response(second->bytes, 480, "y"), uas2);
    const sent_message* final_resp = find_sent(r2, uac, "SIP/2.0 4");
    ASSERT_TRUE(final_resp);
}

// Targets are tried by q, highest first; equal q keep the order of their bindings
// (the in-place sort must be stable and put the best group first whatever the
// binding order).
TEST_F(behaviour_test, target_groups_by_q_are_stable_in_binding_order) {
    p.location.add("mix@example.com", {"sip:mix@192.0.2.22", 500});
    p.location.add("mix@example.com", {"sip:mix1@192.0.2.21", 900});
    p.location.add("mix@example.com", {"sip:mix@192.0.2.23", 500});
    p.location.add("mix@example.com", {"sip:mix2@192.0.2.21", 900});
    auto out = p.deliver(invite("sip:mix@example.com", "z9hG4bKmix"), uac);
    std::vector<std::string> first_group;
    for (const sent_message& m : out) {
        if (m.bytes.starts_with("INVITE ")) {
            first_group.emplace_back(m.parsed()->request_uri());
        }
    }
    ASSERT_EQ(first_group,
              (std::vector<std::string>{"sip:mix1@192.0.2.21", "sip:mix2@192.0.2.21"}));
    // Both q=900 branches fail: the q=500 group goes out, in binding order.
    std::vector<std::string> second_group;
    for (const sent_message& m : out) {
        if (!m.bytes.starts_with("INVITE ")) {
            continue;
        }
        for (const sent_message& r : p.deliver(uas_response(m.bytes, 486, "x"), uas1)) {
            if (r.bytes.starts_with("INVITE ")) {
                second_group.emplace_back(r.parsed()->request_uri());
            }
        }
    }
    EXPECT_EQ(second_group, (std::vector<std::string>{"sip:mix@192.0.2.22", "sip:mix@192.0.2.23"}));
}

// A request for a foreign domain (or in a dialog) goes to its Request-URI, whose
// parse from the request's essentials is reused for the next hop: port, transport
// and maddr of that URI must still decide where it goes.
TEST_F(behaviour_test, request_uri_target_is_routed_by_its_own_fields) {
    const struct {
        const char* ruri;
        txn::endpoint to;
        txn::transport tp;
    } cases[] = {
        {"sip:carol@192.0.2.22", uas2, txn::transport::udp},
        {"sip:carol@192.0.2.22:5070", txn::endpoint::ipv4(192, 0, 2, 22, 5070),
         txn::transport::udp},
        {"sip:carol@192.0.2.21:5071;transport=tcp", txn::endpoint::ipv4(192, 0, 2, 21, 5071),
         txn::transport::tcp},
        {"sip:carol@192.0.2.99;maddr=192.0.2.21", uas1, txn::transport::udp},
    };
    int n = 0;
    for (const auto& c : cases) {
        const std::string branch = "z9hG4bKruri" + std::to_string(n++);
        for (const char* method : {"OPTIONS", "BYE"}) {
            auto out = p.deliver(invite(c.ruri, branch + method, "", method), uac);
            const sent_message* fwd = find_sent(out, c.to, method);
            ASSERT_TRUE(fwd) << c.ruri << " " << method;
            EXPECT_EQ(fwd->tp, c.tp) << c.ruri;
            EXPECT_EQ(fwd->parsed()->request_uri(), c.ruri);
        }
    }
}

// §16.4: our own entry on top of the Route set comes off, whether it is our
// Record-Route value sent back byte for byte (recognised without parsing) or the
// same URI written otherwise; an entry that only looks like ours stays.
TEST_F(behaviour_test, our_route_entry_is_removed_verbatim_or_not) {
    const endpoint other_port = endpoint::ipv4(198, 51, 100, 1, 5070);
    const struct {
        const char* route;
        endpoint to;
        const char* route_left; // nullptr: no Route header forwarded
    } cases[] = {
        {"<sip:198.51.100.1;lr>", uas1, nullptr},
        {"<sip:198.51.100.1;transport=tcp;lr>", uas1, nullptr},
        {"<sip:198.51.100.1;lr>, <sip:192.0.2.22;lr>", uas2, "<sip:192.0.2.22;lr>"},
        {"<sip:198.51.100.1:5060;lr>, <sip:192.0.2.22;lr>", uas2, "<sip:192.0.2.22;lr>"},
        {"<sip:198.51.100.1;LR>, <sip:192.0.2.22;lr>", uas2, "<sip:192.0.2.22;lr>"},
        {"<sip:198.51.100.1;lr>;x=1", uas1, nullptr},
        {"<sip:198.51.100.1:5070;lr>", other_port, "<sip:198.51.100.1:5070;lr>"},
        {"<sip:198.51.100.1;lr>x", other_port, nullptr}, // not a name-addr: 400
    };
    int n = 0;
    for (const auto& c : cases) {
        const std::string branch = "z9hG4bKroute" + std::to_string(n++);
        auto out = p.deliver(
            invite("sip:bob@192.0.2.21", branch, "Route: " + std::string(c.route) + "\n", "BYE"),
            uac);
        if (c.to == other_port && c.route_left == nullptr) {
            EXPECT_EQ(local_status(invite("sip:bob@192.0.2.21", branch + "b",
                                          "Route: " + std::string(c.route) + "\n", "BYE")),
                      400)
                << c.route;
            continue;
        }
        const sent_message* fwd = find_sent(out, c.to, "BYE");
        ASSERT_TRUE(fwd) << c.route;
        auto m = fwd->parsed();
        if (c.route_left == nullptr) {
            EXPECT_FALSE(m->has(header_id::route)) << c.route;
        } else {
            ASSERT_TRUE(m->has(header_id::route)) << c.route;
            EXPECT_EQ(*m->first_value(header_id::route), c.route_left) << c.route;
        }
    }
}

} // namespace
} // namespace sipedge::proxy::test
