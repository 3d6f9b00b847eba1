// Loads an RFC 3665 flow file: a YAML list of block scalars ("- |+"), each an
// indented message. Indentation (2 spaces) is stripped and LF becomes CRLF. A
// header-only message missing its final empty line gets one (corpus README).

#include "tests/dataplane/proxy/proxy_harness.hh"

#include <fstream>
#include <sstream>

#ifndef SIPEDGE_CORPUS_DIR
#error "SIPEDGE_CORPUS_DIR must point at tests/corpus"
#endif

namespace sipedge::proxy::test {

std::vector<std::string> load_flow(std::string_view file) {
    std::ifstream in(std::string(SIPEDGE_CORPUS_DIR) + "/rfc3665/" + std::string(file));
    EXPECT_TRUE(in.good()) << file;
    std::vector<std::string> messages;
    std::string line;
    bool inside = false;
    while (std::getline(in, line)) {
        if (line.starts_with("- |")) {
            messages.emplace_back();
            inside = true;
            continue;
        }
        if (!inside || line.starts_with("#")) {
            continue;
        }
        messages.back() += (line.size() >= 2 ? line.substr(2) : std::string()) + "\n";
    }
    for (std::string& m : messages) {
        if (m.find("\n\n") == std::string::npos) {
            m += "\n";
        }
        m = wire(m);
    }
    return messages;
}

} // namespace sipedge::proxy::test
