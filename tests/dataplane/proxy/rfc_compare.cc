#include "tests/dataplane/proxy/rfc_compare.hh"

#include "dataplane/proxy/branch.hh"
#include "parser/via.hh"
#include "tests/dataplane/transaction/sip_test_util.hh"

#include <algorithm>
#include <gtest/gtest.h>
#include <map>

namespace sipedge::proxy::test {

namespace {

using sipedge::test::parse;
using sipedge::test::parsed_message;

// Folding and runs of white space become one space; none is kept next to the
// separators ; , = < > : (so "a ;b" == "a;b" and "Alice <sip:" == "Alice<sip:").
std::string normalise(std::string_view v) {
    std::string collapsed;
    bool space = false;
    for (const char c : v) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = true;
            continue;
        }
        if (space && !collapsed.empty()) {
            collapsed += ' ';
        }
        space = false;
        collapsed += c;
    }
    std::string out;
    auto separator = [](char c) {
        return std::string_view(";,=<>:").find(c) != std::string_view::npos;
    };
    for (std::size_t i = 0; i < collapsed.size(); ++i) {
        const char c = collapsed[i];
        if (c == ' ' && ((!out.empty() && separator(out.back())) ||
                         (i + 1 < collapsed.size() && separator(collapsed[i + 1])))) {
            continue;
        }
        out += c;
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string o(s);
    std::transform(o.begin(), o.end(), o.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return o;
}

// A Via element without its branch parameter.
std::string without_branch(const std::string& via) {
    const std::size_t b = via.find(";branch=");
    if (b == std::string::npos) {
        return via;
    }
    const std::size_t end = via.find(';', b + 1);
    return via.substr(0, b) + (end == std::string::npos ? "" : via.substr(end));
}

// Header name (lowercase, full form) -> normalised values in order.
std::map<std::string, std::vector<std::string>> header_table(const parsed_message& m) {
    std::map<std::string, std::vector<std::string>> table;
    for (std::size_t i = 0; i < m->header_count(); ++i) {
        const sip::header_ref h = m->header(i);
        if (h.id != sip::header_id::unknown) {
            continue;
        }
        table[lower(h.name)].push_back(normalise(h.value));
    }
    for (std::size_t id = 0; id < sip::header_id_count; ++id) {
        const auto hid = static_cast<sip::header_id>(id);
        if (hid == sip::header_id::unknown || !m->has(hid)) {
            continue;
        }
        auto& values = table[lower(sip::header_name(hid))];
        for (const std::string& v : m.values(hid)) {
            values.push_back(normalise(v));
        }
    }
    return table;
}

} // namespace

std::vector<std::string> normalised_values(const std::string& message, sip::header_id id) {
    std::vector<std::string> out;
    for (const std::string& v : parse(message).values(id)) {
        out.push_back(normalise(v));
    }
    return out;
}

void expect_equivalent(std::string_view what, const std::string& ours, const std::string& rfc,
                       const compare_options& options) {
    const parsed_message a = parse(ours);
    const parsed_message b = parse(rfc);
    ASSERT_TRUE(a.ok) << what << ": ours does not parse";
    ASSERT_TRUE(b.ok) << what << ": the RFC's does not parse";
    EXPECT_EQ(normalise(a->start_line()), normalise(b->start_line())) << what;
    EXPECT_EQ(a->body(), b->body()) << what;
    auto ta = header_table(a);
    auto tb = header_table(b);
    for (const sip::header_id id : options.ignore) {
        ta.erase(lower(sip::header_name(id)));
        tb.erase(lower(sip::header_name(id)));
    }
    auto& via_a = ta["via"];
    auto& via_b = tb["via"];
    for (std::size_t i = 0; i < options.our_vias && i < via_a.size() && i < via_b.size(); ++i) {
        auto v = parser::parse_via(via_a[i]);
        EXPECT_TRUE(v && v.value().branch.starts_with(our_branch_prefix))
            << what << ": Via " << i << " is not ours: " << via_a[i];
        via_a[i] = without_branch(via_a[i]);
        via_b[i] = without_branch(via_b[i]);
    }
    for (const auto& [name, values] : tb) {
        EXPECT_EQ(ta[name], values) << what << ": header " << name;
    }
    for (const auto& [name, values] : ta) {
        if (!values.empty()) {
            EXPECT_TRUE(tb.contains(name)) << what << ": extra header " << name;
        }
    }
}

std::string top_branch(const std::string& message) {
    auto m = parse(message);
    return std::string(m.essentials().top_via.branch);
}

std::string as_response_to(const std::string& rfc_response, const std::string& request) {
    const parsed_message req = parse(request);
    const parsed_message resp = parse(rfc_response);
    EXPECT_TRUE(req.ok && resp.ok && resp->has(sip::header_id::via));
    if (!req.ok || !resp.ok || !resp->has(sip::header_id::via)) {
        return rfc_response;
    }
    std::string vias;
    for (const sip::header_ref h : req->headers(sip::header_id::via)) {
        vias += "Via: " + std::string(h.value) + "\r\n";
    }
    std::string out;
    std::size_t copied = 0;
    for (const sip::header_ref h : resp->headers(sip::header_id::via)) {
        const sip::header_field& f = resp->field(h.index);
        out += rfc_response.substr(copied, f.name_offset - copied);
        if (copied == 0) {
            out += vias; // in place of the first Via line
        }
        copied = f.line_end;
    }
    return out + rfc_response.substr(copied);
}

} // namespace sipedge::proxy::test
