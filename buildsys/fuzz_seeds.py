"""Hand-built egress seeds for the fuzz target: frames a stack may send, from the NIC.

Captured frames seldom come from an address the fuzz target registers, so the checks past
an ARP sender, an ND source or target and an ND option are hard for libFuzzer to reach from
them.  These frames match tests/fuzz/fuzz_decide.c: its NIC address, and its registrations,
where owner X holds exact tuples on 10.0.0.X and 2000::X (UDP port 86 on 10.0.0.1).
"""

from __future__ import annotations

import struct

FUZZ_NIC_MAC = bytes([0x02, 0x00, 0x5E, 0x00, 0x53, 0x01])
BROADCAST = b"\xff" * 6
EGRESS_KNOWN_NIC = 0x80  # the first byte: egress, NIC address known; owner in the low bits


def _v4(last: int) -> bytes:
    return bytes([10, 0, 0, last])


def _v6(first: int, last: int) -> bytes:
    return bytes([first >> 8, first & 0xFF]) + bytes(13) + bytes([last])


def _eth(ethertype: int, payload: bytes) -> bytes:
    return BROADCAST + FUZZ_NIC_MAC + struct.pack("!H", ethertype) + payload


def _arp(owner: int) -> bytes:
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + FUZZ_NIC_MAC + _v4(owner)
    return _eth(0x0806, body + bytes(6) + _v4(9))


def _nd(kind: int, src: bytes, dst: bytes, target: bytes | None, option: int) -> bytes:
    icmp = bytes([kind, 0, 0, 0, 0, 0, 0, 0]) + (target or b"")
    icmp += bytes([option, 1]) + FUZZ_NIC_MAC
    ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), 58, 255) + src + dst
    return _eth(0x86DD, ip6 + icmp)


def _udp4(owner: int, port: int) -> bytes:
    udp = struct.pack("!HHHH", port, 4444, 8, 0)
    ip4 = struct.pack("!BBHHHBBH", 0x45, 0, 28, 1, 0, 64, 17, 0) + _v4(owner) + _v4(9)
    return _eth(0x0800, ip4 + udp)


def egress_seeds() -> list[bytes]:
    """Fuzz inputs (first byte included) that pass every egress check."""
    solicited = bytes([0xFF, 0x02]) + bytes(9) + bytes([1, 0xFF, 0, 0, 9])
    frames = [
        (1, _udp4(1, 86)),
        (1, _arp(1)),
        (1, _nd(135, _v6(0x2000, 1), solicited, _v6(0x2000, 9), 1)),
        (1, _nd(136, _v6(0xFE80, 1), _v6(0xFE80, 9), _v6(0x2000, 1), 2)),
        (1, _nd(133, bytes(16), _v6(0xFF02, 2), None, 1)),
        (2, _nd(136, _v6(0xFE80, 2), _v6(0xFE80, 9), _v6(0x2000, 2), 2)),
    ]
    return [bytes([EGRESS_KNOWN_NIC | owner]) + frame for owner, frame in frames]
