// One test per RFC 4475 torture message, asserting what RFC 4475 says about it:
// 3.1.1 valid messages parse with the right values; 3.1.2 invalid ones are
// rejected with a specific error (by the framing parser, or by extract_essentials,
// which is what the proxy runs on every message); the "may proceed" ones parse with
// the broken part isolated; 3.2/3.3 ones parse and expose what the transaction
// layer and proxy need to apply their own rules.

#include <gtest/gtest.h>

#include <string>

#include "parser/auth.hh"
#include "parser/contact.hh"
#include "parser/essentials.hh"
#include "parser/name_addr.hh"
#include "parser/option_tags.hh"
#include "parser/params.hh"
#include "parser/response_builder.hh"
#include "parser/scalar_values.hh"
#include "parser/uri.hh"
#include "parser/via.hh"
#include "sip/status_code.hh"
#include "tests/parser/corpus_loader.hh"
#include "tests/parser/test_support.hh"

namespace sipedge::parser {
namespace {

using sip::header_id;
using testing::parse_text;
using testing::parsed;

std::string load(const char* name) {
    return testing::read_file(testing::corpus_dir() + "/rfc4475/" + name + ".dat");
}

parsed parse_file(const char* name, framing f = framing::datagram) {
    const std::string bytes = load(name);
    EXPECT_FALSE(bytes.empty()) << name;
    return parse_text(bytes, f);
}

std::string decoded(std::string_view s) {
    std::string out(s.size(), '\0');
    auto n = unescape(s, out.data(), out.size());
    EXPECT_TRUE(n.ok());
    out.resize(n.value_or(0));
    return out;
}

message_essentials essentials_ok(const parsed& p) {
    auto e = extract_essentials(*p);
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.message());
    return e.ok() ? e.value() : message_essentials{};
}

parse_error_code essentials_error(const parsed& p) {
    auto e = extract_essentials(*p);
    EXPECT_FALSE(e.ok());
    return e.ok() ? parse_error_code::count_ : e.error_code();
}

std::vector<via> all_vias(const sip::message_view& m) {
    std::vector<via> out;
    auto c = m.values(header_id::via);
    std::string_view e;
    while (c.next(e)) {
        auto v = parse_via(e);
        EXPECT_TRUE(v.ok()) << e;
        if (v) {
            out.push_back(v.value());
        }
    }
    return out;
}

// ---- 3.1.1 valid messages ----

TEST(rfc4475, wsinv_short_tortuous_invite) {
    auto p = parse_file("wsinv");
    ASSERT_TRUE(p.result.ok()) << p.result.reason;
    EXPECT_EQ(p->method_id(), sip::sip_method::invite);
    EXPECT_EQ(p->request_uri(), "sip:vivekg@chair-dnrc.example.com;unknownparam");
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.to_tag, "1918181833n");
    EXPECT_EQ(e.from_tag, "98asjd8");
    EXPECT_EQ(e.max_forwards, 68);
    EXPECT_EQ(e.cseq_value.number, 9u);
    EXPECT_EQ(e.cseq_value.method_id, sip::sip_method::invite);
    EXPECT_EQ(e.call_id, "wsinv.ndaksdj@192.0.2.1");
    auto from = parse_name_addr(*p->first_value(header_id::from));
    ASSERT_TRUE(from.ok());
    EXPECT_TRUE(from.value().display_quoted);
    EXPECT_EQ(from.value().display_name, R"(J Rosenberg \\\")");
    const auto vias = all_vias(*p);
    ASSERT_EQ(vias.size(), 3u);
    EXPECT_EQ(vias[0].host, "192.0.2.2");
    EXPECT_EQ(vias[0].transport, via_transport::udp);
    EXPECT_EQ(vias[0].branch, "390skdjuw");
    EXPECT_EQ(vias[1].transport, via_transport::tcp);
    EXPECT_EQ(vias[1].host, "spindle.example.com");
    EXPECT_EQ(vias[1].branch, "z9hG4bK9ikj8");
    EXPECT_EQ(vias[2].host, "192.168.255.111");
    EXPECT_EQ(vias[2].branch, "z9hG4bK30239");
    EXPECT_EQ(*p->first_value(header_id::subject), "");
    const auto nf = p->find_unknown("newfangledheader");
    ASSERT_TRUE(nf);
    EXPECT_TRUE(nf.folded);
    EXPECT_EQ(nf.value, "newfangled value\r\n continued newfangled value");
    EXPECT_EQ(p->find_unknown("UnknownHeaderWithUnusualValue").value, ";;,,;;,;");
    auto c = parse_contact(*p->first_element(header_id::contact));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.value().q, 330);
    EXPECT_EQ(c.value().addr.display_name, R"(Quoted string \"\")");
    EXPECT_EQ(p->body().size(), 150u);
    EXPECT_EQ(p->content_length(), 150u);
}

