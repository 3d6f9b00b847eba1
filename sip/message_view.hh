#pragma once
// A parsed SIP message as views into the caller's bytes: start line, an index of
// every header line and the body. Nothing is copied; the view is valid only while
// the input bytes are. Filled by parser::message_parser (parser/message_parser.hh);
// header values are parsed on demand by the value parsers in parser/.
//
// The index has a fixed capacity and per-id first/last tables, so the first
// instance of any known header is found in O(1) and all instances of an id are
// chained in message order. A message_view never allocates; reuse one per lcore.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sip/header_id.hh"
#include "sip/method.hh"
#include "sip/value_list.hh"

namespace sipedge::parser::detail {
struct view_builder;
}

namespace sipedge::sip {

inline constexpr std::uint16_t no_header = 0xffff;

// One header line (with its folded continuation lines) as offsets into the message.
struct header_field {
    std::uint32_t name_offset;
    std::uint32_t value_offset; // first non-whitespace byte after the colon
    std::uint32_t value_length; // trailing whitespace trimmed; folding CRLFs kept inside
    std::uint32_t line_end;     // just past the LF of the last physical line
    std::uint16_t name_length;
    std::uint16_t next_same; // next header with the same id, or no_header
    header_id id;
    bool folded; // the value spans several physical lines (LWS folding)
};

// A header as string_views, produced on access.
struct header_ref {
    std::string_view name;  // as written: "v", "Via", "VIA"...
    std::string_view value; // see header_field::value_length
    header_id id = header_id::unknown;
    std::uint16_t index = no_header; // position in the index
    bool folded = false;

    explicit operator bool() const { return index != no_header; }
};

enum class message_kind : std::uint8_t { none, request, response };

class message_view {
public:
    // Hard upper bound of the index; parser_limits::max_headers may lower it.
    static constexpr std::size_t capacity = 256;

    message_view();

    // Forget everything; cheap (the per-id tables are reset, not the index).
    void clear();

    // ---- whole message ----
    // Start line through the end of the body (framed length), from the first byte
    // of the start line (leading CRLFs skipped by the parser are not included).
    std::string_view bytes() const { return {_base, _length}; }
    const char* base() const { return _base; }
    // Offset of a view that points into this message.
    std::uint32_t offset_of(std::string_view part) const {
        return static_cast<std::uint32_t>(part.data() - _base);
    }

    // ---- start line ----
    message_kind kind() const { return _kind; }
    bool is_request() const { return _kind == message_kind::request; }
    bool is_response() const { return _kind == message_kind::response; }
    std::string_view start_line() const { return {_base, _start_line_length}; } // no CRLF
    std::string_view method() const { return _method; }         // requests
    sip_method method_id() const { return _method_id; }          // requests
    std::string_view request_uri() const { return _request_uri; } // requests
    std::string_view version() const { return _version; }       // "SIP/2.0"
    std::uint16_t status_code() const { return _status_code; }   // responses
    std::string_view reason() const { return _reason; }         // responses, may be empty

    // ---- header index ----
    std::size_t header_count() const { return _header_count; }
    header_ref header(std::size_t index) const;
    const header_field& field(std::size_t index) const { return _headers[index]; }

    // O(1): index of the first header with this id, or no_header. For
    // header_id::unknown this is the first unknown header.
    std::uint16_t first_index(header_id id) const {
        return _ids[static_cast<std::size_t>(id)].first;
    }
    bool has(header_id id) const { return first_index(id) != no_header; }
    std::size_t count(header_id id) const { return _ids[static_cast<std::size_t>(id)].count; }
    header_ref first(header_id id) const;
    std::optional<std::string_view> first_value(header_id id) const;
    // Next header with the same id after `index`, or an empty header_ref.
    header_ref next_same(std::uint16_t index) const;
    // First unknown header whose name matches case-insensitively.
    header_ref find_unknown(std::string_view name) const;

    // Iteration over all instances of one id, in message order.
    class same_id_range {
    public:
        class iterator {
        public:
            iterator(const message_view* v, std::uint16_t i) : _view(v), _index(i) {}
            header_ref operator*() const { return _view->header(_index); }
            iterator& operator++() {
                _index = _view->_headers[_index].next_same;
                return *this;
            }
            bool operator==(const iterator& o) const { return _index == o._index; }
            bool operator!=(const iterator& o) const { return _index != o._index; }

        private:
            const message_view* _view;
            std::uint16_t _index;
        };
        same_id_range(const message_view* v, std::uint16_t first) : _view(v), _first(first) {}
        iterator begin() const { return {_view, _first}; }
        iterator end() const { return {_view, no_header}; }

    private:
        const message_view* _view;
        std::uint16_t _first;
    };
    same_id_range headers(header_id id) const { return {this, first_index(id)}; }

    // Every comma-separated element of every instance of a list header (Via,
    // Route, Contact, Supported...), in message order, split on demand.
    class value_cursor {
    public:
        value_cursor(const message_view* v, std::uint16_t first);
        // Stores the next element; also where it came from (header index).
        bool next(std::string_view& out, std::uint16_t* header_index = nullptr);

    private:
        const message_view* _view;
        std::uint16_t _index;
        value_list_cursor _list;
    };
    value_cursor values(header_id id) const { return {this, first_index(id)}; }
    // The first element of the first instance (e.g. the top Via), if any.
    std::optional<std::string_view> first_element(header_id id) const;

    // ---- body ----
    // Offset of the first body byte (just past the empty line).
    std::uint32_t body_offset() const { return _body_offset; }
    std::string_view body() const { return {_base + _body_offset, _length - _body_offset}; }
    bool has_content_length() const { return _has_content_length; }
    std::uint32_t content_length() const { return _content_length; } // when present

private:
    friend struct sipedge::parser::detail::view_builder;

    const char* _base = nullptr;
    std::uint32_t _length = 0;
    std::uint32_t _start_line_length = 0;
    std::uint32_t _body_offset = 0;
    std::uint32_t _content_length = 0;
    std::uint16_t _header_count = 0;
    std::uint16_t _status_code = 0;
    message_kind _kind = message_kind::none;
    sip_method _method_id = sip_method::extension;
    bool _has_content_length = false;
    std::string_view _method;
    std::string_view _request_uri;
    std::string_view _version;
    std::string_view _reason;
    // Per header id: first and last instance in the index, and how many. One 8-byte
    // entry per id, so that clear() resets an id with a single store.
    struct id_slot {
        std::uint16_t first;
        std::uint16_t last;
        std::uint16_t count;
        std::uint16_t unused;
    };
    static constexpr id_slot no_instances{no_header, no_header, 0, 0};
    std::array<id_slot, header_id_count> _ids;
    std::array<header_field, capacity> _headers;
};

// Inline: the value parsers call these for every header they read.
inline header_ref message_view::header(std::size_t index) const {
    if (index >= _header_count) {
        return {};
    }
    const header_field& f = _headers[index];
    return {std::string_view(_base + f.name_offset, f.name_length),
            std::string_view(_base + f.value_offset, f.value_length), f.id,
            static_cast<std::uint16_t>(index), f.folded};
}

inline header_ref message_view::first(header_id id) const { return header(first_index(id)); }

inline std::optional<std::string_view> message_view::first_value(header_id id) const {
    const std::uint16_t i = first_index(id);
    if (i == no_header) {
        return std::nullopt;
    }
    const header_field& f = _headers[i];
    return std::string_view(_base + f.value_offset, f.value_length);
}

} // namespace sipedge::sip
