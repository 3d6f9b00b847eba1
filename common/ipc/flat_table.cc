#include "common/ipc/flat_table.hh"

#include <cstring>

namespace sipedge::ipc {

namespace {

constexpr std::uint32_t fnv_offset = 2166136261u;
constexpr std::uint32_t fnv_prime = 16777619u;

inline char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

inline std::uint32_t fnv_step(std::uint32_t h, char c) {
    return (h ^ static_cast<std::uint8_t>(c)) * fnv_prime;
}

std::size_t align8(std::size_t v) {
    return (v + 7) & ~std::size_t{7};
}

std::uint32_t bucket_count_for(std::size_t entries) {
    std::uint32_t n = 16;
    while (n < entries * 2 && n < (1u << 30)) {
        n <<= 1;
    }
    return n;
}

const table_header* header_of(const void* base) {
    return static_cast<const table_header*>(base);
}

const std::uint32_t* buckets_of(const void* base) {
    return reinterpret_cast<const std::uint32_t*>(static_cast<const char*>(base) +
                                                  sizeof(table_header));
}

const table_entry* entry_at(const void* base, std::uint32_t offset) {
    return reinterpret_cast<const table_entry*>(static_cast<const char*>(base) + offset);
}

// location keys: user part exact, host part without case.
bool location_key_equal(std::string_view stored, std::string_view aor) {
    if (stored.size() != aor.size()) {
        return false;
    }
    bool after_at = false;
    for (std::size_t i = 0; i < aor.size(); ++i) {
        const char c = after_at ? lower(aor[i]) : aor[i];
        if (stored[i] != c) {
            return false;
        }
        if (aor[i] == '@') {
            after_at = true;
        }
    }
    return true;
}

// One entry to serialise: key, hash and how many value bytes it needs.
struct pending_entry {
    std::string_view key;
    std::uint32_t hash;
    std::uint32_t value_count;
    std::size_t value_bytes;
    std::size_t string_bytes;
};

struct table_plan {
    std::uint32_t bucket_count;
    std::size_t entries_offset;
    std::size_t values_offset;
    std::size_t strings_offset;
    std::size_t total;
};

table_plan plan_table(std::span<const pending_entry> entries) {
    table_plan p{};
    p.bucket_count = bucket_count_for(entries.size());
    p.entries_offset = align8(sizeof(table_header) + sizeof(std::uint32_t) * p.bucket_count);
    std::size_t off = p.entries_offset;
    for (const auto& e : entries) {
        off += align8(sizeof(table_entry) + e.key.size());
    }
    p.values_offset = off;
    for (const auto& e : entries) {
        off += align8(e.value_bytes);
    }
    p.strings_offset = off;
    for (const auto& e : entries) {
        off += e.string_bytes;
    }
    p.total = align8(off);
    return p;
}

// Writes header, buckets and entries; calls write_value(i, value_offset, strings
// cursor) for each entry, which returns the new strings cursor.
template <typename WriteValue>
std::size_t write_table(void* dst, std::size_t capacity, table_kind kind,
                        std::span<const pending_entry> entries, std::uint32_t value_total,
                        std::uint64_t generation, std::int64_t now_unix, WriteValue&& write_value) {
    const table_plan p = plan_table(entries);
    if (p.total > capacity || p.total > 0xffffffffu || entries.size() > 0xffffffffu) {
        return 0;
    }
    char* base = static_cast<char*>(dst);
    std::memset(base, 0, p.entries_offset);
    auto* hdr = reinterpret_cast<table_header*>(base);
    hdr->generation = generation;
    hdr->built_unix = now_unix;
    hdr->used_bytes = p.total;
    hdr->bucket_count = p.bucket_count;
    hdr->entry_count = static_cast<std::uint32_t>(entries.size());
    hdr->kind = kind;
    hdr->value_count = value_total;
    auto* buckets = reinterpret_cast<std::uint32_t*>(base + sizeof(table_header));

    std::size_t entry_off = p.entries_offset;
    std::size_t value_off = p.values_offset;
    std::size_t string_off = p.strings_offset;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const pending_entry& pe = entries[i];
        auto* e = reinterpret_cast<table_entry*>(base + entry_off);
        std::memset(e, 0, sizeof(table_entry));
        const std::uint32_t b = pe.hash & (p.bucket_count - 1);
        e->next = buckets[b];
        buckets[b] = static_cast<std::uint32_t>(entry_off);
        e->hash = pe.hash;
        e->value_offset = static_cast<std::uint32_t>(value_off);
        e->value_count = pe.value_count;
        e->key_length = static_cast<std::uint16_t>(pe.key.size());
        std::memcpy(base + entry_off + sizeof(table_entry), pe.key.data(), pe.key.size());
        entry_off += align8(sizeof(table_entry) + pe.key.size());
        string_off = write_value(i, base, value_off, string_off);
        value_off += align8(pe.value_bytes);
    }
    // Magic last: a reader that validates sees either nothing or a whole table (the
    // publish protocol already orders this; the magic guards stale or torn buffers
    // after a crash of control mid-write).
    hdr->magic = table_magic;
    return p.total;
}

} // namespace