TEST(rfc4475, intmeth_wide_range_of_valid_characters) {
    auto p = parse_file("intmeth");
    ASSERT_TRUE(p.result.ok()) << p.result.reason;
    EXPECT_EQ(p->method(), "!interesting-Method0123456789_*+`.%indeed'~");
    EXPECT_EQ(p->method_id(), sip::sip_method::extension);
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.cseq_value.method, p->method());
    EXPECT_EQ(e.request_uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    EXPECT_EQ(e.request_uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    EXPECT_EQ(e.request_uri.host, "example.com");
    EXPECT_EQ(e.top_via.branch, "z9hG4bK-.!%66*_+`'~");
    EXPECT_EQ(e.from_tag, "_token~1'+`*%!-.");
    EXPECT_EQ(e.call_id, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    EXPECT_EQ(e.max_forwards, 255);
    auto to = parse_name_addr(*p->first_value(header_id::to));
    ASSERT_TRUE(to.ok());
    static constexpr char display[] = "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f";
    EXPECT_EQ(to.value().display_name, std::string_view(display, sizeof display - 1));
    const auto ext = p->find_unknown("extensionHeader-!.%*+_`'~");
    ASSERT_TRUE(ext);
    EXPECT_EQ(ext.value, "\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb");
}

TEST(rfc4475, esc01_escaped_user_parts) {
    auto p = parse_file("esc01");
    ASSERT_TRUE(p.result.ok()) << p.result.reason;
    const auto e = essentials_ok(p);
    EXPECT_EQ(decoded(e.request_uri.user), "sips:user@example.com");
    EXPECT_EQ(e.request_uri.host, "example.net");
    auto to = parse_uri(parse_name_addr(*p->first_value(header_id::to)).value().uri);
    EXPECT_EQ(decoded(to.value().user), "user");
    auto from = parse_uri(parse_name_addr(*p->first_value(header_id::from)).value().uri);
    EXPECT_EQ(decoded(from.value().user), "I have spaces");
    // Contact value starts on a folded line.
    EXPECT_TRUE(p->first(header_id::contact).folded);
    auto c = parse_contact(*p->first_element(header_id::contact));
    ASSERT_TRUE(c.ok());
    auto cu = parse_uri(c.value().addr.uri);
    ASSERT_TRUE(cu.ok());
    EXPECT_EQ(decoded(cu.value().user), "caller");
    EXPECT_EQ(cu.value().params, "%6C%72;n%61me=v%61lue%25%34%31");
    EXPECT_EQ(*p->first_value(header_id::content_type), "application/sdp"); // compact "C"
    EXPECT_EQ(p->first(header_id::call_id).name, "i");
}

TEST(rfc4475, escnull_escaped_nulls_in_uris) {
    auto p = parse_file("escnull");
    ASSERT_TRUE(p.result.ok()) << p.result.reason;
    essentials_ok(p);
    auto to = parse_uri(parse_name_addr(*p->first_value(header_id::to)).value().uri);
    EXPECT_EQ(decoded(to.value().user), std::string("null-\0-null", 11));
    ASSERT_EQ(p->count(header_id::contact), 2u);
    auto c1 = parse_contact(p->first(header_id::contact).value);
    auto c2 = parse_contact(p->next_same(p->first_index(header_id::contact)).value);
    EXPECT_EQ(decoded(parse_uri(c1.value().addr.uri).value().user), std::string(1, '\0'));
    EXPECT_EQ(decoded(parse_uri(c2.value().addr.uri).value().user), std::string(2, '\0'));
    EXPECT_EQ(p->first(header_id::content_length).name, "L");
    EXPECT_EQ(p->content_length(), 0u);
}

TEST(rfc4475, esc02_escaped_method_is_not_register) {
    auto p = parse_file("esc02");
    ASSERT_TRUE(p.result.ok()) << p.result.reason;
    EXPECT_EQ(p->method(), "RE%47IST%45R");
    EXPECT_EQ(p->method_id(), sip::sip_method::extension);
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.top_via.branch, "z9hG4bK209%fzsnel234");
    EXPECT_EQ(e.cseq_value.method, "RE%47IST%45R");
    // "C%6Fntact" is an unknown header, not a third Contact.
    EXPECT_EQ(p->count(header_id::contact), 2u);
    EXPECT_TRUE(p->find_unknown("C%6Fntact"));
    auto to = parse_name_addr(*p->first_value(header_id::to));
    EXPECT_EQ(to.value().display_name, "%Z%45");
}

TEST(rfc4475, lwsdisp_no_lws_between_display_name_and_laquot) {
    auto p = parse_file("lwsdisp");
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.from_tag, "323");
    auto from = parse_name_addr(*p->first_value(header_id::from));
    EXPECT_EQ(from.value().display_name, "caller");
    EXPECT_EQ(from.value().uri, "sip:caller@example.com");
}

