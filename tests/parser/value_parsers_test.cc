// On-demand value parsers: URIs, name-addr, Via, CSeq, numbers, Contact, session
// timers, option tags, digest credentials/challenges, Retry-After.

#include "parser/auth.hh"
#include "parser/char_class.hh"
#include "parser/contact.hh"
#include "parser/cseq.hh"
#include "parser/name_addr.hh"
#include "parser/option_tags.hh"
#include "parser/params.hh"
#include "parser/scalar_values.hh"
#include "parser/session_timer.hh"
#include "parser/uri.hh"
#include "parser/via.hh"
#include "sip/value_list.hh"

#include <gtest/gtest.h>

namespace sipedge::parser {
namespace {

TEST(uri, sip_with_everything) {
    auto u = parse_uri("sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&x=y");
    ASSERT_TRUE(u.ok());
    const auto& v = u.value();
    EXPECT_EQ(v.scheme, uri_scheme::sips);
    EXPECT_EQ(v.user, "alice");
    EXPECT_EQ(v.password, "secret");
    EXPECT_EQ(v.host, "[2001:db8::1]");
    EXPECT_TRUE(v.host_is_ipv6);
    EXPECT_EQ(v.port, 5061);
    EXPECT_EQ(v.params, "transport=tcp;lr");
    EXPECT_EQ(v.headers, "subject=hi&x=y");
    EXPECT_EQ(find_param(v.params, "TRANSPORT").value, "tcp");
    EXPECT_TRUE(find_param(v.params, "lr").name == "lr");
}

TEST(uri, host_only_and_tel) {
    auto u = parse_uri("sip:example.com");
    ASSERT_TRUE(u.ok());
    EXPECT_FALSE(u.value().has_user);
    EXPECT_EQ(u.value().host, "example.com");
    EXPECT_EQ(u.value().port, 0);
    auto t = parse_uri("tel:+1-201-555-0123;phone-context=example.com");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.value().scheme, uri_scheme::tel);
    EXPECT_EQ(t.value().user, "+1-201-555-0123");
    EXPECT_EQ(t.value().params, "phone-context=example.com");
}

TEST(uri, rejects_malformed) {
    EXPECT_EQ(parse_uri("").error_code(), parse_error_code::invalid_uri);
    EXPECT_EQ(parse_uri("sip:").error_code(), parse_error_code::invalid_uri);
    EXPECT_EQ(parse_uri("sip:a@b@c").error_code(), parse_error_code::invalid_uri);
    EXPECT_EQ(parse_uri("sip:a b").error_code(), parse_error_code::invalid_uri);
    EXPECT_EQ(parse_uri("sip:a@host:99999").error_code(), parse_error_code::invalid_port);
    EXPECT_EQ(parse_uri("sip:a@host:").error_code(), parse_error_code::invalid_port);
    EXPECT_EQ(parse_uri("sip:a@[::1").error_code(), parse_error_code::invalid_host);
    EXPECT_EQ(parse_uri("sip:%zz@h").error_code(), parse_error_code::invalid_escape);
    EXPECT_EQ(parse_uri("sip:a@h;;x").error_code(), parse_error_code::invalid_param);
    EXPECT_EQ(parse_uri("sip:@h").error_code(), parse_error_code::invalid_uri);
}

TEST(uri, unescape_decodes_and_bounds) {
    char out[8];
    auto n = unescape("a%41%2f", out, sizeof out);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(std::string_view(out, n.value()), "aA/");
    EXPECT_EQ(unescape("%4", out, sizeof out).error_code(), parse_error_code::invalid_escape);
    EXPECT_EQ(unescape("123456789", out, sizeof out).error_code(),
              parse_error_code::value_out_of_range);
}

TEST(name_addr, forms) {
    auto a = parse_name_addr("\"Alice A.\" <sip:alice@a.com;transport=udp>;tag=88;x");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a.value().display_name, "Alice A.");
    EXPECT_EQ(a.value().uri, "sip:alice@a.com;transport=udp");
    EXPECT_EQ(a.value().tag, "88");
    EXPECT_EQ(a.value().params, "tag=88;x");
    auto b = parse_name_addr("sip:bob@b.com;tag=9");
    ASSERT_TRUE(b.ok());
    EXPECT_FALSE(b.value().bracketed);
    EXPECT_EQ(b.value().uri, "sip:bob@b.com");
    EXPECT_EQ(b.value().tag, "9");
    auto c = parse_name_addr("Bob <sip:bob@b.com>");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.value().display_name, "Bob");
    EXPECT_FALSE(c.value().has_tag);
}

