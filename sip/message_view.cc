#include "sip/message_view.hh"

namespace sipedge::sip {

message_view::message_view() {
    _header_count = 0;
    _ids.fill(no_instances);
    clear();
}

void message_view::clear() {
    // Only the ids the last message used have entries to reset (the index keeps the
    // per-id tables in step with _headers[0, _header_count) at every step, also
    // after a failed parse): a dozen stores instead of three whole tables.
    // Four at a time (a dozen headers is usual); any order resets the same slots.
    const std::size_t n = _header_count;
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const auto a = static_cast<std::size_t>(_headers[i].id);
        const auto b = static_cast<std::size_t>(_headers[i + 1].id);
        const auto c = static_cast<std::size_t>(_headers[i + 2].id);
        const auto d = static_cast<std::size_t>(_headers[i + 3].id);
        _ids[a] = no_instances;
        _ids[b] = no_instances;
        _ids[c] = no_instances;
        _ids[d] = no_instances;
    }
    for (; i < n; ++i) {
        _ids[static_cast<std::size_t>(_headers[i].id)] = no_instances;
    }
    _base = nullptr;
    _length = 0;
    _start_line_length = 0;
    _body_offset = 0;
    _content_length = 0;
    _header_count = 0;
    _status_code = 0;
    _kind = message_kind::none;
    _method_id = sip_method::extension;
    _has_content_length = false;
    _method = _request_uri = _version = _reason = {};
}

header_ref message_view::next_same(std::uint16_t index) const {
    if (index >= _header_count) {
        return {};
    }
    return header(_headers[index].next_same);
}

header_ref message_view::find_unknown(std::string_view name) const {
    for (std::uint16_t i = first_index(header_id::unknown); i != no_header;
         i = _headers[i].next_same) {
        const header_ref h = header(i);
        if (h.name.size() != name.size()) {
            continue;
        }
        bool same = true;
        for (std::size_t k = 0; k < name.size() && same; ++k) {
            char a = h.name[k];
            char b = name[k];
            a = (a >= 'A' && a <= 'Z') ? static_cast<char>(a | 0x20) : a;
            b = (b >= 'A' && b <= 'Z') ? static_cast<char>(b | 0x20) : b;
            same = a == b;
        }
        if (same) {
            return h;
        }
    }
    return {};
}

message_view::value_cursor::value_cursor(const message_view* v, std::uint16_t first)
    : _view(v), _index(first) {
    if (_index != no_header) {
        _list = value_list_cursor(_view->header(_index).value);
    }
}

bool message_view::value_cursor::next(std::string_view& out, std::uint16_t* header_index) {
    while (_index != no_header) {
        if (_list.next(out)) {
            if (header_index != nullptr) {
                *header_index = _index;
            }
            return true;
        }
        _index = _view->_headers[_index].next_same;
        if (_index != no_header) {
            _list = value_list_cursor(_view->header(_index).value);
        }
    }
    return false;
}

std::optional<std::string_view> message_view::first_element(header_id id) const {
    value_cursor c = values(id);
    std::string_view v;
    if (c.next(v)) {
        return v;
    }
    return std::nullopt;
}

} // namespace sipedge::sip