TEST(rfc4475, longreq_long_values) {
    auto p = parse_file("longreq");
    ASSERT_TRUE(p.result.ok()) << p.result.reason;
    const auto e = essentials_ok(p);
    EXPECT_EQ(p->count(header_id::via), 34u);
    EXPECT_EQ(e.top_via.host, "sip33.example.com");
    EXPECT_EQ(e.top_via.transport, via_transport::tcp);
    EXPECT_EQ(e.from_tag.size(), 155u);
    EXPECT_TRUE(e.from_tag.ends_with("2424"));
    EXPECT_TRUE(e.call_id.starts_with("longreq.onereally"));
    EXPECT_EQ(e.max_forwards, 70);
    const auto vias = all_vias(*p);
    ASSERT_EQ(vias.size(), 34u);
    EXPECT_EQ(vias.back().received, "192.0.2.5");
    EXPECT_GT(vias.back().branch.size(), 200u);
    auto to = parse_name_addr(*p->first_value(header_id::to));
    ASSERT_TRUE(to.ok());
    auto tu = parse_uri(to.value().uri);
    ASSERT_TRUE(tu.ok());
    EXPECT_EQ(tu.value().port, 6000);
    EXPECT_EQ(find_param(tu.value().params, "longparamnamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamename").value, "shortvalue");
    EXPECT_EQ(p->count(header_id::unknown), 1u);
    EXPECT_EQ(p->body().size(), 150u);
}

TEST(rfc4475, dblreq_extra_bytes_after_content_length_are_ignored) {
    const std::string bytes = load("dblreq");
    auto p = parse_text(bytes);
    ASSERT_TRUE(p.result.ok());
    EXPECT_EQ(p->method_id(), sip::sip_method::register_);
    EXPECT_LT(p.result.length, bytes.size()); // the INVITE is not part of the datagram's message
    EXPECT_EQ(p->body().size(), 0u);
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.call_id, "dblreq.0ha0isndaksdj99sdfafnl3lk233412"); // compact "I"
}

