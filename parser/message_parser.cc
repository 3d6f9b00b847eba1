#include "parser/message_parser.hh"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>

#include "common/compiler.hh"
#include "parser/byte_vec.hh"
#include "parser/char_class.hh"
#include "sip/header_lookup.hh"

namespace sipedge::parser {

namespace detail {

// The only code that writes a message_view's private fields.
struct view_builder {
    static void begin(sip::message_view& v, const char* base) { v._base = base; }
    static void set_request(sip::message_view& v, std::string_view method, std::string_view uri,
                            std::string_view version) {
        set_request(v, method, sip::lookup_method(method), uri, version);
    }
    static void set_request(sip::message_view& v, std::string_view method, sip::sip_method id,
                            std::string_view uri, std::string_view version) {
        v._kind = sip::message_kind::request;
        v._method = method;
        v._method_id = id;
        v._request_uri = uri;
        v._version = version;
    }
    static void set_response(sip::message_view& v, std::string_view version, std::uint16_t code,
                             std::string_view reason) {
        v._kind = sip::message_kind::response;
        v._version = version;
        v._status_code = code;
        v._reason = reason;
    }
    static void set_start_line_length(sip::message_view& v, std::uint32_t n) {
        v._start_line_length = n;
    }
    static std::uint16_t header_count(const sip::message_view& v) { return v._header_count; }
    // Appends a header to the index, built in place.
    static void add_header(sip::message_view& v, std::uint32_t name_offset,
                           std::uint32_t name_length, std::uint32_t value_offset,
                           std::uint32_t value_length, std::uint32_t line_end, sip::header_id hid,
                           bool folded) {
        const std::uint16_t index = v._header_count++;
        sip::header_field& h = v._headers[index];
        h.name_offset = name_offset;
        h.value_offset = value_offset;
        h.value_length = value_length;
        h.line_end = line_end;
        h.name_length = static_cast<std::uint16_t>(name_length);
        h.next_same = sip::no_header;
        h.id = hid;
        h.folded = folded;
        const auto id = static_cast<std::size_t>(hid);
        auto& slot = v._ids[id];
        if (slot.first == sip::no_header) {
            slot.first = index;
        } else {
            v._headers[slot.last].next_same = index;
        }
        slot.last = index;
        ++slot.count;
    }
    static void set_content_length(sip::message_view& v, std::uint32_t n) {
        v._has_content_length = true;
        v._content_length = n;
    }
    static void finish(sip::message_view& v, std::uint32_t body_offset, std::uint32_t length) {
        v._body_offset = body_offset;
        v._length = length;
    }
};

} // namespace detail

namespace {

using detail::is_token_char;
using detail::is_wsp;
using detail::view_builder;

constexpr std::uint32_t npos = 0xffffffffu;
// Blocks scanned per stage-1 call: 512 bytes, so that most header sections take one
// call (a line that crosses into the next chunk needs a memchr for its colon); a
// body scanned on the way costs about 20 instructions per 64 bytes (AVX2).
constexpr std::size_t chunk_blocks = 8;
constexpr std::size_t chunk_bytes = chunk_blocks * stage1_block;

struct failure {
    parse_error_code code;
    std::uint32_t offset;
    const char* reason;
};

parse_result make_error(parse_error_code code, std::size_t offset, const char* reason) {
    parse_result r;
    r.status = parse_status::error;
    r.code = code;
    r.error_offset = static_cast<std::uint32_t>(offset);
    r.reason = reason;
    return r;
}

parse_result make_need_more() {
    parse_result r;
    r.status = parse_status::need_more;
    return r;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (detail::to_lower(a[i]) != detail::to_lower(b[i])) {
            return false;
        }
    }
    return true;
}

// "SIP/" 1*DIGIT "." 1*DIGIT, version string case-insensitive (RFC 3261 7.1).
bool valid_version(std::string_view v) {
    if (v == "SIP/2.0") {
        return true; // nearly every message: skip the general check
    }
    if (v.size() < 7 || !ascii_iequals(v.substr(0, 4), "SIP/")) {
        return false;
    }
    std::size_t i = 4;
    const std::size_t major = i;
    while (i < v.size() && detail::is_digit(v[i])) {
        ++i;
    }
    if (i == major || i >= v.size() || v[i] != '.') {
        return false;
    }
    ++i;
    const std::size_t minor = i;
    while (i < v.size() && detail::is_digit(v[i])) {
        ++i;
    }
    return i > minor && i == v.size();
}

// Whether s holds a byte <= 0x20 or 0x7f (bytes >= 0x80 are not counted), a word
// or a vector at a time. Existence only: the caller finds the position the slow
// way when there is one.
bool has_control_char(std::string_view s) {
    return detail::has_byte_below_0x21(s.data(), s.size()) ||
           std::memchr(s.data(), 0x7f, s.size()) != nullptr;
}

bool is_sip20(std::string_view v) { return v.size() == 7 && v.substr(4) == "2.0"; }

// Request-URI scheme: ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":"
bool has_scheme(std::string_view uri) {
    // "sip:" (the letters in either case) from one word.
    constexpr auto care = detail::literal_word<std::uint32_t>("\xdf\xdf\xdf\xff", 0);
    if (uri.size() >= 4 && ((detail::load_word<std::uint32_t>(uri.data()) ^
                             detail::literal_word<std::uint32_t>("sip:", 0)) &
                            care) == 0) {
        return true;
    }
    if (uri.empty() || !detail::has_class(uri[0], detail::cc_alpha)) {
        return false;
    }
    for (std::size_t i = 1; i < uri.size(); ++i) {
        const char c = uri[i];
        if (c == ':') {
            return true;
        }
        if (!detail::has_class(c, detail::cc_alpha | detail::cc_digit) && c != '+' && c != '-' &&
            c != '.') {
            return false;
        }
    }
    return false;
}

// The usual start lines in one pass: "Method SP Request-URI SP SIP/2.0" (token
// method, a Request-URI of visible characters with a scheme) and "SIP/2.0 SP
// 3DIGIT [SP Reason]" (code 100..699). false: anything else, which the general
// parse below handles (and gives the precise error for).
bool parse_start_line_fast(const char* base, std::uint32_t end, sip::message_view& v) {
    if (end >= 11 && std::memcmp(base, "SIP/2.0 ", 8) == 0) {
        if (!detail::is_digit(base[8]) || !detail::is_digit(base[9]) ||
            !detail::is_digit(base[10]) || (end > 11 && base[11] != ' ')) {
            return false;
        }
        const auto code = static_cast<std::uint32_t>((base[8] - '0') * 100 + (base[9] - '0') * 10 +
                                                     (base[10] - '0'));
        if (code < 100 || code > 699) {
            return false;
        }
        const std::string_view reason =
            end > 11 ? std::string_view(base + 12, end - 12) : std::string_view{};
        view_builder::set_response(v, std::string_view(base, 7), static_cast<std::uint16_t>(code),
                                   reason);
        return true;
    }
    // The method: up to the first SP, found in the first word when the method is
    // shorter than 8 bytes (SWAR zero-byte test of the word XOR spaces: its lowest
    // flag is exact). A known method is a token; any other is checked byte by byte.
    std::uint32_t i = 0;
    std::uint64_t sp_flags = 0;
    if (end >= 8) {
        constexpr std::uint64_t ones = 0x0101010101010101ull;
        const std::uint64_t x = detail::load_word<std::uint64_t>(base) ^ (ones * ' ');
        sp_flags = (x - ones) & ~x & (ones * 0x80);
    }
    sip::sip_method id = sip::sip_method::extension;
    if (std::endian::native == std::endian::little && sp_flags != 0) {
        i = static_cast<std::uint32_t>(__builtin_ctzll(sp_flags)) / 8;
        id = sip::lookup_method(std::string_view(base, i));
        for (std::uint32_t k = id == sip::sip_method::extension ? 0 : i; k < i; ++k) {
            if (!is_token_char(base[k])) {
                return false;
            }
        }
    } else {
        while (i < end && is_token_char(base[i])) {
            ++i;
        }
        if (i == end || base[i] != ' ') {
            return false;
        }
        id = sip::lookup_method(std::string_view(base, i));
    }
    if (i == 0) {
        return false;
    }
    const std::uint32_t uri_begin = i + 1;
    const auto sp2 = static_cast<std::uint32_t>(detail::find_space_or_ctl(base, uri_begin, end));
    if (sp2 + 8 != end || base[sp2] != ' ' || sp2 == uri_begin || base[uri_begin] == '<' ||
        std::memcmp(base + sp2 + 1, "SIP/2.0", 7) != 0) {
        return false;
    }
    const std::string_view uri(base + uri_begin, sp2 - uri_begin);
    if (!has_scheme(uri)) {
        return false;
    }
    view_builder::set_request(v, std::string_view(base, i), id, uri,
                              std::string_view(base + sp2 + 1, 7));
    return true;
}

// Parses the start line [0, end) of base (no CR/LF). Offsets in failures are
// relative to base; the caller adds the skipped prefix. unsupported_version is
// returned through `deferred` so the rest of the message is still indexed (505).
SIPEDGE_NOINLINE bool parse_start_line(const char* base, std::uint32_t end, sip::message_view& v,
                                       failure& f, failure& deferred, bool& has_deferred) {
    if (parse_start_line_fast(base, end, v)) {
        return true;
    }
    const std::string_view line(base, end);
    if (line.size() >= 4 && ascii_iequals(line.substr(0, 4), "SIP/")) {
        const std::size_t sp1 = line.find(' ');
        if (sp1 == std::string_view::npos) {
            f = {parse_error_code::invalid_start_line, end, "status line without status code"};
            return false;
        }
        const std::string_view version = line.substr(0, sp1);
        if (!valid_version(version)) {
            f = {parse_error_code::invalid_version, 0, "malformed SIP-Version"};
            return false;
        }
        std::size_t i = sp1 + 1;
        const std::size_t code_begin = i;
        std::uint32_t code = 0;
        while (i < line.size() && detail::is_digit(line[i]) && i - code_begin < 4) {
            code = code * 10 + static_cast<std::uint32_t>(line[i] - '0');
            ++i;
        }
        if (i - code_begin != 3 || (i < line.size() && line[i] != ' ')) {
            f = {parse_error_code::invalid_status_code, static_cast<std::uint32_t>(code_begin),
                 "Status-Code is not three digits"};
            return false;
        }
        if (code < 100 || code > 699) {
            f = {parse_error_code::invalid_status_code, static_cast<std::uint32_t>(code_begin),
                 "Status-Code outside 100..699"};
            return false;
        }
        const std::string_view reason = i < line.size() ? line.substr(i + 1) : std::string_view{};
        view_builder::set_response(v, version, static_cast<std::uint16_t>(code), reason);
        if (!is_sip20(version)) {
            deferred = {parse_error_code::unsupported_version, 0, "SIP-Version is not SIP/2.0"};
            has_deferred = true;
        }
        return true;
    }

    // Request-Line = Method SP Request-URI SP SIP-Version, single SPs (RFC 3261 7.1).
    const std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) {
        f = {parse_error_code::invalid_start_line, 0, "start line has no SP"};
        return false;
    }
    const std::string_view method = line.substr(0, sp1);
    if (method.empty()) {
        f = {parse_error_code::invalid_start_line, 0, "start line begins with whitespace"};
        return false;
    }
    for (std::size_t i = 0; i < method.size(); ++i) {
        if (!is_token_char(method[i])) {
            f = {parse_error_code::invalid_method, static_cast<std::uint32_t>(i),
                 "Method is not a token"};
            return false;
        }
    }
    const std::size_t uri_begin = sp1 + 1;
    const std::size_t sp2 = line.find(' ', uri_begin);
    if (sp2 == std::string_view::npos) {
        f = {parse_error_code::invalid_start_line, end, "Request-Line has no SIP-Version"};
        return false;
    }
    if (sp2 == uri_begin) {
        f = {parse_error_code::invalid_start_line, static_cast<std::uint32_t>(uri_begin),
             "more than one SP between Method and Request-URI"};
        return false;
    }
    const std::string_view uri = line.substr(uri_begin, sp2 - uri_begin);
    if (uri[0] == '<') {
        f = {parse_error_code::invalid_request_uri, static_cast<std::uint32_t>(uri_begin),
             "Request-URI enclosed in <>"};
        return false;
    }
    const std::string_view rest = line.substr(sp2 + 1);
    if (rest.empty() || rest[0] == ' ') {
        f = {parse_error_code::invalid_start_line, static_cast<std::uint32_t>(sp2),
             "more than one SP between Request-URI and SIP-Version"};
        return false;
    }
    if (const std::size_t sp3 = rest.find(' '); sp3 != std::string_view::npos) {
        const std::size_t after = rest.find_first_not_of(' ', sp3);
        if (after == std::string_view::npos) {
            f = {parse_error_code::invalid_start_line, static_cast<std::uint32_t>(sp2 + 1 + sp3),
                 "trailing whitespace after SIP-Version"};
        } else {
            f = {parse_error_code::invalid_request_uri, static_cast<std::uint32_t>(sp2),
                 "whitespace inside Request-URI"};
        }
        return false;
    }
    for (std::size_t i = has_control_char(uri) ? 0 : uri.size(); i < uri.size(); ++i) {
        if (static_cast<unsigned char>(uri[i]) <= 0x20 || uri[i] == 0x7f) {
            f = {parse_error_code::invalid_request_uri, static_cast<std::uint32_t>(uri_begin + i),
                 "control character in Request-URI"};
            return false;
        }
    }
    if (!has_scheme(uri)) {
        f = {parse_error_code::invalid_request_uri, static_cast<std::uint32_t>(uri_begin),
             "Request-URI has no scheme"};
        return false;
    }
    if (!valid_version(rest)) {
        f = {parse_error_code::invalid_version, static_cast<std::uint32_t>(sp2 + 1),
             "malformed SIP-Version"};
        return false;
    }
    view_builder::set_request(v, method, uri, rest);
    if (!is_sip20(rest)) {
        deferred = {parse_error_code::unsupported_version, static_cast<std::uint32_t>(sp2 + 1),
                    "SIP-Version is not SIP/2.0"};
        has_deferred = true;
    }
    return true;
}