std::uint32_t hash_key(std::string_view key, bool fold_after_at) {
    std::uint32_t h = fnv_offset;
    bool after_at = false;
    for (const char c : key) {
        h = fnv_step(h, after_at ? lower(c) : c);
        if (c == '@' && fold_after_at) {
            after_at = true;
        }
    }
    return h;
}

std::uint32_t hash_key2(std::string_view first, std::string_view second) {
    std::uint32_t h = fnv_offset;
    for (const char c : first) {
        h = fnv_step(h, c);
    }
    h = fnv_step(h, '@');
    for (const char c : second) {
        h = fnv_step(h, c);
    }
    return h;
}

bool table_valid(const void* base, std::size_t capacity) {
    if (base == nullptr || capacity < sizeof(table_header)) {
        return false;
    }
    const table_header* h = header_of(base);
    if (h->magic != table_magic || h->used_bytes > capacity || h->bucket_count == 0 ||
        (h->bucket_count & (h->bucket_count - 1)) != 0 ||
        sizeof(table_header) + std::size_t{h->bucket_count} * 4 > h->used_bytes) {
        return false;
    }
    return true;
}

const table_entry* find_location(const void* base, std::string_view aor) {
    const table_header* h = header_of(base);
    if (h->kind != table_kind::location) {
        return nullptr;
    }
    const std::uint32_t hash = hash_key(aor, true);
    std::uint32_t off = buckets_of(base)[hash & (h->bucket_count - 1)];
    while (off != 0) {
        const table_entry* e = entry_at(base, off);
        if (e->hash == hash && location_key_equal(entry_key(e), aor)) {
            return e;
        }
        off = e->next;
    }
    return nullptr;
}

const table_entry* find_credential(const void* base, std::string_view user,
                                   std::string_view realm) {
    const table_header* h = header_of(base);
    if (h->kind != table_kind::credentials) {
        return nullptr;
    }
    const std::uint32_t hash = hash_key2(user, realm);
    std::uint32_t off = buckets_of(base)[hash & (h->bucket_count - 1)];
    while (off != 0) {
        const table_entry* e = entry_at(base, off);
        const std::string_view k = entry_key(e);
        if (e->hash == hash && k.size() == user.size() + 1 + realm.size() &&
            k.substr(0, user.size()) == user && k[user.size()] == '@' &&
            k.substr(user.size() + 1) == realm) {
            return e;
        }
        off = e->next;
    }
    return nullptr;
}

contact_view decode_contact(const void* base, const contact_record& r) {
    const char* b = static_cast<const char*>(base);
    contact_view v;
    v.uri = {b + r.uri_offset, r.uri_length};
    v.path = {b + r.path_offset, r.path_length};
    v.q = r.q;
    v.expires_at = r.expires_at;
    v.received = r.received;
    v.transport = r.transport;
    return v;
}

std::string normalize_aor(std::string_view aor) {
    std::string out(aor);
    const std::size_t at = out.find('@');
    for (std::size_t i = at == std::string::npos ? out.size() : at; i < out.size(); ++i) {
        out[i] = lower(out[i]);
    }
    return out;
}

