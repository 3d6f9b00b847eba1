// sipedge-parse: parses one or more SIP messages from a file (or stdin) and prints
// each as one JSON object per line; on a malformed message prints the error (code,
// byte offset, reason) and exits 1.
//
//   sipedge-parse [--stream | --datagram] [--isa scalar|sse42|avx2|avx512] [FILE]
//
// Default: a sequence of messages, each ending at its Content-Length, or at the end
// of the input without one; bytes left over are parsed as the next message.
// --datagram: the input is one UDP datagram; bytes past Content-Length are not part
// of the message (RFC 3261 18.3) and are reported as "trailing_bytes".
// --stream: stream framing (Content-Length mandatory, RFC 3261 18.3).
// Bytes outside printable ASCII are written as \u00XX escapes, so the output is
// always valid JSON even for binary bodies or non-UTF-8 header values.

#include <cstdio>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parser/essentials.hh"
#include "parser/message_parser.hh"

namespace {

using namespace sipedge;

void json_string(std::string& o, std::string_view s) {
    o += '"';
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            o += buf;
        } else {
            o += static_cast<char>(c);
        }
    }
    o += '"';
}

void field(std::string& o, const char* name, std::string_view v, bool comma = true) {
    if (comma) {
        o += ',';
    }
    json_string(o, name);
    o += ':';
    json_string(o, v);
}

void field(std::string& o, const char* name, long long v, bool comma = true) {
    if (comma) {
        o += ',';
    }
    json_string(o, name);
    o += ':';
    o += std::to_string(v);
}

void print_essentials(std::string& o, const sip::message_view& m) {
    auto e = parser::extract_essentials(m);
    if (!e) {
        o += ",\"essentials_error\":{";
        field(o, "code", parser::error_name(e.error_code()), false);
        field(o, "reason", e.message());
        o += '}';
        return;
    }
    const auto& v = e.value();
    o += ",\"essentials\":{\"top_via\":{";
    field(o, "transport", v.top_via.transport_text, false);
    field(o, "host", v.top_via.host);
    field(o, "port", v.top_via.port);
    field(o, "branch", v.top_via.branch);
    o += "}";
    field(o, "call_id", v.call_id);
    field(o, "cseq", static_cast<long long>(v.cseq_value.number));
    field(o, "cseq_method", v.cseq_value.method);
    field(o, "from_tag", v.from_tag);
    field(o, "to_tag", v.to_tag);
    field(o, "max_forwards", v.max_forwards);
    if (m.is_request()) {
        field(o, "ruri_user", v.request_uri.user);
        field(o, "ruri_host", v.request_uri.host);
        field(o, "first_route", v.first_route);
    }
    o += '}';
}

int usage() {
    std::fprintf(stderr, "usage: sipedge-parse [--stream | --datagram] [--isa scalar|sse42|avx2|avx512] [FILE]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    parser::framing mode = parser::framing::datagram;
    parser::simd_isa isa = parser::best_isa();
    const char* path = nullptr;
    bool one_datagram = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--stream") {
            mode = parser::framing::stream;
        } else if (a == "--datagram") {
            one_datagram = true;
        } else if (a == "--isa" && i + 1 < argc) {
            const std::string_view n = argv[++i];
            bool found = false;
            for (auto c : {parser::simd_isa::scalar, parser::simd_isa::sse42,
                           parser::simd_isa::avx2, parser::simd_isa::avx512}) {
                if (n == parser::isa_name(c)) {
                    if (!parser::isa_available(c)) {
                        std::fprintf(stderr, "sipedge-parse: %s not available here\n", argv[i]);
                        return 2;
                    }
                    isa = c;
                    found = true;
                }
            }
            if (!found) {
                return usage();
            }
        } else if (a == "-h" || a == "--help") {
            return usage();
        } else if (path == nullptr) {
            path = argv[i];
        } else {
            return usage();
        }
    }
    std::FILE* f = path != nullptr && std::strcmp(path, "-") != 0 ? std::fopen(path, "rb") : stdin;
    if (f == nullptr) {
        std::fprintf(stderr, "sipedge-parse: cannot open %s: %s\n", path, std::strerror(errno));
        return 2;
    }
    std::vector<char> data;
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        data.insert(data.end(), buf, buf + n);
    }
    if (f != stdin) {
        std::fclose(f);
    }
    const std::size_t size = data.size();
    data.resize(size + parser::parser_padding, '\0'); // the padding contract

    const parser::message_parser p({}, isa);
    auto view = std::make_unique<sip::message_view>();
    std::size_t off = 0;
    int status = 0;
    int count = 0;
    while (off < size) {
        const std::string_view in(data.data() + off, size - off);
        const parser::parse_result r = p.parse(in, data.size() - off, *view, mode);
        std::string o = "{";
        field(o, "offset", static_cast<long long>(off), false);
        if (r.status == parser::parse_status::need_more) {
            o += ",\"error\":{";
            field(o, "code", "incomplete", false);
            field(o, "offset", static_cast<long long>(size));
            field(o, "reason", "input ends inside a message");
            o += "}}";
            std::puts(o.c_str());
            status = 1;
            break;
        }
        if (r.status == parser::parse_status::error) {
            o += ",\"error\":{";
            field(o, "code", parser::error_name(r.code), false);
            field(o, "offset", static_cast<long long>(off + r.error_offset));
            field(o, "reason", r.reason);
            o += "}}";
            std::puts(o.c_str());
            status = 1;
            break;
        }
        const sip::message_view& m = *view;
        field(o, "length", static_cast<long long>(r.length));
        field(o, "isa", parser::isa_name(p.isa()));
        if (m.is_request()) {
            field(o, "kind", "request");
            field(o, "method", m.method());
            field(o, "request_uri", m.request_uri());
        } else {
            field(o, "kind", "response");
            field(o, "status", m.status_code());
            field(o, "reason", m.reason());
        }
        field(o, "version", m.version());
        o += ",\"headers\":[";
        for (std::size_t i = 0; i < m.header_count(); ++i) {
            const sip::header_ref h = m.header(i);
            o += i == 0 ? "{" : ",{";
            field(o, "name", h.name, false);
            field(o, "id", h.id == sip::header_id::unknown ? std::string_view{"unknown"}
                                                           : sip::header_name(h.id));
            field(o, "value", h.value);
            o += '}';
        }
        o += ']';
        field(o, "body_length", static_cast<long long>(m.body().size()));
        print_essentials(o, m);
        if (o.find("\"essentials_error\"") != std::string::npos) {
            status = 1;
        }
        ++count;
        off += r.length;
        if (one_datagram) {
            field(o, "trailing_bytes", static_cast<long long>(size - off));
            o += '}';
            std::puts(o.c_str());
            break;
        }
        o += '}';
        std::puts(o.c_str());
        // Trailing empty lines after the last message are keep-alive noise.
        std::size_t k = off;
        while (k < size && (data[k] == '\r' || data[k] == '\n')) {
            ++k;
        }
        if (k == size) {
            break;
        }
    }
    if (count == 0 && status == 0) {
        std::fputs("{\"offset\":0,\"error\":{\"code\":\"empty_message\",\"offset\":0,"
                   "\"reason\":\"no message in the input\"}}\n",
                   stdout);
        status = 1;
    }
    return status;
}