// Strict 1*DIGIT with surrounding LWS; npos-like failure via ok flag.
bool parse_length_value(std::string_view value, std::uint64_t& n) {
    std::size_t i = 0;
    while (i < value.size() && detail::is_lws(value[i])) {
        ++i;
    }
    const std::size_t begin = i;
    n = 0;
    while (i < value.size() && detail::is_digit(value[i])) {
        n = n * 10 + static_cast<std::uint64_t>(value[i] - '0');
        if (n > 0xffffffffu) {
            return false;
        }
        ++i;
    }
    if (i == begin) {
        return false;
    }
    while (i < value.size() && detail::is_lws(value[i])) {
        ++i;
    }
    return i == value.size();
}

// The state of the header-section walk. Plain scalars, local to run() and never
// passed to an out-of-line function, so that they live in registers.
struct walker {
    const char* base; // first byte of the start line
    sip::message_view* view;
    std::uint32_t max_line;    // parser_limits::max_line_length
    std::uint32_t max_headers; // parser_limits::max_headers, clamped to the view's capacity
    std::size_t readable;      // bytes from base that may be read (padding included)
    std::uint32_t line_start = 0;
    std::uint32_t body_offset = npos;
    bool start_done = false;
    // The header being read: it may still continue on folded lines.
    bool has_pending = false;
    bool pending_folded = false;
    sip::header_id pending_id = sip::header_id::unknown;
    std::uint32_t pending_name = 0; // name offset
    std::uint32_t pending_name_length = 0;
    std::uint32_t pending_colon = 0;
    std::uint32_t pending_value_end = 0; // end of the last physical line, CR excluded
    std::uint32_t pending_line_end = 0;  // just past its LF
    bool has_content_length = false;
    std::uint64_t content_length = 0;
};

