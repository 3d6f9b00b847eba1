#pragma once
// The one-proxy setting shared by the behaviour tests: a proxy at 198.51.100.1
// responsible for example.com, a UAC at 192.0.2.10 and UASs at 192.0.2.21..23, and
// requests in the UAC's name (Call-ID and branch derived from one name).

#include "tests/dataplane/proxy/proxy_harness.hh"

#include <string>
#include <string_view>

namespace sipedge::proxy::test {

inline const txn::endpoint uac = txn::endpoint::ipv4(192, 0, 2, 10, 5060);
inline const txn::endpoint uas1 = txn::endpoint::ipv4(192, 0, 2, 21, 5060);
inline const txn::endpoint uas2 = txn::endpoint::ipv4(192, 0, 2, 22, 5060);
inline const txn::endpoint uas3 = txn::endpoint::ipv4(192, 0, 2, 23, 5060);

inline proxy_config config(std::uint32_t capacity = 64) {
    proxy_config c;
    c.host = "198.51.100.1";
    c.domains = {"example.com"};
    c.transaction_capacity = capacity;
    return c;
}

// A request from the UAC outside any dialog (no To tag); extra: header lines.
inline std::string invite(std::string_view ruri = "sip:bob@example.com",
                          std::string_view branch = "z9hG4bKuac1", std::string_view extra = "",
                          std::string_view method = "INVITE") {
    return wire(std::string(method) + " " + std::string(ruri) +
                " SIP/2.0\n"
                "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=" +
                std::string(branch) +
                "\n"
                "Max-Forwards: 70\n"
                "From: <sip:alice@example.org>;tag=a1\n"
                "To: <sip:bob@example.com>\n"
                "Call-ID: call-" +
                std::string(branch) +
                "@192.0.2.10\n"
                "CSeq: 1 " +
                std::string(method) + "\n" + std::string(extra) + "Content-Length: 0\n\n");
}

// The UAC's CANCEL of invite(..., branch).
inline std::string cancel_for(std::string_view branch = "z9hG4bKuac1") {
    return invite("sip:bob@example.com", branch, "", "CANCEL");
}

} // namespace sipedge::proxy::test
