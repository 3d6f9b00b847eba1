// §17.2.3 server matching (RFC 3261 branch and the RFC 2543 fallback) and §17.1.3
// client matching, through the keys.

#include "dataplane/transaction/transaction_key.hh"
#include "tests/dataplane/transaction/sip_test_util.hh"

#include <gtest/gtest.h>
#include <string>

namespace sipedge::txn {
namespace {

using test::parse;
using test::wire;

std::string request(std::string_view method, std::string_view via, std::string_view to_tag = "",
                    std::string_view ruri = "sip:bob@biloxi.example.com", int cseq = 1) {
    return wire(std::string(method) + " " + std::string(ruri) +
                " SIP/2.0\n"
                "Via: " +
                std::string(via) +
                "\n"
                "Max-Forwards: 70\n"
                "From: <sip:alice@atlanta.example.com>;tag=1\n"
                "To: <sip:bob@biloxi.example.com>" +
                (to_tag.empty() ? "" : ";tag=" + std::string(to_tag)) +
                "\n"
                "Call-ID: c@a\n"
                "CSeq: " +
                std::to_string(cseq) + " " + std::string(method) +
                "\n"
                "Content-Length: 0\n\n");
}

txn_key key(const key_maker& k, const std::string& text) {
    auto m = parse(text);
    EXPECT_TRUE(m.ok);
    return k.server_key(*m, m.essentials());
}

TEST(transaction_key, rfc3261_ack_matches_invite_cancel_does_not) {
    key_maker k(42);
    const std::string via = "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds";
    const txn_key invite = key(k, request("INVITE", via));
    EXPECT_EQ(key(k, request("INVITE", via)), invite);     // retransmission
    EXPECT_EQ(key(k, request("ACK", via, "xyz")), invite); // ACK for a non-2xx
    EXPECT_NE(key(k, request("CANCEL", via)), invite);     // own transaction
    auto cancel = parse(request("CANCEL", via));
    EXPECT_EQ(k.server_key(*cancel, cancel.essentials(), "INVITE"), invite); // what it cancels
    // sent-by is part of the key (host case-insensitively, and port)
    EXPECT_EQ(
        key(k, request("INVITE", "SIP/2.0/UDP PC33.atlanta.example.com;branch=z9hG4bK776asdhds")),
        invite);
    EXPECT_NE(key(k, request("INVITE",
                             "SIP/2.0/UDP pc33.atlanta.example.com:5070;branch=z9hG4bK776asdhds")),
              invite);
    EXPECT_NE(
        key(k, request("INVITE", "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhdt")),
        invite);
    EXPECT_NE(key_maker(43).server_key(*cancel, cancel.essentials(), "INVITE"), invite); // seeded
}

TEST(transaction_key, rfc2543_fallback_matches_on_dialog_fields) {
    key_maker k(7);
    const std::string via = "SIP/2.0/UDP host.example.com;branch=old2543";
    const txn_key invite = key(k, request("INVITE", via));
    EXPECT_EQ(key(k, request("INVITE", via)), invite);
    EXPECT_EQ(key(k, request("ACK", via, "totag")), invite); // ACK carries our To tag
    EXPECT_NE(key(k, request("INVITE", via, "", "sip:carol@biloxi.example.com")), invite);
    EXPECT_NE(key(k, request("INVITE", via, "", "sip:bob@biloxi.example.com", 2)), invite);
    EXPECT_NE(key(k, request("INVITE", "SIP/2.0/UDP other.example.com;branch=old2543")), invite);
    // No branch at all (RFC 4475 inv2543-like) works the same way.
    const std::string bare = "SIP/2.0/UDP host.example.com";
    EXPECT_EQ(key(k, request("ACK", bare, "t")), key(k, request("INVITE", bare)));
    // Non-INVITE requests keep the To tag in the key.
    EXPECT_NE(key(k, request("BYE", via, "a")), key(k, request("BYE", via, "b")));
}

TEST(transaction_key, client_key_separates_cancel_from_invite) {
    key_maker k(1);
    EXPECT_EQ(k.client_key("z9hG4bKx", "INVITE"), k.client_key("z9hG4bKx", "INVITE"));
    EXPECT_NE(k.client_key("z9hG4bKx", "INVITE"), k.client_key("z9hG4bKx", "CANCEL"));
    EXPECT_NE(k.client_key("z9hG4bKx", "INVITE"), k.client_key("z9hG4bKy", "INVITE"));
}

// The field form: every word and the method count, and the per-lcore seed too.
TEST(transaction_key, client_key_of_fields_depends_on_each_word_the_method_and_the_seed) {
    key_maker k(1);
    const txn_key base = k.client_key(1, 2, 3, "INVITE");
    EXPECT_EQ(k.client_key(1, 2, 3, "INVITE"), base);
    EXPECT_NE(k.client_key(9, 2, 3, "INVITE"), base);
    EXPECT_NE(k.client_key(1, 9, 3, "INVITE"), base);
    EXPECT_NE(k.client_key(1, 2, 9, "INVITE"), base);
    EXPECT_NE(k.client_key(1, 2, 3, "CANCEL"), base);
    EXPECT_NE(k.client_key(2, 1, 3, "INVITE"), base); // order matters
    EXPECT_NE(key_maker(2).client_key(1, 2, 3, "INVITE"), base);
}

} // namespace
} // namespace sipedge::txn
