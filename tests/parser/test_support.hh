#pragma once
// Helpers for parser tests: the corpus path, padded copies, guard-page buffers.

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parser/message_parser.hh"

namespace sipedge::testing {

inline std::string corpus_dir() { return SIPEDGE_CORPUS_DIR; }

// A copy of the message followed by parser_padding readable bytes.
class padded {
public:
    explicit padded(std::string_view s) : _buf(s.size() + parser::parser_padding, '\xAA') {
        std::memcpy(_buf.data(), s.data(), s.size());
        _size = s.size();
    }
    std::string_view view() const { return {_buf.data(), _size}; }
    std::size_t readable() const { return _buf.size(); }

private:
    std::vector<char> _buf;
    std::size_t _size;
};

// Places bytes so that `tail_room` readable bytes follow them and then a PROT_NONE
// page: any read past data + size + tail_room faults.
class guarded {
public:
    guarded(std::string_view s, std::size_t tail_room) {
        const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        const std::size_t need = s.size() + tail_room;
        _data_pages = (need + page - 1) / page + 1;
        _len = (_data_pages + 1) * page;
        void* m = mmap(nullptr, _len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            std::abort();
        }
        _map = static_cast<char*>(m);
        char* guard = _map + _data_pages * page;
        if (mprotect(guard, page, PROT_NONE) != 0) {
            std::abort();
        }
        _data = guard - need;
        std::memcpy(_data, s.data(), s.size());
        std::memset(_data + s.size(), 0x55, tail_room);
        _size = s.size();
    }
    ~guarded() { munmap(_map, _len); }
    guarded(const guarded&) = delete;
    guarded& operator=(const guarded&) = delete;

    std::string_view view() const { return {_data, _size}; }

private:
    char* _map = nullptr;
    std::size_t _len = 0;
    std::size_t _data_pages = 0;
    char* _data = nullptr;
    std::size_t _size = 0;
};

inline std::vector<parser::simd_isa> available_isas() {
    std::vector<parser::simd_isa> v;
    for (auto i : {parser::simd_isa::scalar, parser::simd_isa::sse42, parser::simd_isa::avx2,
                   parser::simd_isa::avx512}) {
        if (parser::isa_available(i)) {
            v.push_back(i);
        }
    }
    return v;
}

// A message parsed from a padded copy that the struct keeps alive.
struct parsed {
    std::unique_ptr<padded> buf;
    std::unique_ptr<sip::message_view> view = std::make_unique<sip::message_view>();
    parser::parse_result result;

    const sip::message_view& operator*() const { return *view; }
    const sip::message_view* operator->() const { return view.get(); }
};

inline parsed parse_text(std::string_view s, parser::framing f = parser::framing::datagram,
                         parser::simd_isa isa = parser::best_isa(),
                         const parser::parser_limits& limits = {}) {
    parsed out;
    out.buf = std::make_unique<padded>(s);
    const parser::message_parser p(limits, isa);
    out.result = p.parse(out.buf->view(), out.buf->readable(), *out.view, f);
    return out;
}

} // namespace sipedge::testing