TEST(rfc4475, semiuri_semicolon_in_user_part) {
    auto p = parse_file("semiuri");
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.request_uri.user, "user;par=u%40example.net");
    EXPECT_EQ(e.request_uri.host, "example.com");
    EXPECT_TRUE(e.request_uri.params.empty());
    auto c = p->values(header_id::accept);
    std::string_view v;
    std::vector<std::string_view> accepts;
    while (c.next(v)) {
        accepts.push_back(v);
    }
    ASSERT_EQ(accepts.size(), 6u);
    EXPECT_EQ(accepts[0], "application/sdp");
    EXPECT_EQ(accepts[5], "message/sipfrag");
}

TEST(rfc4475, transports_varied_and_unknown_transports) {
    auto p = parse_file("transports");
    ASSERT_TRUE(p.result.ok());
    essentials_ok(p);
    const auto vias = all_vias(*p);
    ASSERT_EQ(vias.size(), 5u);
    EXPECT_EQ(vias[0].transport, via_transport::udp);
    EXPECT_EQ(vias[1].transport, via_transport::sctp);
    EXPECT_EQ(vias[2].transport, via_transport::tls);
    EXPECT_EQ(vias[3].transport, via_transport::other);
    EXPECT_EQ(vias[3].transport_text, "UNKNOWN");
    EXPECT_EQ(vias[4].transport, via_transport::tcp);
}

TEST(rfc4475, mpart01_multipart_binary_body) {
    const std::string bytes = load("mpart01");
    auto p = parse_text(bytes);
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_TRUE(e.top_via.has_rport);
    EXPECT_EQ(e.top_via.rport, -1);
    EXPECT_EQ(p->body().size(), 553u);
    EXPECT_EQ(p.result.length, bytes.size());
    EXPECT_TRUE(p->body().starts_with("--7a9cbec02ceef655\r\n"));
    EXPECT_TRUE(p->first_value(header_id::content_type)->starts_with("multipart/mixed"));
}

TEST(rfc4475, unreason_utf8_reason_phrase) {
    auto p = parse_file("unreason");
    ASSERT_TRUE(p.result.ok());
    EXPECT_TRUE(p->is_response());
    EXPECT_EQ(p->status_code(), 200);
    EXPECT_TRUE(p->reason().starts_with("= 2**3 * 5**2 \xd0\xbd\xd0\xbe"));
    essentials_ok(p);
    EXPECT_EQ(p->body().size(), 154u);
}

TEST(rfc4475, noreason_empty_reason_phrase) {
    auto p = parse_file("noreason");
    ASSERT_TRUE(p.result.ok());
    EXPECT_EQ(p->status_code(), 100);
    EXPECT_EQ(p->reason(), "");
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.to_tag, "902jndnke3");
}

// ---- 3.1.2 invalid messages ----

TEST(rfc4475, badinv01_extraneous_separators_in_via_and_contact) {
    auto p = parse_file("badinv01");
    ASSERT_TRUE(p.result.ok()); // framing is fine
    EXPECT_EQ(essentials_error(p), parse_error_code::invalid_param);
    auto v = parse_via(*p->first_element(header_id::via));
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error_code(), parse_error_code::invalid_param);
    auto c = parse_contact(*p->first_element(header_id::contact));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error_code(), parse_error_code::invalid_param);
}

TEST(rfc4475, clerr_content_length_larger_than_message) {
    auto p = parse_file("clerr");
    ASSERT_EQ(p.result.status, parse_status::error);
    EXPECT_EQ(p.result.code, parse_error_code::body_truncated);
    const std::string bytes = load("clerr");
    EXPECT_EQ(p.result.error_offset, bytes.find("\r\n\r\n") + 4);
    // Over a stream the same bytes are simply an incomplete message.
    auto s = parse_file("clerr", framing::stream);
    EXPECT_EQ(s.result.status, parse_status::need_more);
}

TEST(rfc4475, ncl_negative_content_length) {
    auto p = parse_file("ncl");
    ASSERT_EQ(p.result.status, parse_status::error);
    EXPECT_EQ(p.result.code, parse_error_code::invalid_content_length);
    EXPECT_EQ(p.result.error_offset, load("ncl").find("-999"));
}

