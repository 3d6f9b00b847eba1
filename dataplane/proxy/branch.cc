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

constexpr std::uint64_t bytes_of(std::uint8_t b) {
    return 0x0101010101010101ull * b;
}

// Eight lower-case hex digits at p (the first most significant) as a number; false
// when any of the bytes is not one. Word-at-a-time (SWAR): on bytes below 0x80,
// b + (0x80 - lo) has its top bit set exactly when b >= lo, with no carry into
// the next byte, which gives the ranges '0'-'9' and 'a'-'f' for all eight at once.
bool get_hex8(const char* p, std::uint32_t& v) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t high = bytes_of(0x80);
    const std::uint64_t ge_0 = w + bytes_of(0x80 - '0');
    const std::uint64_t gt_9 = w + bytes_of(0x80 - '9' - 1);
    const std::uint64_t ge_a = w + bytes_of(0x80 - 'a');
    const std::uint64_t gt_f = w + bytes_of(0x80 - 'f' - 1);
    const std::uint64_t digit = ge_0 & ~gt_9 & high;
    const std::uint64_t letter = ge_a & ~gt_f & high;
    if ((w & high) != 0 || (digit | letter) != high) {
        return false;
    }
    // Nibble values ('a' & 0xf is 1: letters add 9), then pairs into bytes and the
    // four bytes (first digit pair lowest) into a big-endian number.
    std::uint64_t n = (w & bytes_of(0x0f)) + (letter >> 7) * 9;
    n = ((n << 4) | (n >> 8)) & 0x00ff00ff00ff00ffull;
    n = (n | (n >> 8)) & 0x0000ffff0000ffffull;
    n = (n | (n >> 16)) & 0xffffffffull;
    v = __builtin_bswap32(static_cast<std::uint32_t>(n));
    return true;
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
    // 36 digits: lcore (4), loop hash (16), id (8), generation (8), read as five
    // groups of eight; the first group's last four digits (the loop hash's first
    // four) are read again by the second.
    const char* p = branch.data() + our_branch_prefix.size();
    std::uint32_t lcore_and, loop_hi, loop_lo, id, gen;
    if (!get_hex8(p, lcore_and) || !get_hex8(p + 4, loop_hi) || !get_hex8(p + 12, loop_lo) ||
        !get_hex8(p + 20, id) || !get_hex8(p + 28, gen)) {
        return false;
    }
    out = {static_cast<std::uint16_t>(lcore_and >> 16), (std::uint64_t{loop_hi} << 32) | loop_lo,
           id, gen};
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