// A header value [vb, ve) without the LWS around it.
SIPEDGE_ALWAYS_INLINE void trim_value(const char* base, std::uint32_t& vb, std::uint32_t& ve) {
    if (vb + 1 < ve && base[vb] == ' ' && static_cast<unsigned char>(base[vb + 1]) > ' ' &&
        static_cast<unsigned char>(base[ve - 1]) > ' ') {
        ++vb; // the usual ": value", nothing to trim at the end
    } else {
        while (vb < ve && detail::is_lws(base[vb])) {
            ++vb;
        }
        while (ve > vb && detail::is_lws(base[ve - 1])) {
            --ve;
        }
    }
}

// Closes the pending header: trims the value, checks the limits, indexes it.
SIPEDGE_ALWAYS_INLINE bool finish_header(walker& w, failure& f) {
    w.has_pending = false;
    std::uint32_t vb = w.pending_colon + 1;
    std::uint32_t ve = w.pending_value_end;
    trim_value(w.base, vb, ve);
    if (w.pending_line_end - w.pending_name > w.max_line) {
        f = {parse_error_code::line_too_long, w.pending_name, "header line longer than the limit"};
        return false;
    }
    if (view_builder::header_count(*w.view) >= w.max_headers) {
        f = {parse_error_code::too_many_headers, w.pending_name,
             "more header lines than the limit"};
        return false;
    }
    if (w.pending_id == sip::header_id::content_length) {
        std::uint64_t n = 0;
        if (!parse_length_value(std::string_view(w.base + vb, ve - vb), n)) {
            f = {parse_error_code::invalid_content_length, vb, "Content-Length is not 1*DIGIT"};
            return false;
        }
        if (w.has_content_length && n != w.content_length) {
            f = {parse_error_code::conflicting_content_length, w.pending_name,
                 "several Content-Length values disagree"};
            return false;
        }
        w.has_content_length = true;
        w.content_length = n;
    }
    view_builder::add_header(*w.view, w.pending_name, w.pending_name_length, vb, ve - vb,
                             w.pending_line_end, w.pending_id, w.pending_folded);
    return true;
}