// ---- location builder ----

void location_table_builder::add(std::string_view aor, std::span<const contact_input> contacts) {
    aor_entry e;
    e.key = normalize_aor(aor);
    e.contacts.assign(contacts.begin(), contacts.end());
    _contact_total += contacts.size();
    _aors.push_back(std::move(e));
}

void location_table_builder::clear() {
    _aors.clear();
    _contact_total = 0;
}

namespace {
std::vector<pending_entry> location_pending(const auto& aors) {
    std::vector<pending_entry> out;
    out.reserve(aors.size());
    for (const auto& a : aors) {
        std::size_t strings = 0;
        for (const auto& c : a.contacts) {
            strings += c.uri.size() + c.path.size();
        }
        out.push_back({a.key, hash_key(a.key, true), static_cast<std::uint32_t>(a.contacts.size()),
                       sizeof(contact_record) * a.contacts.size(), strings});
    }
    return out;
}
} // namespace

std::size_t location_table_builder::required_bytes() const {
    return plan_table(location_pending(_aors)).total;
}

std::size_t location_table_builder::serialise(void* dst, std::size_t capacity,
                                              std::uint64_t generation,
                                              std::int64_t now_unix) const {
    for (const auto& a : _aors) {
        if (a.key.size() > 0xffff) {
            return 0;
        }
        for (const auto& c : a.contacts) {
            if (c.uri.size() > 0xffff || c.path.size() > 0xffff) {
                return 0;
            }
        }
    }
    const auto pending = location_pending(_aors);
    return write_table(
        dst, capacity, table_kind::location, pending, static_cast<std::uint32_t>(_contact_total),
        generation, now_unix,
        [&](std::size_t i, char* base, std::size_t value_off, std::size_t string_off) {
            auto* rec = reinterpret_cast<contact_record*>(base + value_off);
            for (const contact_input& c : _aors[i].contacts) {
                contact_record r{};
                r.expires_at = c.expires_at;
                r.q = c.q;
                r.transport = c.transport;
                r.received = c.received;
                r.uri_offset = static_cast<std::uint32_t>(string_off);
                r.uri_length = static_cast<std::uint16_t>(c.uri.size());
                std::memcpy(base + string_off, c.uri.data(), c.uri.size());
                string_off += c.uri.size();
                r.path_offset = static_cast<std::uint32_t>(string_off);
                r.path_length = static_cast<std::uint16_t>(c.path.size());
                std::memcpy(base + string_off, c.path.data(), c.path.size());
                string_off += c.path.size();
                std::memcpy(rec++, &r, sizeof r);
            }
            return string_off;
        });
}

// ---- credential builder ----

namespace {
std::vector<pending_entry> credential_pending(const std::vector<credential_input>& items,
                                              std::vector<std::string>& keys) {
    keys.clear();
    keys.reserve(items.size());
    std::vector<pending_entry> out;
    out.reserve(items.size());
    for (const auto& c : items) {
        keys.push_back(c.user + "@" + c.realm);
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
        out.push_back(
            {keys[i], hash_key2(items[i].user, items[i].realm), 1, sizeof(credential_record), 0});
    }
    return out;
}
} // namespace

std::size_t credential_table_builder::required_bytes() const {
    std::vector<std::string> keys;
    return plan_table(credential_pending(_items, keys)).total;
}

std::size_t credential_table_builder::serialise(void* dst, std::size_t capacity,
                                                std::uint64_t generation,
                                                std::int64_t now_unix) const {
    std::vector<std::string> keys;
    const auto pending = credential_pending(_items, keys);
    for (const auto& k : keys) {
        if (k.size() > 0xffff) {
            return 0;
        }
    }
    return write_table(
        dst, capacity, table_kind::credentials, pending, static_cast<std::uint32_t>(_items.size()),
        generation, now_unix,
        [&](std::size_t i, char* base, std::size_t value_off, std::size_t string_off) {
            std::memcpy(base + value_off, &_items[i].record, sizeof(credential_record));
            return string_off;
        });
}

} // namespace sipedge::ipc
