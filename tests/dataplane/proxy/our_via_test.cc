// our_via: our own Via, as we wrote it, is taken apart without the Via parser; the
// result must be exactly the parser's (every field, views into the value), and
// anything that is not byte for byte ours must be left to the parser.

#include "dataplane/proxy/our_via.hh"

#include <gtest/gtest.h>
#include <string>

namespace sipedge::proxy {
namespace {

void expect_same(const parser::via& a, const parser::via& b, const std::string& value) {
    auto same_view = [&](std::string_view x, std::string_view y, const char* name) {
        EXPECT_EQ(x, y) << name << " of " << value;
        if (!y.empty()) {
            EXPECT_EQ(x.data(), y.data()) << name << " of " << value << ": not the same bytes";
        }
    };
    same_view(a.protocol_name, b.protocol_name, "protocol_name");
    same_view(a.protocol_version, b.protocol_version, "protocol_version");
    same_view(a.transport_text, b.transport_text, "transport_text");
    same_view(a.host, b.host, "host");
    same_view(a.branch, b.branch, "branch");
    same_view(a.received, b.received, "received");
    same_view(a.maddr, b.maddr, "maddr");
    same_view(a.params, b.params, "params");
    EXPECT_EQ(a.transport, b.transport) << value;
    EXPECT_EQ(a.host_is_ipv6, b.host_is_ipv6) << value;
    EXPECT_EQ(a.port, b.port) << value;
    EXPECT_EQ(a.has_branch, b.has_branch) << value;
    EXPECT_EQ(a.has_rport, b.has_rport) << value;
    EXPECT_EQ(a.rport, b.rport) << value;
    EXPECT_EQ(a.ttl, b.ttl) << value;
}

std::string branch_of(const branch_fields& f) {
    std::string b(branch_length, '\0');
    format_branch(f, b.data());
    return b;
}

TEST(our_via, matches_our_via_exactly_as_the_parser_reads_it) {
    for (const char* prefix :
         {"SIP/2.0/UDP 198.51.100.1:5060;branch=", "SIP/2.0/TCP 198.51.100.1:5070;branch=",
          "SIP/2.0/TLS proxy.example.com:5061;branch=",
          "SIP/2.0/SCTP Proxy.Example.COM:5060;branch="}) {
        const our_via o(prefix);
        for (const branch_fields bf :
             {branch_fields{0, 0, 0, 0}, branch_fields{3, 0x0123456789abcdefull, 77, 5},
              branch_fields{0xffff, ~0ull, 0xffffffffu, 0xffffffffu}}) {
            const std::string value = prefix + branch_of(bf);
            parser::via fast;
            branch_fields f;
            ASSERT_TRUE(o.match(value, fast, f)) << value;
            parser::via slow;
            ASSERT_TRUE(parser::parse_via_list_head(value, slow)) << value;
            expect_same(fast, slow, value);
            EXPECT_EQ(f.lcore, bf.lcore);
            EXPECT_EQ(f.loop_hash, bf.loop_hash);
            EXPECT_EQ(f.id, bf.id);
            EXPECT_EQ(f.generation, bf.generation);
        }
    }
}

TEST(our_via, leaves_everything_else_to_the_parser) {
    const std::string prefix = "SIP/2.0/UDP 198.51.100.1:5060;branch=";
    const our_via o(prefix);
    const std::string ours = prefix + branch_of({1, 2, 3, 4});
    std::string upper = ours;
    upper[upper.size() - 1] = 'A'; // not a digit we write
    std::string other_host = ours;
    other_host[prefix.find("100")] = '2';
    for (const std::string& v :
         {ours + ";received=192.0.2.1", ours + ",SIP/2.0/UDP 192.0.2.10", ours + " ", upper,
          other_host, ours.substr(0, ours.size() - 1), "SIP/2.0/TCP" + ours.substr(11),
          prefix + "z9hG4bKuac1", std::string()}) {
        parser::via out;
        branch_fields f;
        EXPECT_FALSE(o.match(v, out, f)) << v;
    }
}

} // namespace
} // namespace sipedge::proxy