// Handles one header-section line [w.line_start, lf) terminated by the LF at `lf`
// (the start line is handled by the caller). first_colon(): the first ':' in the
// line or npos, asked only for a line that starts a header (not for the empty line
// or a folded one).
template <typename FirstColon>
SIPEDGE_ALWAYS_INLINE bool on_header_line(walker& w, std::uint32_t ls, std::uint32_t le,
                                          std::uint32_t lf, FirstColon first_colon, failure& f) {
    if (le == ls) {
        // The empty line: end of the header section.
        if (w.has_pending && !finish_header(w, f)) {
            return false;
        }
        w.body_offset = lf + 1;
        return true;
    }
    if (is_wsp(w.base[ls])) {
        // Continuation of a folded value (RFC 3261 7.3.1).
        if (!w.has_pending) {
            f = {parse_error_code::invalid_header_name, ls, "folded line without a header"};
            return false;
        }
        w.pending_folded = true;
        w.pending_value_end = le;
        w.pending_line_end = lf + 1;
        if (w.pending_line_end - w.pending_name > w.max_line) {
            f = {parse_error_code::line_too_long, w.pending_name,
                 "header line longer than the limit"};
            return false;
        }
        return true;
    }
    if (w.has_pending && !finish_header(w, f)) {
        return false;
    }
    if (le - ls > w.max_line) {
        f = {parse_error_code::line_too_long, ls, "header line longer than the limit"};
        return false;
    }
    const std::uint32_t colon = first_colon();
    if (colon >= le) { // also npos
        f = {parse_error_code::missing_colon, ls, "header line without a colon"};
        return false;
    }
    // header-name [WSP] ":" (RFC 3261 7.3.1 allows whitespace before the colon).
    std::uint32_t ne = colon;
    while (ne > ls && is_wsp(w.base[ne - 1])) {
        --ne;
    }
    if (ne == ls) {
        f = {parse_error_code::invalid_header_name, ls, "empty header name"};
        return false;
    }
    if (ne - ls > 0xffff) { // header_field::name_length is 16 bits
        f = {parse_error_code::line_too_long, ls, "header name longer than 65535 bytes"};
        return false;
    }
    // A name that matches a known header (case-insensitively) is a token already;
    // only unknown names need the byte-by-byte check.
    const sip::header_id id =
        ls + sip::detail::wide_name <= w.readable
            ? sip::detail::lookup_header_name_wide(w.base + ls, ne - ls)
            : sip::detail::lookup_header_name(std::string_view(w.base + ls, ne - ls));
    if (id == sip::header_id::unknown) {
        for (std::uint32_t i = ls; i < ne; ++i) {
            if (!is_token_char(w.base[i])) {
                f = {parse_error_code::invalid_header_name, i, "header name is not a token"};
                return false;
            }
        }
    }
    w.has_pending = true;
    w.pending_folded = false;
    w.pending_id = id;
    w.pending_name = ls;
    w.pending_name_length = ne - ls;
    w.pending_line_end = lf + 1;
    w.pending_colon = colon;
    w.pending_value_end = le;
    return true;
}

