#pragma once
// The hosts of RFC 3665 §3 (addresses as the examples' received= parameters show
// them) and sipedge configured as its Proxy 1 (ss1.atlanta.example.com) and
// Proxy 2 (ss2.biloxi.example.com), for the chained and the single-proxy flow tests.

#include "tests/dataplane/proxy/proxy_harness.hh"

#include <string>

namespace sipedge::proxy::test::rfc3665 {

inline const txn::endpoint alice = txn::endpoint::ipv4(192, 0, 2, 101, 5060);
inline const txn::endpoint ss1 = txn::endpoint::ipv4(192, 0, 2, 111, 5060);
inline const txn::endpoint ss2 = txn::endpoint::ipv4(192, 0, 2, 222, 5060);
inline const txn::endpoint bob = txn::endpoint::ipv4(192, 0, 2, 201, 5060);

// Proxy 1: atlanta's proxy; requests for biloxi go to Proxy 2 over `towards_ss2`.
inline proxy_config proxy1_config(txn::transport towards_ss2) {
    proxy_config c;
    c.host = "ss1.atlanta.example.com";
    c.domains = {"atlanta.example.com"};
    c.routes = {{"biloxi.example.com", ss2, towards_ss2}};
    c.hosts = {{"client.atlanta.example.com", alice}, {"ss2.biloxi.example.com", ss2}};
    c.transaction_capacity = 64;
    c.seed = 11;
    return c;
}

// Proxy 2: biloxi's proxy; Bob registered at `bob_contact`.
inline proxy_config proxy2_config() {
    proxy_config c;
    c.host = "ss2.biloxi.example.com";
    c.domains = {"biloxi.example.com"};
    c.hosts = {{"client.biloxi.example.com", bob},
               {"ss1.atlanta.example.com", ss1},
               {"client.atlanta.example.com", alice}};
    c.transaction_capacity = 64;
    c.seed = 22;
    return c;
}

// 3.11 F1 as printed in the RFC lost its Content-Length and its first body line
// at a page break (F2 shows both); this is F1 with them put back.
inline std::string repaired_3_11_f1(std::string f1) {
    const std::string gap = "\r\n\r\no=alice";
    const std::size_t at = f1.find(gap);
    if (at != std::string::npos) {
        f1.replace(at, gap.size(), "\r\nContent-Length: 151\r\n\r\nv=0\r\no=alice");
    }
    return f1;
}

} // namespace sipedge::proxy::test::rfc3665
