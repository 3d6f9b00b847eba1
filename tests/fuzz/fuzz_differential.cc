// libFuzzer target: every available stage-1 scanner must produce the scalar masks,
// and a full parse must give the same result and the same index with every ISA.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "parser/message_parser.hh"

using namespace sipedge;

namespace {

void check(bool ok, const char* what, parser::simd_isa isa) {
    if (!ok) {
        std::fprintf(stderr, "ISA mismatch (%s): %s\n",
                     std::string(parser::isa_name(isa)).c_str(), what);
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<parser::simd_isa> isas = [] {
        std::vector<parser::simd_isa> v;
        for (auto i : {parser::simd_isa::sse42, parser::simd_isa::avx2,
                       parser::simd_isa::avx512}) {
            if (parser::isa_available(i)) {
                v.push_back(i);
            }
        }
        return v;
    }();
    const std::size_t blocks = (size + 63) / 64;
    std::vector<char> buf(blocks * 64 + parser::parser_padding, '\0');
    if (size > 0) {
        std::memcpy(buf.data(), data, size);
    }

    std::vector<parser::block_masks> ref(blocks), got(blocks);
    if (blocks > 0) {
        parser::scanner(parser::simd_isa::scalar)(buf.data(), blocks, ref.data());
    }
    static const parser::message_parser scalar_parser({}, parser::simd_isa::scalar);
    static auto ref_view = std::make_unique<sip::message_view>();
    static auto view = std::make_unique<sip::message_view>();
    const std::string_view in(buf.data(), size);
    const auto rr = scalar_parser.parse(in, buf.size(), *ref_view, parser::framing::datagram);

    for (auto isa : isas) {
        if (blocks > 0) {
            parser::scanner(isa)(buf.data(), blocks, got.data());
            check(got == ref, "stage-1 masks", isa);
        }
        const parser::message_parser p({}, isa);
        const auto r = p.parse(in, buf.size(), *view, parser::framing::datagram);
        check(r.status == rr.status && r.code == rr.code && r.length == rr.length &&
                  r.error_offset == rr.error_offset,
              "parse result", isa);
        if (r.ok()) {
            check(view->header_count() == ref_view->header_count(), "header count", isa);
            for (std::size_t i = 0; i < view->header_count(); ++i) {
                const auto& a = view->field(i);
                const auto& b = ref_view->field(i);
                check(a.name_offset == b.name_offset && a.value_offset == b.value_offset &&
                          a.value_length == b.value_length && a.line_end == b.line_end &&
                          a.id == b.id && a.next_same == b.next_same,
                      "header index", isa);
            }
            check(view->body_offset() == ref_view->body_offset(), "body", isa);
        }
    }
    return 0;
}