// Scans [offset, offset + n_blocks*64) of base into masks, honouring the input end:
// without padding, a final partial block is copied to a zero-filled buffer; bits at
// or past `size` are cleared either way.
void scan_chunk(line_scan_fn scan, const char* base, std::uint32_t size, bool padded,
                std::uint32_t offset, std::size_t n_blocks, line_masks* masks) {
    const std::uint32_t end = offset + static_cast<std::uint32_t>(n_blocks * stage1_block);
    if (padded || end <= size) {
        scan(base + offset, n_blocks, masks);
    } else {
        const std::size_t full = (size - offset) / stage1_block;
        if (full > 0) {
            scan(base + offset, full, masks);
        }
        alignas(64) char tail[stage1_block] = {};
        const std::uint32_t tail_offset = offset + static_cast<std::uint32_t>(full * stage1_block);
        std::memcpy(tail, base + tail_offset, size - tail_offset);
        scan(tail, 1, masks + full);
    }
    if (end > size) {
        const std::size_t last = (size - offset) / stage1_block;
        const unsigned keep = (size - offset) % stage1_block;
        const std::uint64_t m = keep == 0 ? 0 : (~std::uint64_t{0} >> (64 - keep));
        line_masks& b = masks[last];
        b.lf &= m;
        b.colon &= m;
    }
}

// The usual header section in one pass, the input padded and the message no
// longer than a line may be (so no line or name can exceed a limit and those
// checks drop out): every LF taken in order from the stage-1 masks, the first colon
// of a line by one shift and count from its start, and each header indexed as soon
// as the next line is seen not to continue it. Returns false on anything it does
// not take (an error of any kind, a section longer than fast_blocks blocks, input
// that ends before the empty line): the caller then clears the view and runs the
// general walk from the start, which gives the same view or the precise error. On
// true, the view and w hold exactly what the general walk would leave.
constexpr std::size_t fast_blocks = 32;

thread_local std::uint64_t general_walk_count = 0;

// GCC's basic-block (SLP) vectorizer packs the four 32-bit fields of each index
// entry into a vector register before storing them (four moves to SSE registers,
// three unpacks and a store where four stores do), among other packings in the
// walk: callgrind, (b) AVX2 over the RFC 3665 corpus 580,274 -> 568,244
// instructions per pass without it in this one function (in the value parsers it
// made no difference worth having).