TEST(rfc4475, scalar02_request_scalar_fields_with_overlarge_values) {
    auto p = parse_file("scalar02");
    ASSERT_TRUE(p.result.ok());
    // The proxy answers 400 because of the CSeq (RFC 4475 3.1.2.4).
    auto e = extract_essentials(*p);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error_code(), parse_error_code::value_out_of_range);
    EXPECT_STREQ(e.message(), "CSeq sequence number larger than 2^32-1");
    EXPECT_EQ(parse_max_forwards(*p->first_value(header_id::max_forwards)).error_code(),
              parse_error_code::value_out_of_range);
    EXPECT_EQ(parse_expires(*p->first_value(header_id::expires)).error_code(),
              parse_error_code::value_out_of_range);
    auto c = parse_contact(*p->first_element(header_id::contact));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error_code(), parse_error_code::value_out_of_range);
}

TEST(rfc4475, scalarlg_response_scalar_fields_with_overlarge_values) {
    auto p = parse_file("scalarlg");
    ASSERT_TRUE(p.result.ok());
    EXPECT_EQ(p->status_code(), 503);
    EXPECT_EQ(essentials_error(p), parse_error_code::value_out_of_range);
    EXPECT_EQ(parse_retry_after(*p->first_value(header_id::retry_after)).error_code(),
              parse_error_code::value_out_of_range);
    EXPECT_EQ(*p->first_value(header_id::warning), "1812 overture \"In Progress\"");
}

TEST(rfc4475, quotbal_unterminated_quoted_string_in_display_name) {
    auto p = parse_file("quotbal");
    ASSERT_TRUE(p.result.ok());
    EXPECT_EQ(essentials_error(p), parse_error_code::unterminated_quote);
    EXPECT_EQ(parse_name_addr(*p->first_value(header_id::to)).error_code(),
              parse_error_code::unterminated_quote);
    // A 400 can still be built: the broken To is copied as it is.
    char out[2048];
    auto r = build_response(*p, 400, "", "abc", {}, out, sizeof out);
    ASSERT_TRUE(r.ok());
    EXPECT_NE(std::string_view(out, r.value()).find("To: \"Mr. J. User <sip:j.user@example.com>\r\n"),
              std::string_view::npos);
}

TEST(rfc4475, ltgtruri_request_uri_in_angle_brackets) {
    auto p = parse_file("ltgtruri");
    ASSERT_EQ(p.result.status, parse_status::error);
    EXPECT_EQ(p.result.code, parse_error_code::invalid_request_uri);
    EXPECT_EQ(p.result.error_offset, 7u);
}

TEST(rfc4475, lwsruri_whitespace_inside_request_uri) {
    auto p = parse_file("lwsruri");
    ASSERT_EQ(p.result.status, parse_status::error);
    EXPECT_EQ(p.result.code, parse_error_code::invalid_request_uri);
    EXPECT_STREQ(p.result.reason, "whitespace inside Request-URI");
}

TEST(rfc4475, lwsstart_multiple_spaces_in_request_line) {
    auto p = parse_file("lwsstart");
    ASSERT_EQ(p.result.status, parse_status::error);
    EXPECT_EQ(p.result.code, parse_error_code::invalid_start_line);
    EXPECT_EQ(p.result.error_offset, 7u);
}

TEST(rfc4475, trws_trailing_whitespace_after_version) {
    auto p = parse_file("trws");
    ASSERT_EQ(p.result.status, parse_status::error);
    EXPECT_EQ(p.result.code, parse_error_code::invalid_start_line);
    EXPECT_STREQ(p.result.reason, "trailing whitespace after SIP-Version");
}

TEST(rfc4475, badvers_unknown_protocol_version_gets_505) {
    auto p = parse_file("badvers");
    ASSERT_EQ(p.result.status, parse_status::error);
    EXPECT_EQ(p.result.code, parse_error_code::unsupported_version);
    // The view is complete so that the 505 can be built.
    EXPECT_EQ(p->version(), "SIP/7.0");
    EXPECT_EQ(p->method_id(), sip::sip_method::options);
    char out[2048];
    auto r = build_response(*p, sip::status::version_not_supported, "", "x1", {}, out, sizeof out);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(std::string_view(out, r.value()).starts_with("SIP/2.0 505 Version Not Supported\r\n"));
}

