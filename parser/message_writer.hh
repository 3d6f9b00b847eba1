#pragma once
// The outgoing message as an edit list over the original bytes: insert a header line,
// replace a span, remove a header or one element of a list header, set the body. The
// edits are recorded (no copy) and materialised in one pass into a caller buffer.
// With no edits the output is byte-for-byte the input message.
//
// Lifetime: every string_view handed to the writer (names, values, replacement text,
// body) must stay valid until materialise() returns. Small formatted numbers
// (Max-Forwards, Content-Length) are kept in the writer's own scratch space.
// Edits may not overlap; two inserts at the same offset keep their call order.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/result.hh"
#include "sip/header_id.hh"
#include "sip/message_view.hh"

namespace sipedge::parser {

enum class write_error_code : std::uint8_t {
    too_many_edits,
    overlapping_edits,
    bad_position,
    buffer_too_small,
    scratch_full,
};

using write_status = sipedge::status<write_error_code>;

class message_writer {
public:
    static constexpr std::size_t max_edits = 32;

    // msg must outlive the writer and must not change while edits are recorded.
    explicit message_writer(const sip::message_view& msg);

    // ---- primitive edits (offsets relative to msg.bytes()) ----
    // Insert raw text at offset.
    write_status insert(std::uint32_t offset, std::string_view text);
    // Insert "name: value\r\n" at offset, which must be a line start in the header
    // section (the start of a header line or of the empty line).
    write_status insert_header_at(std::uint32_t offset, std::string_view name,
                                  std::string_view value);
    // Replace [offset, offset+length) by text.
    write_status replace(std::uint32_t offset, std::uint32_t length, std::string_view text);
    // Replace a view that points into msg.
    write_status replace(std::string_view part, std::string_view text);

    // ---- header-level helpers ----
    // Before the first header line (a proxy's Via / Record-Route go on top).
    write_status insert_header_first(std::string_view name, std::string_view value);
    // Before the header at `index` (e.g. above the current top Via).
    write_status insert_header_before(std::uint16_t index, std::string_view name,
                                      std::string_view value);
    // After the last header line (just before the empty line).
    write_status insert_header_last(std::string_view name, std::string_view value);
    // Remove the whole header line at index, with its folded continuation lines.
    write_status remove_header(std::uint16_t index);
    // Remove one element (a view returned by a value cursor on header `index`) of a
    // list header: the element with its separating comma; the whole line when it is
    // the only element.
    write_status remove_value(std::uint16_t index, std::string_view element);
    // Replace the value of header `index` (folding included) with text.
    write_status replace_value(std::uint16_t index, std::string_view text);
    write_status replace_request_uri(std::string_view uri);
    // Set Max-Forwards to n: rewrites the first instance, or inserts one.
    write_status set_max_forwards(std::uint32_t n);
    // Replace the body and rewrite (or add) Content-Length to match.
    write_status set_body(std::string_view body);

    // Exact output size of materialise(): kept up to date by every edit (O(1)).
    std::size_t output_size() const { return _msg.bytes().size() + _size_delta; }
    // Writes the edited message into out; returns bytes written, or buffer_too_small
    // (nothing meaningful written) when out.size() < output_size().
    sipedge::result<std::size_t, write_error_code> materialise(char* out,
                                                               std::size_t capacity) const;

    std::size_t edit_count() const { return _edit_count; }

private:
    enum class edit_kind : std::uint8_t { raw, header_line };
    struct edit {
        std::uint32_t offset;
        std::uint32_t length; // bytes of the original removed (0 for an insert)
        std::string_view text;
        std::string_view value; // header_line: text is the name
        edit_kind kind;
        std::uint16_t seq;
    };
    write_status add(std::uint32_t offset, std::uint32_t length, std::string_view text,
                     std::string_view value, edit_kind kind);
    std::string_view scratch_number(std::uint32_t n);

    // Left uninitialised until add() fills an entry: a writer is built per
    // forwarded message, and constructing 32 empty entries cost more than the edits.
    union edit_slot {
        edit e;
        edit_slot() {}
    };

    const sip::message_view& _msg;
    std::array<edit_slot, max_edits> _edits;
    std::size_t _edit_count = 0;
    // Output size minus input size (wraps modulo 2^64 when the edits shrink it).
    std::size_t _size_delta = 0;
    std::array<char, 64> _scratch;
    std::size_t _scratch_used = 0;
};

} // namespace sipedge::parser
