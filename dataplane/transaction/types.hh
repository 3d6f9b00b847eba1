#pragma once
// Vocabulary shared by the transaction layer and the proxy core: transports,
// endpoints and the caller-provided outbox that receives every message to send.
// Sans-IO: nothing here knows about mbufs or sockets.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace sipedge::txn {

enum class transport : std::uint8_t { udp, tcp, tls, sctp };

// RFC 3261 §17: retransmission timers run only over unreliable transports.
constexpr bool is_reliable(transport t) {
    return t != transport::udp;
}

std::string_view transport_name(transport t); // "UDP", "TCP", ...

// An IP address and port. IPv4 addresses are stored as IPv4-mapped IPv6
// (::ffff:a.b.c.d) so that one 16-byte compare serves both families.
struct endpoint {
    std::array<std::uint8_t, 16> addr{};
    std::uint16_t port = 0;

    static endpoint ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                         std::uint16_t port) {
        endpoint e;
        e.addr[10] = 0xff;
        e.addr[11] = 0xff;
        e.addr[12] = a;
        e.addr[13] = b;
        e.addr[14] = c;
        e.addr[15] = d;
        e.port = port;
        return e;
    }
    // host_order: a.b.c.d == 0xaabbccdd.
    static endpoint ipv4(std::uint32_t host_order, std::uint16_t port) {
        return ipv4(host_order >> 24, (host_order >> 16) & 0xff, (host_order >> 8) & 0xff,
                    host_order & 0xff, port);
    }
    // The same from the address as it lies in a packet (network byte order, e.g. an
    // IPv4 header's source), for the receive path: the 16 address bytes are written
    // as one store (a generic vector, no intrinsics). The copies of the endpoint
    // that follow read them whole, which the CPU cannot forward from byte stores.
    static endpoint ipv4_wire(std::uint32_t network_order, std::uint16_t port) {
        using words = std::uint32_t __attribute__((vector_size(16)));
        static_assert(sizeof(addr) == sizeof(words));
        static_assert(std::endian::native == std::endian::little);
        const words mapped = {0, 0, 0xffff0000u, network_order}; // bytes 10, 11: 0xff
        endpoint e;
        std::memcpy(e.addr.data(), &mapped, sizeof mapped);
        e.port = port;
        return e;
    }
    bool is_ipv4() const {
        static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return std::memcmp(addr.data(), prefix, 12) == 0;
    }
    bool empty() const { return port == 0; }
    friend bool operator==(const endpoint&, const endpoint&) = default;
};

// Parses a dotted-quad IPv4 literal; false if the text is not exactly one.
bool parse_ipv4(std::string_view text, endpoint& out);

// Writes the address (no port) as text: dotted quad, or bracketed IPv6. Returns
// the length; buf must hold 48 bytes.
std::size_t format_address(const endpoint& e, char* buf);

// A message to transmit: bytes [offset, offset+length) of the outbox's byte
// buffer. `txn` identifies the client transaction that sent it (or no_txn): the
// dataplane passes it back to proxy_core::on_transport_error() if sending fails.
struct outgoing_message {
    endpoint destination;
    transport tp = transport::udp;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    std::uint32_t txn = 0xffffffffu;
};

inline constexpr std::uint32_t no_txn = 0xffffffffu;

// Caller-provided storage for one burst of outgoing messages: a descriptor array
// and a byte buffer. The core appends; the dataplane copies each message into an
// mbuf, transmits, then clear()s. Nothing is allocated.
class outbox {
public:
    outbox(std::span<outgoing_message> messages, std::span<char> bytes)
        : _messages(messages), _bytes(bytes) {}

    // Space for a message of at most max_length bytes, or nullptr when full.
    // Follow with commit() (or nothing, to abandon).
    char* reserve(std::size_t max_length) {
        if (_count == _messages.size() || _bytes.size() - _used < max_length) {
            return nullptr;
        }
        return _bytes.data() + _used;
    }
    // Precondition: the last reserve() returned non-null and length <= its size.
    void commit(const endpoint& dst, transport tp, std::size_t length, std::uint32_t txn = no_txn) {
        _messages[_count++] = {dst, tp, static_cast<std::uint32_t>(_used),
                               static_cast<std::uint32_t>(length), txn};
        _used += length;
    }
    // Copies bytes as one message; false when full. bytes may already sit where
    // reserve() points (a message built in place): then nothing is copied.
    bool push(const endpoint& dst, transport tp, std::string_view bytes,
              std::uint32_t txn = no_txn) {
        char* p = reserve(bytes.size());
        if (p == nullptr) {
            return false;
        }
        if (bytes.data() != p) {
            std::memcpy(p, bytes.data(), bytes.size());
        }
        commit(dst, tp, bytes.size(), txn);
        return true;
    }
    // Where the next message would go and how much fits there (nullptr, 0 when no
    // descriptor is free): for building a message in place, then push()ing it.
    char* next_space(std::size_t& capacity) {
        capacity = _count == _messages.size() ? 0 : _bytes.size() - _used;
        return capacity == 0 ? nullptr : _bytes.data() + _used;
    }

    std::size_t size() const { return _count; }
    bool empty() const { return _count == 0; }
    const outgoing_message& operator[](std::size_t i) const { return _messages[i]; }
    std::string_view bytes(const outgoing_message& m) const {
        return {_bytes.data() + m.offset, m.length};
    }
    std::size_t bytes_free() const { return _bytes.size() - _used; }
    void clear() {
        _count = 0;
        _used = 0;
    }

private:
    std::span<outgoing_message> _messages;
    std::span<char> _bytes;
    std::size_t _count = 0;
    std::size_t _used = 0;
};

} // namespace sipedge::txn