TEST(name_addr, errors) {
    EXPECT_EQ(parse_name_addr("").error_code(), parse_error_code::empty_value);
    EXPECT_EQ(parse_name_addr("<sip:a@b").error_code(), parse_error_code::unbalanced_angle);
    EXPECT_EQ(parse_name_addr("\"x <sip:a@b>").error_code(), parse_error_code::unterminated_quote);
    EXPECT_EQ(parse_name_addr("<sip:a@b> junk").error_code(), parse_error_code::trailing_garbage);
    EXPECT_EQ(parse_name_addr("<sip:a@b>;tag").error_code(), parse_error_code::invalid_param);
    EXPECT_EQ(parse_name_addr("<>").error_code(), parse_error_code::invalid_uri);
    EXPECT_EQ(parse_name_addr("\"x\" sip:a@b").error_code(), parse_error_code::invalid_value);
}

TEST(via, full) {
    auto v = parse_via("SIP/2.0/TLS [2001:db8::9]:5061;branch=z9hG4bKabc;received=192.0.2.1;"
                       "rport=5070;maddr=224.0.0.1;ttl=16;x=y");
    ASSERT_TRUE(v.ok());
    const auto& x = v.value();
    EXPECT_EQ(x.protocol_name, "SIP");
    EXPECT_EQ(x.protocol_version, "2.0");
    EXPECT_EQ(x.transport, via_transport::tls);
    EXPECT_EQ(x.host, "[2001:db8::9]");
    EXPECT_TRUE(x.host_is_ipv6);
    EXPECT_EQ(x.port, 5061);
    EXPECT_EQ(x.branch, "z9hG4bKabc");
    EXPECT_TRUE(x.rfc3261_branch());
    EXPECT_EQ(x.received, "192.0.2.1");
    EXPECT_TRUE(x.has_rport);
    EXPECT_EQ(x.rport, 5070);
    EXPECT_EQ(x.maddr, "224.0.0.1");
    EXPECT_EQ(x.ttl, 16);
    EXPECT_EQ(find_param(x.params, "x").value, "y");
}

TEST(via, errors) {
    EXPECT_FALSE(parse_via("SIP/2.0 host").ok());
    EXPECT_EQ(parse_via("SIP/2.0/UDP").error_code(), parse_error_code::invalid_host);
    EXPECT_EQ(parse_via("SIP/2.0/UDP h:0").error_code(), parse_error_code::invalid_port);
    EXPECT_EQ(parse_via("SIP/2.0/UDP h;ttl=300").error_code(), parse_error_code::invalid_param);
    EXPECT_EQ(parse_via("SIP/2.0/UDP h;branch").error_code(), parse_error_code::invalid_param);
    EXPECT_EQ(parse_via("SIP/2.0/UDP h x").error_code(), parse_error_code::trailing_garbage);
}

// The one-pass top-Via path must give exactly what splitting the list and parsing
// the first element gives, or decline.
bool same_via(const via& a, const via& b) {
    const auto same = [](std::string_view x, std::string_view y) {
        return x.data() == y.data() && x.size() == y.size();
    };
    return same(a.protocol_name, b.protocol_name) && same(a.protocol_version, b.protocol_version) &&
           same(a.transport_text, b.transport_text) && a.transport == b.transport &&
           same(a.host, b.host) && a.host_is_ipv6 == b.host_is_ipv6 && a.port == b.port &&
           same(a.branch, b.branch) && a.has_branch == b.has_branch &&
           same(a.received, b.received) && a.has_rport == b.has_rport && a.rport == b.rport &&
           same(a.maddr, b.maddr) && a.ttl == b.ttl && same(a.params, b.params);
}

