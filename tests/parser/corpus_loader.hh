#pragma once
// Loads the public test corpora (tests/corpus/README.md) for tests, fuzz seeds and
// benchmarks. Header-only so that bench/ can use it without tests/ being built.
//
// RFC 3665 YAML files hold a list of `|+` block scalars (2-space indent, LF line
// ends). The loader's decisions, documented in docs/fuzzing.md too:
//  - every LF becomes CRLF (wire form; the Content-Length values already count it);
//  - a message whose header section lacks the final empty line (the last message
//    of 4 files: YAML dropped it) gets one CRLF appended — the sender's framing
//    had it, the YAML extraction lost it;
//  - a body without Content-Length (3 messages) is left alone: over UDP the body
//    runs to the end of the datagram, which is how the tests parse them.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace sipedge::testing {

struct corpus_message {
    std::string name; // "3.01#1", "wsinv"
    std::string bytes;
};

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One YAML file → its messages, in wire form.
inline std::vector<std::string> load_rfc3665_yaml(const std::string& text) {
    std::vector<std::string> out;
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        const std::size_t end = nl == std::string::npos ? text.size() : nl;
        lines.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    bool in_block = false;
    std::string cur;
    auto flush = [&] {
        if (!in_block) {
            return;
        }
        // Ensure the header section ends with an empty line.
        if (cur.find("\r\n\r\n") == std::string::npos) {
            cur += "\r\n";
        }
        out.push_back(cur);
        cur.clear();
    };
    for (const std::string& l : lines) {
        if (l.rfind("- |", 0) == 0) {
            flush();
            in_block = true;
            continue;
        }
        if (!in_block) {
            continue;
        }
        if (l.rfind("  ", 0) == 0) {
            cur += l.substr(2);
            cur += "\r\n";
        } else if (l.empty()) {
            cur += "\r\n";
        } else {
            flush(); // a non-indented line ends the list item (comments, EOF)
            in_block = false;
        }
    }
    flush();
    return out;
}

inline std::vector<corpus_message> load_rfc3665(const std::filesystem::path& corpus_dir) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(corpus_dir / "rfc3665")) {
        if (e.path().extension() == ".yaml") {
            files.push_back(e.path());
        }
    }
    std::sort(files.begin(), files.end());
    std::vector<corpus_message> out;
    for (const auto& f : files) {
        const auto msgs = load_rfc3665_yaml(read_file(f));
        const std::string flow = f.filename().string().substr(0, 4);
        for (std::size_t i = 0; i < msgs.size(); ++i) {
            out.push_back({flow + "#" + std::to_string(i + 1), msgs[i]});
        }
    }
    return out;
}

inline std::vector<corpus_message> load_rfc4475(const std::filesystem::path& corpus_dir) {
    std::vector<corpus_message> out;
    for (const auto& e : std::filesystem::directory_iterator(corpus_dir / "rfc4475")) {
        if (e.path().extension() == ".dat") {
            out.push_back({e.path().stem().string(), read_file(e.path())});
        }
    }
    std::sort(out.begin(), out.end(),
              [](const corpus_message& a, const corpus_message& b) { return a.name < b.name; });
    return out;
}

} // namespace sipedge::testing