SIPEDGE_NOINLINE SIPEDGE_NO_SLP_VECTORIZE bool walk_usual(walker& w, line_scan_fn scan,
                                                           std::uint32_t size, failure& deferred,
                                                           bool& has_deferred) {
    const char* const base = w.base;
    sip::message_view& out = *w.view;
    if (size > w.max_line || size > 0xffff || size == 0) {
        return false;
    }
    // The whole message, up to fast_blocks blocks, in one stage-1 call before the
    // walk: the per-line loop then makes no call, and keeps its state in registers
    // (callgrind over the RFC 3665 corpus, chunks of 16 blocks scanned as the walk
    // reached them -> all at once, 684,366 -> 671,972 instructions per pass; every
    // message there takes one call either way). A section that does not end in
    // these blocks goes to the general walk. Padded: scanned in place; only bits
    // past the input are cleared (as scan_chunk does).
    line_masks masks[fast_blocks];
    std::uint32_t scanned = (size + stage1_block - 1) / stage1_block;
    scanned = scanned < fast_blocks ? scanned : static_cast<std::uint32_t>(fast_blocks);
    scan(base, scanned, masks);
    if (scanned * stage1_block > size) {
        const unsigned keep = size % stage1_block;
        line_masks& last = masks[scanned - 1];
        const std::uint64_t m = keep == 0 ? 0 : (~std::uint64_t{0} >> (64 - keep));
        last.lf &= m;
        last.colon &= m;
    }
    // The LFs are taken in order: the block being read and its LF bits not yet
    // taken (bits at or past `size` are clear, so no LF is found there).
    std::uint32_t lf_block = 0;
    std::uint64_t lf_bits = masks[0].lf;
    const auto next_lf = [&](std::uint32_t& at) -> bool {
        while (lf_bits == 0)
            [[unlikely]] {
                ++lf_block;
                if (lf_block == scanned) {
                    return false;
                }
                lf_bits = masks[lf_block].lf;
            }
        at = lf_block * static_cast<std::uint32_t>(stage1_block) +
             static_cast<std::uint32_t>(__builtin_ctzll(lf_bits));
        lf_bits &= lf_bits - 1;
        return true;
    };

    // The start line (never longer than the limit: the message is not).
    std::uint32_t pos = 0;
    if (!next_lf(pos)) {
        return false;
    }
    std::uint32_t le = pos > 0 && base[pos - 1] == '\r' ? pos - 1 : pos;
    view_builder::set_start_line_length(out, le);
    failure f{};
    if (!parse_start_line(base, le, out, f, deferred, has_deferred)) {
        return false;
    }

    const std::uint32_t max_headers = w.max_headers;
    std::uint32_t count = 0;
    bool has_content_length = false;
    std::uint64_t content_length = 0;
    std::uint32_t ls = pos + 1;
    // A line after the start line may not continue anything; every later line is
    // looked at before the header above it is indexed (below). base[size] is in the
    // padding: whatever it holds, no LF is found at or past it.
    if (is_wsp(base[ls])) {
        return false;
    }
    while (true) {
        if (!next_lf(pos)) {
            return false;
        }
        // pos > 0 here, and base[pos - 1] is the previous LF when the line is empty.
        le = base[pos - 1] == '\r' ? pos - 1 : pos;
        if (le == ls) {
            w.body_offset = pos + 1; // the empty line
            break;
        }
        // The first colon in [ls, pos): masks of the blocks up to pos's are there.
        std::uint32_t cb = ls / stage1_block;
        std::uint64_t cm = masks[cb].colon >> (ls % stage1_block);
        std::uint32_t colon = npos;
        if (cm != 0) [[likely]] {
            colon = ls + static_cast<std::uint32_t>(__builtin_ctzll(cm));
        } else {
            while (cb < pos / stage1_block) {
                ++cb;
                if (masks[cb].colon != 0) {
                    colon = cb * static_cast<std::uint32_t>(stage1_block) +
                            static_cast<std::uint32_t>(__builtin_ctzll(masks[cb].colon));
                    break;
                }
            }
        }
        if (colon >= le || colon == ls) {
            return false;
        }
        std::uint32_t ne = colon;
        if (static_cast<unsigned char>(base[ne - 1]) <= ' ') [[unlikely]] {
            while (ne > ls && is_wsp(base[ne - 1])) {
                --ne;
            }
            if (ne == ls) {
                return false;
            }
        }
        // ls + wide_name <= readable: the padding is wider than a wide name.
        static_assert(parser_padding >= sip::detail::wide_name);
        const sip::header_id id = sip::detail::lookup_header_name_wide(base + ls, ne - ls);
        if (id == sip::header_id::unknown) {
            for (std::uint32_t i = ls; i < ne; ++i) {
                if (!is_token_char(base[i])) {
                    return false;
                }
            }
        }
        // Folded continuation lines: the header ends before the first line that
        // does not start with WSP.
        std::uint32_t value_end = le;
        std::uint32_t line_end = pos + 1;
        bool folded = false;
        while (is_wsp(base[line_end]))
            [[unlikely]] {
                if (!next_lf(pos)) {
                    return false;
                }
                folded = true;
                value_end = base[pos - 1] == '\r' ? pos - 1 : pos;
                line_end = pos + 1;
            }
        if (count >= max_headers) {
            return false;
        }
        std::uint32_t vb = colon + 1;
        std::uint32_t ve = value_end;
        trim_value(base, vb, ve);
        if (id == sip::header_id::content_length) {
            // Up to 9 digits (trimmed already) cannot overflow: read inline.
            std::uint64_t n = 0;
            std::uint32_t k = vb;
            while (k < ve && k - vb < 9 && detail::is_digit(base[k])) {
                n = n * 10 + static_cast<std::uint64_t>(base[k] - '0');
                ++k;
            }
            if ((k != ve || k == vb) &&
                !parse_length_value(std::string_view(base + vb, ve - vb), n)) {
                return false;
            }
            if (has_content_length && n != content_length) {
                return false;
            }
            has_content_length = true;
            content_length = n;
        }
        view_builder::add_header(out, ls, ne - ls, vb, ve - vb, line_end, id, folded);
        ++count;
        ls = line_end;
    }
    w.start_done = true;
    w.line_start = w.body_offset;
    w.has_content_length = has_content_length;
    w.content_length = content_length;
    return true;
}

