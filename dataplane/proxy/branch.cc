#include "dataplane/proxy/branch.hh"

#include "common/byte_vec.hh"
#include "dataplane/transaction/hash.hh"
#include "parser/via.hh"

#include <array>
#include <cstring>

namespace sipedge::proxy {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";
// Fixed (not per-lcore) so that every lcore computes the same owner.
constexpr std::uint64_t dispatch_seed = 0x243f6a8885a308d3ull;

using vec::byte_vec;
using word_vec = std::uint16_t __attribute__((vector_size(16)));
using byte_half = std::uint8_t __attribute__((vector_size(8)));
using u64_vec = std::uint64_t __attribute__((vector_size(16)));

// Sixteen lower-case hex digits at p (the first most significant) as a number;
// false when any of the bytes is not one. One vector: the digit and letter ranges
// tested for all sixteen bytes at once, the nibble values, the pairs into bytes.
bool get_hex16(const char* p, std::uint64_t& v) {
    const byte_vec x = vec::load_vec(p);
    const byte_vec letter = vec::in_range(x, 'a', 6);
    if (vec::vec_bits(vec::in_range(x, '0', 10) | letter) != 0xffffu) {
        return false;
    }
    // '0'-'9' & 0xf is the value; 'a'-'f' & 0xf is 1-6: letters add 9.
    const byte_vec n = (x & 0x0f) + (letter & 9);
    // Each 16-bit lane holds a pair, first digit (high nibble) in its low byte.
    const word_vec w = reinterpret_cast<word_vec>(n);
    const byte_half bytes = __builtin_convertvector(((w & 0xff) << 4) | (w >> 8), byte_half);
    std::uint64_t be;
    std::memcpy(&be, &bytes, sizeof be);
    v = __builtin_bswap64(be); // the first pair is the most significant byte
    return true;
}

// v as sixteen lower-case hex digits at out, most significant first.
void put_hex16(char* out, std::uint64_t v) {
    const byte_vec b = reinterpret_cast<byte_vec>(u64_vec{__builtin_bswap64(v), 0});
    // High and low nibble of each of the eight bytes, interleaved: one per digit.
    const byte_vec n = __builtin_shufflevector(b >> 4, b & 0x0f, 0, 16, 1, 17, 2, 18, 3, 19, 4,
                                               20, 5, 21, 6, 22, 7, 23);
    const byte_vec letter = reinterpret_cast<byte_vec>(reinterpret_cast<vec::sbyte_vec>(n) > 9);
    const byte_vec digits = n + '0' + (letter & ('a' - '0' - 10));
    std::memcpy(out, &digits, sizeof digits);
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
    if (digits == 16) {
        put_hex16(out, v);
        return;
    }
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
    put_hex16(p + 4, f.loop_hash);
    put_hex16(p + 20, (std::uint64_t{f.id} << 32) | f.generation);
    return branch_length;
}

bool parse_branch(std::string_view branch, branch_fields& out) {
    if (branch.size() != branch_length || !branch.starts_with(our_branch_prefix)) {
        return false;
    }
    // 36 digits: lcore (4), loop hash (16), id (8), generation (8), read as three
    // overlapping groups of sixteen: [0, 16) lcore and the loop hash's first twelve,
    // [16, 32) for its last four, [20, 36) id and generation.
    const char* p = branch.data() + our_branch_prefix.size();
    std::uint64_t head, middle, tail;
    if (!get_hex16(p, head) || !get_hex16(p + 16, middle) || !get_hex16(p + 20, tail)) {
        return false;
    }
    out = {static_cast<std::uint16_t>(head >> 48), (head << 16) | (middle >> 48),
           static_cast<std::uint32_t>(tail >> 32), static_cast<std::uint32_t>(tail)};
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