TEST(rfc4475, mismatch01_cseq_method_differs_from_request) {
    auto p = parse_file("mismatch01");
    ASSERT_TRUE(p.result.ok());
    EXPECT_EQ(p->method_id(), sip::sip_method::options);
    EXPECT_EQ(essentials_error(p), parse_error_code::cseq_method_mismatch);
}

TEST(rfc4475, mismatch02_unknown_method_with_cseq_mismatch) {
    auto p = parse_file("mismatch02");
    ASSERT_TRUE(p.result.ok());
    EXPECT_EQ(p->method(), "NEWMETHOD");
    EXPECT_EQ(p->method_id(), sip::sip_method::extension);
    EXPECT_EQ(essentials_error(p), parse_error_code::cseq_method_mismatch);
}

TEST(rfc4475, bigcode_overlarge_response_code) {
    auto p = parse_file("bigcode");
    ASSERT_EQ(p.result.status, parse_status::error);
    EXPECT_EQ(p.result.code, parse_error_code::invalid_status_code);
    EXPECT_EQ(p.result.error_offset, 8u);
}

// ---- 3.1.2 invalid, but a robust element may proceed ----

TEST(rfc4475, escruri_escaped_headers_in_request_uri) {
    auto p = parse_file("escruri");
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.request_uri.user, "user");
    EXPECT_EQ(e.request_uri.host, "example.com");
    EXPECT_EQ(e.request_uri.headers, "Route=%3Csip:example.com%3E"); // isolated for the proxy
}

TEST(rfc4475, baddate_non_gmt_date_is_not_interpreted) {
    auto p = parse_file("baddate");
    ASSERT_TRUE(p.result.ok());
    essentials_ok(p);
    EXPECT_EQ(*p->first_value(header_id::date), "Fri, 01 Jan 2010 16:00:00 EST");
}

TEST(rfc4475, regbadct_unbracketed_contact_with_headers) {
    auto p = parse_file("regbadct");
    ASSERT_TRUE(p.result.ok());
    essentials_ok(p);
    auto c = parse_contact(*p->first_value(header_id::contact));
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c.value().addr.addr_spec_has_headers);
    EXPECT_FALSE(c.value().addr.bracketed);
    auto u = parse_uri(c.value().addr.uri);
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u.value().headers, "Route=%3Csip:sip.example.com%3E");
}

TEST(rfc4475, badaspec_whitespace_inside_angle_brackets) {
    auto p = parse_file("badaspec");
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_FALSE(e.to_has_tag);
    auto to = parse_name_addr(*p->first_value(header_id::to));
    ASSERT_TRUE(to.ok());
    EXPECT_TRUE(to.value().lenient_whitespace_in_brackets);
    EXPECT_EQ(to.value().uri, "sip:t.watson@example.org");
    EXPECT_EQ(to.value().display_name, "Watson, Thomas");
}

TEST(rfc4475, baddn_unquoted_display_name_with_comma) {
    auto p = parse_file("baddn");
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.from_tag, "43");
    auto from = parse_name_addr(*p->first_value(header_id::from));
    ASSERT_TRUE(from.ok());
    EXPECT_TRUE(from.value().unquoted_display_has_separators);
    EXPECT_EQ(from.value().display_name, "Bell, Alexander");
}

// ---- 3.2 transaction layer ----

TEST(rfc4475, badbranch_branch_is_only_the_magic_cookie) {
    auto p = parse_file("badbranch");
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.top_via.branch, "z9hG4bK");
    EXPECT_EQ(e.top_via.host, "192.0.2.1");
}

// ---- 3.3 application layer semantics: parse, expose what the proxy decides on ----

