// Writes every corpus message (RFC 4475 files and RFC 3665 messages in wire form)
// as one file per message into a directory: the fuzzers' seed corpus.
//   fuzz_seed_dump CORPUS_DIR OUT_DIR

#include <cstdio>
#include <fstream>

#include "tests/parser/corpus_loader.hh"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: fuzz_seed_dump CORPUS_DIR OUT_DIR\n");
        return 2;
    }
    const std::filesystem::path in = argv[1];
    const std::filesystem::path out = argv[2];
    std::filesystem::create_directories(out);
    auto msgs = sipedge::testing::load_rfc4475(in);
    for (auto& m : sipedge::testing::load_rfc3665(in)) {
        msgs.push_back(m);
    }
    for (const auto& m : msgs) {
        std::string name = m.name;
        for (char& c : name) {
            if (c == '#' || c == '/') {
                c = '_';
            }
        }
        std::ofstream f(out / name, std::ios::binary);
        f.write(m.bytes.data(), static_cast<std::streamsize>(m.bytes.size()));
        if (!f) {
            std::fprintf(stderr, "cannot write %s\n", (out / name).c_str());
            return 1;
        }
    }
    std::printf("%zu seeds\n", msgs.size());
    return 0;
}