TEST(via, list_head_matches_split_then_parse) {
    const char* accepted[] = {
        "SIP/2.0/UDP h",
        "SIP/2.0/UDP h:5060",
        "SIP/2.0/UDP h,SIP/2.0/TCP x",
        "SIP/2.0/UDP h:5 , SIP/2.0/TCP x",
        "SIP/2.0/UDP h;branch=z9hG4bK1;rport",
        "SIP/2.0/UDP h;branch=z9hG4bK1 ;lr , SIP/2.0/TCP x",
        "SIP/2.0/UDP h;x=\"a,b\";branch=z9,SIP/2.0/TCP y",
        "SIP / 2.0 / TCP h ; received = 192.0.2.1\r\n ;ttl=3, x",
    };
    for (const char* text : accepted) {
        const std::string_view value(text);
        via fast;
        ASSERT_TRUE(parse_via_list_head(value, fast)) << text;
        sip::value_list_cursor list(value);
        std::string_view first;
        ASSERT_TRUE(list.next(first)) << text;
        via slow;
        ASSERT_TRUE(parse_via(first, slow).ok()) << text;
        EXPECT_TRUE(same_via(fast, slow)) << text;
    }
    via v;
    ASSERT_TRUE(parse_via_list_head("SIP/2.0/UDP h;branch=b1 , SIP/2.0/TCP x", v));
    EXPECT_EQ(v.params, "branch=b1") << "params end before the comma and its LWS";
    // Declined: the caller splits the list (and reports the precise error).
    for (const char* text :
         {"", ", SIP/2.0/UDP h", "SIP/2.0/UDP [2001:db8::1]:5060", "SIP/2.0/UDP h;branch",
          "SIP/2.0/UDP h x", "SIP/2.0/UDP h;,x", "SIP/2.0/UDP h;a=\"x, y"}) {
        EXPECT_FALSE(parse_via_list_head(text, v)) << text;
    }
}

// The tag-only fast path agrees with the full parser where it answers, and declines
// the other forms and every error.
TEST(name_addr, tag_fast_path_agrees_or_declines) {
    const char* answered[] = {
        "<sip:a@b>",
        "<sip:a@b>;tag=1",
        "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf",
        "\"Alice, \\\"A\\\"\" <sips:alice@x>;foo=bar;TAG=x;q=1",
        "  Bell Alexander<sip:a@b> ; tag = 7 ",
        "<tel:+1234;phone-context=x>;tag=9;tag=10",
    };
    for (const char* text : answered) {
        std::string_view tag;
        bool has_tag = true;
        ASSERT_TRUE(parse_name_addr_tag(text, tag, has_tag)) << text;
        auto full = parse_name_addr(text);
        ASSERT_TRUE(full.ok()) << text;
        EXPECT_EQ(tag.data(), full.value().tag.data()) << text;
        EXPECT_EQ(tag.size(), full.value().tag.size()) << text;
        EXPECT_EQ(has_tag, full.value().has_tag) << text;
    }
    std::string_view tag;
    bool has_tag = false;
    ASSERT_TRUE(parse_name_addr_tag("<sip:a@b>;tag=9;tag=10", tag, has_tag));
    EXPECT_EQ(tag, "10") << "the last tag wins, as in parse_name_addr";
    for (const char* text :
         {"", "sip:a@b;tag=1", "Bell, Alexander <sip:a@b>", "< sip:a@b >", "<sip:a b>", "<sip:a@b",
          "\"x <sip:a>", "<sip:a@b>;tag", "<sip:a@b> x", "<sip:a@b>;;tag=1", "<a@b>", "<1x:y>"}) {
        EXPECT_FALSE(parse_name_addr_tag(text, tag, has_tag)) << text;
    }
}

TEST(cseq, values) {
    auto c = parse_cseq(" 4294967295 REGISTER ");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.value().number, 4294967295u);
    EXPECT_EQ(c.value().method_id, sip::sip_method::register_);
    EXPECT_EQ(parse_cseq("4294967296 INVITE").error_code(), parse_error_code::value_out_of_range);
    EXPECT_EQ(parse_cseq("1INVITE").error_code(), parse_error_code::invalid_value);
    EXPECT_EQ(parse_cseq("1 INVITE x").error_code(), parse_error_code::trailing_garbage);
    EXPECT_EQ(parse_cseq("INVITE").error_code(), parse_error_code::invalid_value);
}