// The general walk, out of line (its chunk buffer and the unpadded tail copy stay
// off the usual path's frame): every line of the header section through
// on_header_line, chunk by chunk, from w.line_start. true: the section is indexed
// (w.body_offset set); false: r holds the error or need_more.
SIPEDGE_NOINLINE bool general_walk(line_scan_fn scan, const parser_limits& limits,
                                   std::string_view input, std::size_t skip, std::uint32_t size,
                                   bool scan_padded, bool stream, walker& w, failure& deferred,
                                   bool& has_deferred, parse_result& r) {
    const char* const base = w.base;
    sip::message_view& out = *w.view;
    failure f{};
    line_masks masks[chunk_blocks];
    for (std::uint32_t chunk = 0; chunk < size && w.body_offset == npos;
         chunk += static_cast<std::uint32_t>(chunk_bytes)) {
        const std::size_t n_blocks =
            std::min<std::size_t>(chunk_blocks, (size - chunk + stage1_block - 1) / stage1_block);
        scan_chunk(scan, base, size, scan_padded, chunk, n_blocks, masks);
        for (std::size_t b = 0; b < n_blocks && w.body_offset == npos; ++b) {
            std::uint64_t lf = masks[b].lf;
            const std::uint32_t block_base = chunk + static_cast<std::uint32_t>(b * stage1_block);
            while (lf != 0) {
                const std::uint32_t pos =
                    block_base + static_cast<std::uint32_t>(__builtin_ctzll(lf));
                lf &= lf - 1;
                // First colon of the line: from the masks inside this chunk; a line
                // that began in an earlier chunk looks there with memchr first.
                const std::uint32_t ls = w.line_start;
                const auto first_colon = [&, ls, pos, b]() -> std::uint32_t {
                    std::uint32_t from = ls;
                    if (from < chunk) {
                        const void* c = std::memchr(base + from, ':', chunk - from);
                        if (c != nullptr) {
                            return static_cast<std::uint32_t>(static_cast<const char*>(c) - base);
                        }
                        from = chunk;
                    }
                    std::size_t cb = (from - chunk) / stage1_block;
                    std::uint64_t cm = masks[cb].colon & (~std::uint64_t{0} << ((from - chunk) % 64));
                    while (true) {
                        if (cm != 0) {
                            const std::uint32_t c = chunk +
                                                    static_cast<std::uint32_t>(cb * stage1_block) +
                                                    static_cast<std::uint32_t>(__builtin_ctzll(cm));
                            return c < pos ? c : npos;
                        }
                        ++cb;
                        if (cb > b) {
                            return npos;
                        }
                        cm = masks[cb].colon;
                    }
                };
                std::uint32_t le = pos; // line end without CR
                if (le > ls && base[le - 1] == '\r') {
                    --le;
                }
                w.line_start = pos + 1;
                bool ok;
                if (w.start_done) [[likely]] {
                    ok = on_header_line(w, ls, le, pos, first_colon, f);
                } else {
                    w.start_done = true;
                    if (le - ls > w.max_line) {
                        f = {parse_error_code::line_too_long, ls, "start line longer than the limit"};
                        ok = false;
                    } else {
                        view_builder::set_start_line_length(out, le);
                        ok = parse_start_line(base, le, out, f, deferred, has_deferred);
                    }
                }
                if (!ok) {
                    r = make_error(f.code, skip + f.offset, f.reason);
                    return false;
                }
                if (w.body_offset != npos) {
                    break;
                }
            }
        }
    }

    if (w.body_offset == npos) {
        // Header section not terminated within the available bytes.
        if (size - w.line_start > limits.max_line_length) {
            r = make_error(parse_error_code::line_too_long, skip + w.line_start,
                           "line longer than the limit");
            return false;
        }
        if (stream) {
            if (input.size() - skip >= limits.max_message_size) {
                r = make_error(parse_error_code::message_too_large, skip,
                               "header section larger than the message size limit");
                return false;
            }
            r = make_need_more();
            return false;
        }
        if (!w.start_done) {
            r = make_error(parse_error_code::invalid_start_line, skip + size,
                           "datagram ends inside the start line");
            return false;
        }
        r = make_error(parse_error_code::unterminated_headers, skip + size,
                       "datagram ends before the empty line of the header section");
        return false;
    }

    return true;
}

} // namespace

