#include "dataplane/proxy/branch.hh"

#include "dataplane/transaction/hash.hh"
#include "parser/via.hh"

#include <array>
#include <cstring>

namespace sipedge::proxy {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";
// Fixed (not per-lcore) so that every lcore computes the same owner.
constexpr std::uint64_t dispatch_seed = 0x243f6a8885a308d3ull;

// Lower-case hex digit values; 0xff for every other byte.
constexpr std::array<std::uint8_t, 256> hex_values = [] {
    std::array<std::uint8_t, 256> t{};
    t.fill(0xff);
    for (int c = 0; c < 10; ++c) {
        t['0' + c] = static_cast<std::uint8_t>(c);
    }
    for (int c = 0; c < 6; ++c) {
        t['a' + c] = static_cast<std::uint8_t>(10 + c);
    }
    return t;
}();

bool get_hex(std::string_view s, std::uint64_t& v) {
    v = 0;
    std::uint8_t bad = 0;
    for (const char c : s) {
        const std::uint8_t d = hex_values[static_cast<unsigned char>(c)];
        bad |= d; // 0xff marks a non-digit
        v = (v << 4) | (d & 0xf);
    }
    return (bad & 0xf0) == 0;
}

} // namespace

// "00" .. "ff": two digits per step (the branch is 36 digits, per forwarded request).
constexpr std::array<std::array<char, 2>, 256> build_hex_pairs() {
    std::array<std::array<char, 2>, 256> t{};
    for (std::size_t b = 0; b < 256; ++b) {
        t[b] = {hex_digits[b >> 4], hex_digits[b & 0xf]};
    }
    return t;
}
constexpr std::array<std::array<char, 2>, 256> hex_pairs = build_hex_pairs();

void put_hex(char* out, std::uint64_t v, int digits) {
    int i = digits;
    for (; i >= 2; i -= 2) {
        std::memcpy(out + i - 2, hex_pairs[v & 0xff].data(), 2);
        v >>= 8;
    }
    if (i == 1) {
        out[0] = hex_digits[v & 0xf];
    }
}

std::size_t format_branch(const branch_fields& f, char* out) {
    std::memcpy(out, our_branch_prefix.data(), our_branch_prefix.size());
    char* p = out + our_branch_prefix.size();
    put_hex(p, f.lcore, 4);
    put_hex(p + 4, f.loop_hash, 16);
    put_hex(p + 20, f.id, 8);
    put_hex(p + 28, f.generation, 8);
    return branch_length;
}

bool parse_branch(std::string_view branch, branch_fields& out) {
    if (branch.size() != branch_length || !branch.starts_with(our_branch_prefix)) {
        return false;
    }
    branch.remove_prefix(our_branch_prefix.size());
    std::uint64_t lcore, loop, id, gen;
    if (!get_hex(branch.substr(0, 4), lcore) || !get_hex(branch.substr(4, 16), loop) ||
        !get_hex(branch.substr(20, 8), id) || !get_hex(branch.substr(28, 8), gen)) {
        return false;
    }
    out = {static_cast<std::uint16_t>(lcore), loop, static_cast<std::uint32_t>(id),
           static_cast<std::uint32_t>(gen)};
    return true;
}

std::uint64_t loop_hash(const sip::message_view& msg, const parser::message_essentials& e) {
    txn::hasher h(dispatch_seed);
    h.add(msg.request_uri()).add(e.from_tag).add(e.to_tag).add(e.call_id);
    h.add(std::uint64_t{e.cseq_value.number});
    for (const sip::header_ref r : msg.headers(sip::header_id::proxy_require)) {
        h.add(r.value);
    }
    for (const sip::header_ref r : msg.headers(sip::header_id::proxy_authorization)) {
        h.add(r.value);
    }
    return h.value();
}

std::uint16_t lcore_for_call_id(std::string_view call_id, std::uint16_t lcore_count) {
    if (lcore_count <= 1) {
        return 0;
    }
    return static_cast<std::uint16_t>(txn::hasher(dispatch_seed).add(call_id).value() %
                                      lcore_count);
}

std::uint16_t owning_lcore(const sip::message_view& msg, std::uint16_t lcore_count) {
    if (lcore_count <= 1) {
        return 0;
    }
    if (msg.is_response()) {
        if (const auto top = msg.first_element(sip::header_id::via)) {
            auto v = parser::parse_via(*top);
            branch_fields f;
            if (v && parse_branch(v.value().branch, f) && f.lcore < lcore_count) {
                return f.lcore;
            }
        }
    }
    const auto call_id = msg.first_value(sip::header_id::call_id);
    return call_id ? lcore_for_call_id(*call_id, lcore_count) : 0;
}

} // namespace sipedge::proxy