TEST(scalar_values, numbers) {
    EXPECT_EQ(parse_max_forwards(" 70 ").value(), 70);
    EXPECT_EQ(parse_max_forwards("256").error_code(), parse_error_code::value_out_of_range);
    EXPECT_EQ(parse_max_forwards("").error_code(), parse_error_code::empty_value);
    EXPECT_EQ(parse_max_forwards("7a").error_code(), parse_error_code::trailing_garbage);
    EXPECT_EQ(parse_content_length("0").value(), 0u);
    EXPECT_EQ(parse_expires("3600").value(), 3600u);
    EXPECT_EQ(parse_expires("4294967296").error_code(), parse_error_code::value_out_of_range);
    auto m = parse_min_se("90;x=1");
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m.value().delta, 90u);
    EXPECT_EQ(m.value().params, "x=1");
    auto r = parse_retry_after("120 (I'm in a meeting);duration=3600");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().delta, 120u);
    EXPECT_EQ(r.value().comment, "I'm in a meeting");
    EXPECT_EQ(r.value().duration, 3600);
    EXPECT_EQ(parse_retry_after("5 (open").error_code(), parse_error_code::invalid_value);
}

TEST(contact, star_q_expires) {
    EXPECT_TRUE(parse_contact(" * ").value().star);
    auto c = parse_contact("<sip:a@b>;q=0.7;expires=60");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.value().q, 700);
    EXPECT_EQ(c.value().expires, 60);
    EXPECT_EQ(parse_contact("<sip:a@b>;q=1").value().q, 1000);
    EXPECT_EQ(parse_contact("<sip:a@b>;q=1.5").error_code(), parse_error_code::invalid_param);
    EXPECT_EQ(parse_contact("<sip:a@b>;expires=x").error_code(), parse_error_code::invalid_param);
}

TEST(session_timer, session_expires) {
    auto s = parse_session_expires("1800;refresher=uac");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.value().delta, 1800u);
    EXPECT_EQ(s.value().who, refresher::uac);
    EXPECT_EQ(parse_session_expires("90").value().who, refresher::none);
    EXPECT_EQ(parse_session_expires("90;refresher=x").error_code(),
              parse_error_code::invalid_param);
    EXPECT_EQ(parse_session_expires("x").error_code(), parse_error_code::invalid_value);
}

TEST(option_tags, validate) {
    EXPECT_EQ(validate_option_tags("timer, 100rel ,path").value(), 3u);
    EXPECT_EQ(validate_option_tags("timer, bad tag").error_code(), parse_error_code::invalid_value);
}

TEST(auth, digest_credentials) {
    auto a = parse_credentials(
        "Digest username=\"alice\", realm=\"atlanta.example.com\",\r\n nonce=\"84a4cc6f\", "
        "uri=\"sip:bob@biloxi.example.com\", response=\"7587245234b3434cc3412213e5f113a5432\", "
        "algorithm=MD5, cnonce=\"0a4f113b\", qop=auth, nc=00000001, opaque=\"\"");
    ASSERT_TRUE(a.ok());
    const auto& v = a.value();
    EXPECT_TRUE(v.is_digest);
    EXPECT_EQ(v.username, "alice");
    EXPECT_EQ(v.realm, "atlanta.example.com");
    EXPECT_EQ(v.nonce, "84a4cc6f");
    EXPECT_EQ(v.uri, "sip:bob@biloxi.example.com");
    EXPECT_EQ(v.response, "7587245234b3434cc3412213e5f113a5432");
    EXPECT_EQ(v.algorithm, "MD5");
    EXPECT_EQ(v.cnonce, "0a4f113b");
    EXPECT_EQ(v.qop, "auth");
    EXPECT_EQ(v.nc, "00000001");
    EXPECT_EQ(v.opaque, "");
}