TEST(rfc4475, insuf_missing_required_headers) {
    auto p = parse_file("insuf");
    ASSERT_TRUE(p.result.ok());
    auto e = extract_essentials(*p);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error_code(), parse_error_code::missing_header);
    EXPECT_FALSE(p->has(header_id::from));
    EXPECT_FALSE(p->has(header_id::to));
    EXPECT_FALSE(p->has(header_id::call_id));
    EXPECT_FALSE(p->has(header_id::max_forwards));
    EXPECT_EQ(p->body().size(), 152u);
}

TEST(rfc4475, unkscm_unknown_request_uri_scheme) {
    auto p = parse_file("unkscm");
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.request_uri.scheme, uri_scheme::other);
    EXPECT_EQ(e.request_uri.scheme_text, "nobodyKnowsThisScheme");
    EXPECT_EQ(e.request_uri.opaque, "totallyopaquecontent");
}

TEST(rfc4475, novelsc_request_uri_with_unusual_scheme) {
    auto p = parse_file("novelsc");
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.request_uri.scheme, uri_scheme::other);
    EXPECT_EQ(e.request_uri.scheme_text, "soap.beep");
    EXPECT_EQ(e.request_uri.opaque, "//192.0.2.103:3002");
}

TEST(rfc4475, unksm2_unknown_schemes_in_to_from_contact) {
    auto p = parse_file("unksm2");
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.from_tag, "3234233");
    auto to = parse_name_addr(*p->first_value(header_id::to));
    EXPECT_EQ(to.value().uri, "isbn:2983792873");
    EXPECT_EQ(parse_uri(to.value().uri).value().scheme, uri_scheme::other);
    auto from = parse_name_addr(*p->first_value(header_id::from));
    EXPECT_EQ(from.value().uri, "http://www.example.com");
    auto c = parse_contact(*p->first_value(header_id::contact));
    EXPECT_EQ(c.value().addr.uri, "name:John_Smith");
}

TEST(rfc4475, bext01_unknown_proxy_require) {
    auto p = parse_file("bext01");
    ASSERT_TRUE(p.result.ok());
    essentials_ok(p);
    EXPECT_TRUE(has_option_tag(*p, header_id::proxy_require, "noProxiesSupportThis"));
    EXPECT_TRUE(has_option_tag(*p, header_id::proxy_require, "norDoAnyProxiesSupportThis"));
    EXPECT_TRUE(has_option_tag(*p, header_id::require, "nothingSupportsThisEither"));
    EXPECT_FALSE(has_option_tag(*p, header_id::require, "timer"));
    EXPECT_EQ(validate_option_tags(*p->first_value(header_id::proxy_require)).value_or(0), 2u);
}

TEST(rfc4475, invut_unknown_content_type) {
    auto p = parse_file("invut");
    ASSERT_TRUE(p.result.ok());
    essentials_ok(p);
    EXPECT_EQ(*p->first_value(header_id::content_type), "application/unknownformat");
    EXPECT_EQ(p->body().size(), 40u);
}

TEST(rfc4475, regaut01_unknown_authorization_scheme) {
    auto p = parse_file("regaut01");
    ASSERT_TRUE(p.result.ok());
    essentials_ok(p);
    auto a = parse_credentials(*p->first_value(header_id::authorization));
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a.value().scheme, "NoOneKnowsThisScheme");
    EXPECT_FALSE(a.value().is_digest);
    EXPECT_EQ(a.value().params, "opaque-data=here");
    EXPECT_EQ(p->content_length(), 0u);
}

TEST(rfc4475, multi01_duplicated_single_value_headers) {
    auto p = parse_file("multi01");
    ASSERT_TRUE(p.result.ok());
    EXPECT_EQ(essentials_error(p), parse_error_code::duplicate_header);
    EXPECT_EQ(p->count(header_id::cseq), 2u);
    EXPECT_EQ(p->count(header_id::call_id), 2u);
    EXPECT_EQ(p->count(header_id::to), 2u);
    EXPECT_EQ(p->count(header_id::from), 2u);
    EXPECT_EQ(p->count(header_id::max_forwards), 2u);
}

