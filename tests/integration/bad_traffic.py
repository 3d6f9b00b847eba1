#!/usr/bin/env python3
"""Sends sipedge the inputs a production edge must survive, from inside the lab
namespace, and reports what came back. Each case prints one line:
    CASE <name> <sent> <replies: status codes or 'none'>
The calling test checks the replies here and sipedge's drop counters.

usage: bad_traffic.py DATAPLANE_IP SOURCE_IP
"""
import random
import socket
import struct
import sys
import time

DP, SRC = sys.argv[1], sys.argv[2]
SIP_PORT = 5060
LISTEN_PORT = 5099  # our replies come back here


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_datagram(payload: bytes, sport: int, dport: int, length=None, good_sum=True) -> bytes:
    length = 8 + len(payload) if length is None else length
    pseudo = socket.inet_aton(SRC) + socket.inet_aton(DP) + struct.pack("!BBH", 0, 17, 8 + len(payload))
    header = struct.pack("!HHHH", sport, dport, length, 0)
    s = checksum(pseudo + header + payload) or 0xFFFF
    if not good_sum:
        s ^= 0x5A5A
    return struct.pack("!HHHH", sport, dport, length, s) + payload


def ip_packet(l4: bytes, ident: int, offset8: int, more: bool) -> bytes:
    flags_frag = (0x2000 if more else 0) | offset8
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, flags_frag, 64, 17, 0,
                         socket.inet_aton(SRC), socket.inet_aton(DP))
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + l4


raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
listener.bind((SRC, LISTEN_PORT))
listener.settimeout(0.5)


def replies(wait=1.5):
    codes = []
    end = time.time() + wait
    while time.time() < end:
        try:
            data, _ = listener.recvfrom(70000)
        except socket.timeout:
            continue
        first = data.split(b"\r\n", 1)[0].decode(errors="replace")
        parts = first.split(" ")
        codes.append(parts[1] if first.startswith("SIP/2.0 ") and len(parts) > 1 else "?")
    return ",".join(codes) if codes else "none"


def sip_request(tag: str, extra=b"", max_forwards=70, uri=None) -> bytes:
    uri = uri or "sip:nobody@%s:%d" % (SRC, LISTEN_PORT)
    branch = "z9hG4bK-bad-%s-%d" % (tag, random.randrange(1 << 30))
    head = ("OPTIONS %s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;branch=%s\r\n"
            "Max-Forwards: %d\r\n"
            "From: <sip:tester@%s>;tag=%s\r\n"
            "To: <%s>\r\n"
            "Call-ID: bad-%s-%d@%s\r\n"
            "CSeq: 1 OPTIONS\r\n") % (uri, SRC, LISTEN_PORT, branch, max_forwards, SRC, tag, uri,
                                      tag, random.randrange(1 << 30), SRC)
    return head.encode() + extra + b"Content-Length: 0\r\n\r\n"


def case(name, sent, reply):
    print("CASE %s %s %s" % (name, sent, reply), flush=True)


def send_raw(packet: bytes):
    raw.sendto(packet, (DP, 0))


# 1. Malformed SIP: a request line that is not SIP at all, and a request whose
#    headers are broken (no CSeq number): both must not crash; RFC 3261 wants a
#    400 where the request can be answered.
send_raw(ip_packet(udp_datagram(b"HELLO WORLD THIS IS NOT SIP\r\n\r\n", LISTEN_PORT, SIP_PORT), 1, 0, False))
case("garbage_start_line", 1, replies())
broken = sip_request("broken").replace(b"CSeq: 1 OPTIONS", b"CSeq: OPTIONS")
send_raw(ip_packet(udp_datagram(broken, LISTEN_PORT, SIP_PORT), 2, 0, False))
case("broken_cseq", 1, replies())

# 2. Non-SIP UDP to the SIP port (random binary).
send_raw(ip_packet(udp_datagram(bytes(random.randrange(256) for _ in range(300)), LISTEN_PORT, SIP_PORT), 3, 0, False))
case("binary_to_sip_port", 1, replies(0.5))

# 3. Truncated UDP: the UDP length claims more than the IP packet carries.
good = sip_request("truncated")
send_raw(ip_packet(udp_datagram(good[:60], LISTEN_PORT, SIP_PORT, length=8 + len(good)), 4, 0, False))
case("truncated_udp", 1, replies(0.5))

# 4. Bad UDP checksum on an otherwise good request.
send_raw(ip_packet(udp_datagram(sip_request("badsum"), LISTEN_PORT, SIP_PORT, good_sum=False), 5, 0, False))
case("bad_udp_checksum", 1, replies(0.5))

# 5. Fragments out of order: a good request (Max-Forwards 0, so the proxy answers
#    483 itself) in 3 fragments sent last-first; the answer proves reassembly.
msg = sip_request("frag", extra=b"X-Pad: " + b"f" * 3500 + b"\r\n", max_forwards=0)
dgram = udp_datagram(msg, LISTEN_PORT, SIP_PORT)
chunk = 1480
pieces = [(off, dgram[off:off + chunk]) for off in range(0, len(dgram), chunk)]
for off, piece in reversed(pieces):
    send_raw(ip_packet(piece, 0x4242, off // 8, off + chunk < len(dgram)))
case("fragments_reversed", len(pieces), replies())

# 6. Oversized: a 30000-byte request needs more fragments than reassembly keeps
#    (8 per datagram): a counted drop, and no reply.
big = sip_request("big", extra=b"X-Pad: " + b"b" * 30000 + b"\r\n", max_forwards=0)
dgram = udp_datagram(big, LISTEN_PORT, SIP_PORT)
pieces = [(off, dgram[off:off + chunk]) for off in range(0, len(dgram), chunk)]
for off, piece in pieces:
    send_raw(ip_packet(piece, 0x4343, off // 8, off + chunk < len(dgram)))
case("oversized_30000", len(pieces), replies())

# 7. A fragment whose partner never comes: held, then expired (counted).
dgram = udp_datagram(sip_request("lonely", extra=b"X-Pad: " + b"l" * 2000 + b"\r\n"), LISTEN_PORT, SIP_PORT)
send_raw(ip_packet(dgram[:1480], 0x4444, 0, True))
case("lonely_fragment", 1, replies(0.2))

# 8. Control: a good request after all that still gets its 483.
good = sip_request("control", max_forwards=0)
send_raw(ip_packet(udp_datagram(good, LISTEN_PORT, SIP_PORT), 6, 0, False))
case("good_after_bad", 1, replies())