// Names match without case and only whole; quoted values may hold escapes (the
// memchr fast path must hand those to the escape-aware scan).
TEST(auth, parameter_names_and_quoted_escapes) {
    auto a = parse_credentials(
        "Digest USERNAME=\"a\\\"b\", Realm=\"r\\\\\", NONCE=\"n,1\", CNonce=\"c\", Nc=0000000a, "
        "URI=\"sip:x\", Response=\"ff\", ALGORITHM=SHA-256, QoP=auth, realms=\"no\", nonc=1, "
        "uri2=\"no\", stale=true, domain=\"no\", responsE2=\"no\"");
    ASSERT_TRUE(a.ok());
    const auto& v = a.value();
    EXPECT_EQ(v.username, "a\\\"b") << "escapes kept as written";
    EXPECT_EQ(v.realm, "r\\\\");
    EXPECT_EQ(v.nonce, "n,1");
    EXPECT_EQ(v.cnonce, "c");
    EXPECT_EQ(v.nc, "0000000a");
    EXPECT_EQ(v.uri, "sip:x");
    EXPECT_EQ(v.response, "ff");
    EXPECT_EQ(v.algorithm, "SHA-256");
    EXPECT_EQ(v.qop, "auth");
    EXPECT_FALSE(v.stale) << "a challenge field, not read from credentials";
    EXPECT_EQ(v.domain, "");
    EXPECT_EQ(parse_credentials("Digest username=\"a\\\"").error_code(),
              parse_error_code::invalid_param)
        << "an escaped quote does not close the string";
}

TEST(auth, digest_challenge_and_errors) {
    auto c = parse_challenge("Digest realm=\"biloxi.com\", qop=\"auth,auth-int\", "
                             "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", stale=TRUE, "
                             "domain=\"sip:biloxi.com\"");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.value().realm, "biloxi.com");
    EXPECT_EQ(c.value().qop, "auth,auth-int");
    EXPECT_TRUE(c.value().stale);
    EXPECT_EQ(c.value().domain, "sip:biloxi.com");
    EXPECT_EQ(parse_challenge("").error_code(), parse_error_code::invalid_value);
    EXPECT_EQ(parse_credentials("Digest username=\"a").error_code(),
              parse_error_code::invalid_param);
    EXPECT_EQ(parse_credentials("Digest username").error_code(), parse_error_code::invalid_param);
}

// The masked-word compare accepts exactly the two cases of each letter.
TEST(char_class, iequal_letters_is_exact) {
    using detail::iequal_letters;
    EXPECT_TRUE(iequal_letters("branch", "branch"));
    EXPECT_TRUE(iequal_letters("BrAnCh", "branch"));
    EXPECT_TRUE(iequal_letters("received", "RECEIVED"));
    EXPECT_FALSE(iequal_letters("branc", "branch"));
    EXPECT_FALSE(iequal_letters("branchx", "branch"));
    for (int c = 0; c < 256; ++c) {
        const std::string s(1, static_cast<char>(c));
        const bool expected = c == 't' || c == 'T';
        EXPECT_EQ(iequal_letters(s, "t"), expected) << c;
        std::string word = "Tag";
        word[1] = static_cast<char>(c);
        EXPECT_EQ(iequal_letters(word, "tag"), c == 'a' || c == 'A') << c;
    }
}

// The word-at-a-time control check: every length (whole words, overlapping tails,
// short spans) and every position, against the byte-by-byte answer.
TEST(char_class, has_byte_below_0x21_every_length_and_position) {
    for (std::size_t n = 0; n <= 20; ++n) {
        std::string s(n, 'a');
        EXPECT_FALSE(detail::has_byte_below_0x21(s.data(), n)) << n;
        for (std::size_t k = 0; k < n; ++k) {
            for (int c : {0x00, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xa0, 0xff}) {
                std::string t = s;
                t[k] = static_cast<char>(c);
                EXPECT_EQ(detail::has_byte_below_0x21(t.data(), n), c < 0x21)
                    << n << " " << k << " " << c;
            }
        }
    }
}

TEST(params, cursor) {
    param_cursor c(" ;a=1 ; b ;c=\"x;y\"");
    param p;
    ASSERT_TRUE(c.next(p));
    EXPECT_EQ(p.name, "a");
    EXPECT_EQ(p.value, "1");
    ASSERT_TRUE(c.next(p));
    EXPECT_EQ(p.name, "b");
    EXPECT_FALSE(p.has_value);
    ASSERT_TRUE(c.next(p));
    EXPECT_EQ(p.value, "\"x;y\"");
    EXPECT_EQ(unquote(p.value), "x;y");
    EXPECT_FALSE(c.next(p));
    EXPECT_FALSE(c.failed());
    EXPECT_FALSE(count_params("a;;b").ok());
    EXPECT_FALSE(count_params("a=").ok());
    EXPECT_FALSE(count_params("a;").ok());
}

} // namespace
} // namespace sipedge::parser
