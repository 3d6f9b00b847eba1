#include "parser/message_writer.hh"

#include <cstring>

#include "common/compiler.hh"

#include "sip/value_list.hh"

namespace sipedge::parser {

namespace {

sipedge::error<write_error_code> fail(write_error_code c, const char* m) { return {c, m}; }

// The first and the last W bytes of [s, s + n), W <= n <= 2W, copied to out: all
// n bytes, with two loads and two stores that overlap in the middle.
template <std::size_t W>
SIPEDGE_ALWAYS_INLINE void copy_ends(char* out, const char* s, std::size_t n) {
    char a[W];
    char b[W];
    std::memcpy(a, s, W);
    std::memcpy(b, s + n - W, W);
    std::memcpy(out, a, W);
    std::memcpy(out + n - W, b, W);
}

// Copies [s, s + n) to out and returns out + n. Most spans of an edit are short (a
// header name, a Via value, a number): up to 32 bytes are copied inline, with no
// call; longer ones by memcpy. Never reads or writes outside the two ranges.
SIPEDGE_ALWAYS_INLINE char* copy_span(char* out, const char* s, std::size_t n) {
    if (n > 32) {
        std::memcpy(out, s, n);
    } else if (n >= 16) {
        copy_ends<16>(out, s, n);
    } else if (n >= 8) {
        copy_ends<8>(out, s, n);
    } else if (n >= 4) {
        copy_ends<4>(out, s, n);
    } else if (n != 0) {
        const char a = s[0];
        const char b = s[n / 2];
        const char c = s[n - 1];
        out[0] = a;
        out[n / 2] = b;
        out[n - 1] = c;
    }
    return out + n;
}

} // namespace

message_writer::message_writer(const sip::message_view& msg) : _msg(msg) {}

write_status message_writer::add(std::uint32_t offset, std::uint32_t length, std::string_view text,
                                 std::string_view value, edit_kind kind) {
    if (_edit_count == max_edits) {
        return fail(write_error_code::too_many_edits, "edit list full");
    }
    if (offset > _msg.bytes().size() || length > _msg.bytes().size() - offset) {
        return fail(write_error_code::bad_position, "edit outside the message");
    }
    // Field by field: GCC builds an aggregate temporary on the stack with narrow
    // stores and copies it with 16-byte loads, which cannot be forwarded from them
    // (a stall that cost ~4% of the proxy's time).
    edit& e = _edits[_edit_count].e;
    e.offset = offset;
    e.length = length;
    e.text = text;
    e.value = value;
    e.kind = kind;
    e.seq = static_cast<std::uint16_t>(_edit_count);
    ++_edit_count;
    _size_delta -= length;
    _size_delta += kind == edit_kind::header_line ? text.size() + 2 + value.size() + 2 : text.size();
    return {};
}

write_status message_writer::insert(std::uint32_t offset, std::string_view text) {
    return add(offset, 0, text, {}, edit_kind::raw);
}

write_status message_writer::insert_header_at(std::uint32_t offset, std::string_view name,
                                              std::string_view value) {
    // A line start: just after an LF, inside the header section.
    const std::string_view b = _msg.bytes();
    if (offset == 0 || offset > _msg.body_offset() || offset > b.size() || b[offset - 1] != '\n' ||
        offset <= _msg.start_line().size()) {
        return fail(write_error_code::bad_position, "not the start of a header line");
    }
    return add(offset, 0, name, value, edit_kind::header_line);
}

write_status message_writer::replace(std::uint32_t offset, std::uint32_t length,
                                     std::string_view text) {
    return add(offset, length, text, {}, edit_kind::raw);
}

write_status message_writer::replace(std::string_view part, std::string_view text) {
    const std::string_view b = _msg.bytes();
    if (part.data() < b.data() || part.data() + part.size() > b.data() + b.size()) {
        return fail(write_error_code::bad_position, "span not inside the message");
    }
    return replace(_msg.offset_of(part), static_cast<std::uint32_t>(part.size()), text);
}

write_status message_writer::insert_header_first(std::string_view name, std::string_view value) {
    if (_msg.header_count() > 0) {
        return add(_msg.field(0).name_offset, 0, name, value, edit_kind::header_line);
    }
    return insert_header_last(name, value);
}

write_status message_writer::insert_header_before(std::uint16_t index, std::string_view name,
                                                  std::string_view value) {
    if (index >= _msg.header_count()) {
        return fail(write_error_code::bad_position, "no such header");
    }
    return add(_msg.field(index).name_offset, 0, name, value, edit_kind::header_line);
}

write_status message_writer::insert_header_last(std::string_view name, std::string_view value) {
    // The empty line starts right after the last header line (or the start line).
    std::uint32_t at = 0;
    if (_msg.header_count() > 0) {
        at = _msg.field(_msg.header_count() - 1).line_end;
    } else {
        const std::string_view b = _msg.bytes();
        at = static_cast<std::uint32_t>(_msg.start_line().size());
        while (at < b.size() && b[at] != '\n') {
            ++at;
        }
        ++at;
    }
    return add(at, 0, name, value, edit_kind::header_line);
}

write_status message_writer::remove_header(std::uint16_t index) {
    if (index >= _msg.header_count()) {
        return fail(write_error_code::bad_position, "no such header");
    }
    const sip::header_field& f = _msg.field(index);
    return add(f.name_offset, f.line_end - f.name_offset, {}, {}, edit_kind::raw);
}

write_status message_writer::remove_value(std::uint16_t index, std::string_view element) {
    if (index >= _msg.header_count()) {
        return fail(write_error_code::bad_position, "no such header");
    }
    const std::string_view value = _msg.header(index).value;
    sip::value_list_cursor c(value);
    std::string_view e;
    std::string_view prev;
    std::string_view next;
    std::size_t count = 0;
    bool found = false;
    while (c.next(e)) {
        ++count;
        if (e.data() == element.data() && e.size() == element.size()) {
            found = true;
        } else if (!found) {
            prev = e;
        } else if (next.data() == nullptr) {
            next = e;
        }
    }
    if (!found) {
        return fail(write_error_code::bad_position, "element not in this header");
    }
    if (count == 1) {
        return remove_header(index);
    }
    const std::uint32_t begin = _msg.offset_of(element);
    if (next.data() != nullptr) {
        // "a, b, c" removing b -> "a, c": drop from b up to c.
        return add(begin, _msg.offset_of(next) - begin, {}, {}, edit_kind::raw);
    }
    // Last element: drop from the end of the previous one.
    const std::uint32_t prev_end = _msg.offset_of(prev) + static_cast<std::uint32_t>(prev.size());
    return add(prev_end, begin + static_cast<std::uint32_t>(element.size()) - prev_end, {}, {},
               edit_kind::raw);
}

write_status message_writer::replace_value(std::uint16_t index, std::string_view text) {
    if (index >= _msg.header_count()) {
        return fail(write_error_code::bad_position, "no such header");
    }
    const sip::header_field& f = _msg.field(index);
    return add(f.value_offset, f.value_length, text, {}, edit_kind::raw);
}

write_status message_writer::replace_request_uri(std::string_view uri) {
    if (!_msg.is_request()) {
        return fail(write_error_code::bad_position, "not a request");
    }
    return replace(_msg.request_uri(), uri);
}

std::string_view message_writer::scratch_number(std::uint32_t n) {
    char digits[10];
    std::size_t len = 0;
    do {
        digits[len++] = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n != 0);
    if (_scratch.size() - _scratch_used < len) {
        return {};
    }
    char* out = _scratch.data() + _scratch_used;
    for (std::size_t i = 0; i < len; ++i) {
        out[i] = digits[len - 1 - i];
    }
    _scratch_used += len;
    return {out, len};
}

write_status message_writer::set_max_forwards(std::uint32_t n) {
    const std::string_view text = scratch_number(n);
    if (text.empty()) {
        return fail(write_error_code::scratch_full, "writer scratch space full");
    }
    const std::uint16_t i = _msg.first_index(sip::header_id::max_forwards);
    if (i != sip::no_header) {
        return replace_value(i, text);
    }
    return insert_header_last("Max-Forwards", text);
}

write_status message_writer::set_body(std::string_view body) {
    const std::string_view text = scratch_number(static_cast<std::uint32_t>(body.size()));
    if (text.empty()) {
        return fail(write_error_code::scratch_full, "writer scratch space full");
    }
    const std::uint16_t cl = _msg.first_index(sip::header_id::content_length);
    const write_status s =
        cl != sip::no_header ? replace_value(cl, text) : insert_header_last("Content-Length", text);
    if (!s) {
        return s;
    }
    return add(_msg.body_offset(), static_cast<std::uint32_t>(_msg.bytes().size()) -
                                       _msg.body_offset(),
               body, {}, edit_kind::raw);
}

sipedge::result<std::size_t, write_error_code> message_writer::materialise(
    char* out, std::size_t capacity) const {
    if (capacity < output_size()) {
        return fail(write_error_code::buffer_too_small, "output buffer too small");
    }
    // Order edits by position; equal positions keep call order (insertion sort:
    // at most max_edits entries).
    std::array<std::uint8_t, max_edits> order{};
    for (std::size_t i = 0; i < _edit_count; ++i) {
        std::size_t j = i;
        while (j > 0) {
            const edit& a = _edits[order[j - 1]].e;
            const edit& b = _edits[i].e;
            if (a.offset < b.offset || (a.offset == b.offset && a.seq < b.seq)) {
                break;
            }
            order[j] = order[j - 1];
            --j;
        }
        order[j] = static_cast<std::uint8_t>(i);
    }
    const char* src = _msg.bytes().data();
    std::size_t pos = 0; // in the original
    char* w = out;
    for (std::size_t k = 0; k < _edit_count; ++k) {
        const edit& e = _edits[order[k]].e;
        if (e.offset < pos) {
            return fail(write_error_code::overlapping_edits, "edits overlap");
        }
        w = copy_span(w, src + pos, e.offset - pos);
        w = copy_span(w, e.text.data(), e.text.size());
        if (e.kind == edit_kind::header_line) {
            std::memcpy(w, ": ", 2);
            w = copy_span(w + 2, e.value.data(), e.value.size());
            std::memcpy(w, "\r\n", 2);
            w += 2;
        }
        pos = e.offset + e.length;
    }
    w = copy_span(w, src + pos, _msg.bytes().size() - pos);
    return static_cast<std::size_t>(w - out);
}

} // namespace sipedge::parser
