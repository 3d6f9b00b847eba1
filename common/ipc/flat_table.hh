#pragma once
// The snapshot tables control publishes into the link (layout.hh): a flat,
// offset-based hash table written once into one buffer and then only read, in
// place, by every dataplane lcore. No pointers inside (each process maps the file
// at its own address); all offsets are from the start of the table and 32-bit.
//
//   table_header
//   uint32 buckets[bucket_count]         offset of the first entry of the chain, 0 = none
//   entries, 8-byte aligned:             table_entry + key bytes, chained by `next`
//   values, 8-byte aligned:              location: contact_record[count] | credential:
//   credential_record strings:                             contact URIs and paths (not
//   NUL-terminated)
//
// Keys:
//  - location: the address-of-record "user@host". Lookups fold ASCII case after the
//    first '@' (the host) and compare the user part exactly, so the dataplane can
//    pass the To/Request-URI parts as written.
//  - credentials: "user@realm", exact (username and realm are case-sensitive).
//
// The reader side (find, contact decoding) never allocates. The builders (control
// side) collect entries in ordinary containers and serialise in one pass.

#include "common/ipc/layout.hh"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::ipc {

inline constexpr std::uint64_t table_magic = 0x314c425445504953ULL; // "SIPETBL1"

enum class table_kind : std::uint32_t { location = 1, credentials = 2 };

struct table_header {
    std::uint64_t magic;
    std::uint64_t generation;
    std::int64_t built_unix;
    std::uint64_t used_bytes;
    std::uint32_t bucket_count; // power of two
    std::uint32_t entry_count;
    table_kind kind;
    std::uint32_t value_count; // contacts (location) or credentials in total
};
static_assert(sizeof(table_header) == 48);

struct table_entry {
    std::uint32_t next; // next entry in the bucket chain, 0 = end
    std::uint32_t hash;
    std::uint32_t value_offset;
    std::uint32_t value_count; // contact_records, or 1 credential_record
    std::uint16_t key_length;
    std::uint16_t pad[3];
    // key bytes follow
};
static_assert(sizeof(table_entry) == 24);

struct contact_record {
    std::int64_t expires_at; // unix seconds
    std::uint32_t uri_offset;
    std::uint32_t path_offset; // Path header values (RFC 3327) as stored, comma-joined
    std::uint16_t uri_length;
    std::uint16_t path_length;
    std::int16_t q;         // thousandths, 0..1000
    std::uint8_t transport; // transport the REGISTER arrived on
    std::uint8_t flags;
    endpoint received; // where the REGISTER came from (NAT traversal, RFC 5626)
    std::uint16_t pad[3];
};
static_assert(sizeof(contact_record) == 48);

inline constexpr std::uint8_t credential_has_md5 = 1;
inline constexpr std::uint8_t credential_has_sha256 = 2;

struct credential_record {
    std::uint8_t ha1_md5[16];
    std::uint8_t ha1_sha256[32];
    std::uint8_t flags; // credential_has_*
    std::uint8_t pad[7];
};
static_assert(sizeof(credential_record) == 56);

// A contact as the dataplane sees it: views into the mapped snapshot.
struct contact_view {
    std::string_view uri;
    std::int16_t q = 1000;
    std::string_view path;
    std::int64_t expires_at = 0;
    endpoint received;
    std::uint8_t transport = 0;
};

// ---- hashing (identical in both processes) ----
// FNV-1a over the key; fold_after_at lowercases ASCII letters after the first '@'.
std::uint32_t hash_key(std::string_view key, bool fold_after_at);
// hash of first + '@' + second, without joining them.
std::uint32_t hash_key2(std::string_view first, std::string_view second);

// ---- reader side: no allocation, no writes ----
// Validates a table at `base` of `capacity` bytes (magic, sizes, bucket count);
// false for anything a reader must not walk.
bool table_valid(const void* base, std::size_t capacity);

// Entry for a location key ("user@host", host compared without case), or null.
const table_entry* find_location(const void* base, std::string_view aor);
// Entry for "user@realm" (exact), or null.
const table_entry* find_credential(const void* base, std::string_view user, std::string_view realm);

inline std::string_view entry_key(const table_entry* e) {
    return {reinterpret_cast<const char*>(e + 1), e->key_length};
}
inline const contact_record* entry_contacts(const void* base, const table_entry* e) {
    return reinterpret_cast<const contact_record*>(static_cast<const char*>(base) +
                                                   e->value_offset);
}
inline const credential_record* entry_credential(const void* base, const table_entry* e) {
    return reinterpret_cast<const credential_record*>(static_cast<const char*>(base) +
                                                      e->value_offset);
}
contact_view decode_contact(const void* base, const contact_record& r);

// Lower-cases the host part of "user@host" in place (control side, before adding).
std::string normalize_aor(std::string_view aor);

// ---- builder side (control) ----
struct contact_input {
    std::string uri;
    std::int16_t q = 1000;
    std::string path;
    std::int64_t expires_at = 0;
    endpoint received;
    std::uint8_t transport = 0;
};

class location_table_builder {
public:
    // aor is normalised (host lowercased). Precondition: each AOR is added once.
    void add(std::string_view aor, std::span<const contact_input> contacts);
    std::size_t aor_count() const { return _aors.size(); }
    std::size_t contact_count() const { return _contact_total; }
    // Bytes serialise() needs.
    std::size_t required_bytes() const;
    // Writes the table into dst; returns bytes written, or 0 if capacity is short.
    std::size_t serialise(void* dst, std::size_t capacity, std::uint64_t generation,
                          std::int64_t now_unix) const;
    void clear();

private:
    struct aor_entry {
        std::string key;
        std::vector<contact_input> contacts;
    };
    std::vector<aor_entry> _aors;
    std::size_t _contact_total = 0;
};

struct credential_input {
    std::string user;
    std::string realm;
    credential_record record{};
};

class credential_table_builder {
public:
    void add(const credential_input& c) { _items.push_back(c); }
    std::size_t size() const { return _items.size(); }
    std::size_t required_bytes() const;
    std::size_t serialise(void* dst, std::size_t capacity, std::uint64_t generation,
                          std::int64_t now_unix) const;
    void clear() { _items.clear(); }

private:
    std::vector<credential_input> _items;
};

} // namespace sipedge::ipc