std::uint64_t detail::general_walks() { return general_walk_count; }

message_parser::message_parser(const parser_limits& limits, simd_isa isa)
    : _limits(limits), _isa(isa_available(isa) ? isa : simd_isa::scalar), _scan(line_scanner(_isa)) {}

parse_result message_parser::parse(std::string_view input, std::size_t readable,
                                   sip::message_view& out, framing mode) const {
    // The padding contract (stage1.hh). A caller that breaks it gets the bounded
    // path in release builds instead of an over-read.
    assert(readable >= input.size() + parser_padding);
    const bool padded = readable >= input.size() + parser_padding;
    return run(input, padded, out, mode);
}

parse_result message_parser::parse_unpadded(std::string_view input, sip::message_view& out,
                                            framing mode) const {
    return run(input, false, out, mode);
}

parse_result message_parser::run(std::string_view input, bool padded, sip::message_view& out,
                                 framing mode) const {
    out.clear();
    const bool stream = mode == framing::stream;
    // Empty lines before the start line are ignored (RFC 3261 7.5: keep-alives).
    std::size_t skip = 0;
    while (skip < input.size() && (input[skip] == '\r' || input[skip] == '\n')) {
        ++skip;
    }
    if (skip == input.size()) {
        return stream ? make_need_more() : make_error(parse_error_code::empty_message, 0,
                                                       "no start line in the datagram");
    }
    if (!stream && input.size() - skip > _limits.max_message_size) {
        return make_error(parse_error_code::message_too_large, skip,
                          "datagram larger than the message size limit");
    }
    const char* base = input.data() + skip;
    // Stream input may hold the next messages too: never look past the limit.
    const auto size = static_cast<std::uint32_t>(
        std::min<std::size_t>(input.size() - skip, _limits.max_message_size));
    const bool scan_padded = padded && size == input.size() - skip;

    view_builder::begin(out, base);
    walker w{};
    w.base = base;
    w.view = &out;
    w.max_line = _limits.max_line_length;
    w.max_headers = static_cast<std::uint32_t>(
        std::min<std::size_t>(_limits.max_headers, sip::message_view::capacity));
    w.readable = input.size() - skip + (padded ? parser_padding : 0);
    // unsupported_version is reported only once the rest is indexed (505).
    bool has_deferred = false;
    failure deferred{};

    // The usual section in one pass; anything else (the one-pass walk declines it,
    // or the input is not padded) gets the general walk below, from the start, on a
    // clean view. After the one-pass walk body_offset is known: the loop and the
    // unterminated-section checks below do not run.
    if (!scan_padded || !walk_usual(w, _scan, size, deferred, has_deferred)) {
        ++general_walk_count;
        out.clear();
        view_builder::begin(out, base);
        w.body_offset = npos;
        has_deferred = false;
        deferred = {};
    }

    if (w.body_offset == npos) {
        parse_result r;
        if (!general_walk(_scan, _limits, input, skip, size, scan_padded, stream, w, deferred,
                          has_deferred, r)) {
            return r;
        }
    }

    const std::uint32_t body_offset = w.body_offset;
    const std::size_t available = input.size() - skip; // beyond `size` for streams
    std::size_t length = 0;
    if (w.has_content_length) {
        view_builder::set_content_length(out, static_cast<std::uint32_t>(w.content_length));
        const std::uint64_t total = body_offset + w.content_length;
        if (total > _limits.max_message_size) {
            return make_error(parse_error_code::message_too_large, skip + body_offset,
                              "Content-Length exceeds the message size limit");
        }
        if (total > available) {
            if (stream) {
                return make_need_more();
            }
            return make_error(parse_error_code::body_truncated, skip + body_offset,
                              "datagram shorter than Content-Length says");
        }
        length = static_cast<std::size_t>(total);
    } else {
        if (stream) {
            return make_error(parse_error_code::missing_content_length, skip,
                              "stream message without Content-Length");
        }
        length = available; // body runs to the end of the datagram (RFC 3261 18.3)
    }
    view_builder::finish(out, body_offset, static_cast<std::uint32_t>(length));
    if (has_deferred) {
        return make_error(deferred.code, skip + deferred.offset, deferred.reason);
    }
    parse_result r;
    r.status = parse_status::complete;
    r.length = static_cast<std::uint32_t>(skip + length);
    return r;
}

} // namespace sipedge::parser