TEST(rfc4475, mcl01_multiple_content_length_values) {
    auto p = parse_file("mcl01");
    ASSERT_EQ(p.result.status, parse_status::error);
    EXPECT_EQ(p.result.code, parse_error_code::conflicting_content_length);
}

TEST(rfc4475, bcast_response_with_broadcast_via) {
    auto p = parse_file("bcast");
    ASSERT_TRUE(p.result.ok());
    EXPECT_EQ(p->status_code(), 200);
    essentials_ok(p);
    const auto vias = all_vias(*p);
    ASSERT_EQ(vias.size(), 2u);
    EXPECT_EQ(vias[1].host, "255.255.255.255");
}

TEST(rfc4475, zeromf_max_forwards_zero) {
    auto p = parse_file("zeromf");
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.max_forwards, 0); // the proxy answers 483
}

TEST(rfc4475, cparam01_contact_param_outside_brackets_is_a_header_param) {
    auto p = parse_file("cparam01");
    ASSERT_TRUE(p.result.ok());
    essentials_ok(p);
    auto c = parse_contact(*p->first_value(header_id::contact));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.value().addr.uri, "sip:+19725552222@gw1.example.net");
    EXPECT_EQ(c.value().addr.params, "unknownparam");
    EXPECT_TRUE(parse_uri(c.value().addr.uri).value().params.empty());
}

TEST(rfc4475, cparam02_contact_param_inside_brackets_is_a_uri_param) {
    auto p = parse_file("cparam02");
    ASSERT_TRUE(p.result.ok());
    essentials_ok(p);
    auto c = parse_contact(*p->first_value(header_id::contact));
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c.value().addr.params.empty());
    EXPECT_EQ(parse_uri(c.value().addr.uri).value().params, "unknownparam");
}

TEST(rfc4475, regescrt_escaped_route_in_contact_uri_headers) {
    auto p = parse_file("regescrt");
    ASSERT_TRUE(p.result.ok());
    essentials_ok(p);
    EXPECT_EQ(p->first(header_id::contact).name, "M");
    auto c = parse_contact(*p->first_value(header_id::contact));
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c.value().addr.bracketed);
    EXPECT_EQ(parse_uri(c.value().addr.uri).value().headers, "Route=%3Csip:sip.example.com%3E");
}

TEST(rfc4475, sdp01_unacceptable_accept) {
    auto p = parse_file("sdp01");
    ASSERT_TRUE(p.result.ok());
    essentials_ok(p);
    EXPECT_EQ(*p->first_value(header_id::accept), "text/nobodyKnowsThis");
    EXPECT_EQ(p->body().size(), 150u);
}

// ---- 3.4 backward compatibility ----

TEST(rfc4475, inv2543_rfc2543_style_invite) {
    const std::string bytes = load("inv2543");
    auto p = parse_text(bytes);
    ASSERT_TRUE(p.result.ok());
    const auto e = essentials_ok(p);
    EXPECT_EQ(e.max_forwards, -1);
    EXPECT_FALSE(e.top_via.has_branch);
    EXPECT_FALSE(e.from_has_tag);
    EXPECT_FALSE(p->has_content_length());
    EXPECT_EQ(p.result.length, bytes.size()); // body to the end of the datagram
    EXPECT_TRUE(p->body().starts_with("v=0\r\n"));
}

// test.dat ships with the corpus but is not an RFC 4475 message: a Request-Line
// without SIP-Version.
TEST(rfc4475, test_dat_request_line_without_version) {
    auto p = parse_file("test");
    ASSERT_EQ(p.result.status, parse_status::error);
    EXPECT_EQ(p.result.code, parse_error_code::invalid_start_line);
}

// Every file of the corpus has a test above.
TEST(rfc4475, corpus_is_fully_covered) {
    EXPECT_EQ(testing::load_rfc4475(testing::corpus_dir()).size(), 50u);
}

} // namespace
} // namespace sipedge::parser
