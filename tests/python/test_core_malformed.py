"""Malformed frames: each gets its own reason, to the host on ingress and dropped on egress."""

from __future__ import annotations

import struct

import pytest
from framekit import MAC_NIC, MAC_PEER, TCP, UDP, check, ether, flow, l4, tup
from scapy.layers.inet import IP
from scapy.layers.inet6 import (
    ICMPv6ND_NS,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    Jumbo,
)
from scapy.layers.l2 import ARP, Dot1Q
from scapy.packet import Raw

from multistack import core as ms

A = 1
V4 = {"src": "10.0.0.2", "dst": "192.0.2.7"}
V6 = {"src": "2001:db8::2", "dst": "2001:db8:1::7"}
MACS = bytes.fromhex(MAC_PEER.replace(":", "")) + bytes.fromhex(MAC_NIC.replace(":", ""))


def _raw_l2(ethertype: int, payload: bytes) -> bytes:
    return MACS + struct.pack("!H", ethertype) + payload


def _udp_v4(**fields: object) -> bytes:
    return bytes(IP(proto=UDP, **V4, **fields) / Raw(l4(UDP, 53, 4444)))


def _udp_v6(**fields: object) -> bytes:
    return bytes(IPv6(nh=UDP, **V6, **fields) / Raw(l4(UDP, 53, 4444)))


def _v6_chain(*headers: object) -> bytes:
    packet = IPv6(**V6)
    for header in headers:
        packet = packet / header
    return ether(packet / Raw(l4(UDP, 53, 4444)))


def _dest_opts(n: int) -> list[object]:
    return [IPv6ExtHdrDestOpt(nh=60) for _ in range(n - 1)] + [IPv6ExtHdrDestOpt(nh=UDP)]


def _ipv4_frag(frag: int, more: bool, payload: bytes) -> bytes:
    flags = "MF" if more else 0
    return ether(IP(proto=UDP, id=7, flags=flags, frag=frag, **V4) / Raw(payload))


def _ipv6_frag(offset: int, more: bool, payload: bytes) -> bytes:
    header = IPv6ExtHdrFragment(nh=UDP, offset=offset, m=int(more), id=7)
    return ether(IPv6(**V6) / header / Raw(payload))


MALFORMED: list[tuple[str, bytes, str]] = [
    ("empty frame", b"", "truncated_l2"),
    ("shorter than ethernet", MACS[:10], "truncated_l2"),
    ("vlan tag cut short", _raw_l2(0x8100, b"\x00\x0a"), "truncated_l2"),
    (
        "three vlan tags",
        ether(
            Dot1Q(vlan=1, type=0x8100)
            / Dot1Q(vlan=2, type=0x8100)
            / Dot1Q(vlan=3, type=0x0800)
            / Raw(_udp_v4())
        ),
        "vlan_too_deep",
    ),
    ("ipv6 under the ipv4 ethertype", _raw_l2(0x0800, _udp_v6()), "bad_ip_version"),
    ("ipv4 under the ipv6 ethertype", _raw_l2(0x86DD, _udp_v4() + b"\0" * 20), "bad_ip_version"),
    ("ipv4 header cut short", _raw_l2(0x0800, _udp_v4()[:12]), "truncated_l3"),
    ("ipv6 header cut short", _raw_l2(0x86DD, _udp_v6()[:30]), "truncated_l3"),
    ("ipv4 ihl below 5", _raw_l2(0x0800, _udp_v4(ihl=4)), "bad_ihl"),
    ("ipv4 ihl past the frame", _raw_l2(0x0800, _udp_v4(ihl=15)), "bad_ihl"),
    ("ipv4 total length below header", _raw_l2(0x0800, _udp_v4(len=12)), "bad_length"),
    ("ipv4 total length past the frame", _raw_l2(0x0800, _udp_v4(len=400)), "bad_length"),
    ("ipv6 payload length past the frame", _raw_l2(0x86DD, _udp_v6(plen=400)), "bad_length"),
    ("ipv4 fragment past 64 KiB", _ipv4_frag(8190, False, b"\0" * 64), "bad_fragment"),
    (
        "ipv4 non-last fragment of odd size",
        _ipv4_frag(0, True, l4(UDP, 53, 1) + b"\0" * 5),
        "bad_fragment",
    ),
    ("ipv6 fragment past 64 KiB", _ipv6_frag(8190, False, b"\0" * 64), "bad_fragment"),
    (
        "ipv6 non-last fragment of odd size",
        _ipv6_frag(0, True, l4(UDP, 53, 1) + b"\0" * 5),
        "bad_fragment",
    ),
    ("nine extension headers", _v6_chain(*_dest_opts(9)), "ext_chain"),
    (
        "hop-by-hop not first",
        _v6_chain(IPv6ExtHdrDestOpt(nh=0), IPv6ExtHdrHopByHop(nh=UDP)),
        "ext_chain",
    ),
    (
        "extension header past the frame",
        ether(IPv6(nh=60, **V6) / Raw(bytes([UDP, 30]) + b"\x01\x04" + b"\0" * 4)),
        "ext_chain",
    ),
    ("udp ports cut short", ether(IP(proto=UDP, **V4) / Raw(b"\x00\x35")), "truncated_l4"),
    ("tcp ports cut short", ether(IP(proto=TCP, **V4) / Raw(b"\x00\x35\x11")), "truncated_l4"),
    ("ipv6 udp ports cut short", ether(IPv6(nh=UDP, **V6) / Raw(b"\x00")), "truncated_l4"),
    ("arp for another hardware type", ether(ARP(hwtype=6, psrc="10.0.0.2")), "bad_arp"),
    (
        "arp for another protocol",
        _raw_l2(0x0806, struct.pack("!HHBBH", 1, 0x86DD, 6, 16, 1) + b"\0" * 44),
        "bad_arp",
    ),
    ("arp cut short", _raw_l2(0x0806, bytes(ARP(psrc="10.0.0.2"))[:20]), "bad_arp"),
    (
        "neighbour solicitation with hop limit 64",
        ether(IPv6(src="2001:db8::2", dst="ff02::1:ff00:1", hlim=64) / ICMPv6ND_NS(tgt="::1")),
        "bad_nd",
    ),
    (
        "neighbour solicitation cut short",
        ether(
            IPv6(src="2001:db8::2", dst="ff02::1:ff00:1", hlim=255, nh=58)
            / Raw(bytes([135, 0, 0, 0, 0, 0, 0, 0]))
        ),
        "bad_nd",
    ),
    (
        "jumbogram",
        ether(
            IPv6(plen=0, **V6)
            / IPv6ExtHdrHopByHop(nh=UDP, options=[Jumbo(jumboplen=70000)])
            / Raw(l4(UDP, 53, 4444))
        ),
        "jumbogram",
    ),
]


@pytest.fixture
def registered(core: ms.Core) -> ms.Core:
    """Registrations that well-formed versions of these frames would hit."""
    for addr in ("10.0.0.2", "192.0.2.7", "2001:db8::2", "2001:db8:1::7"):
        for proto in (UDP, TCP):
            for port in (53, 4444):
                assert core.bind(tup(proto, addr, port), A) is ms.Status.OK
    return core


@pytest.mark.parametrize(("name", "frame", "reason"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_ingress_goes_to_host(
    registered: ms.Core, name: str, frame: bytes, reason: str
) -> None:
    check(registered, frame, "host", reason)


@pytest.mark.parametrize(("name", "frame", "reason"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_egress_is_dropped(
    registered: ms.Core, name: str, frame: bytes, reason: str
) -> None:
    check(registered, frame, "drop", reason, egress_from=A)


def test_eight_extension_headers_are_accepted(registered: ms.Core) -> None:
    check(registered, _v6_chain(*_dest_opts(8)), "port", "tuple_hit", A)


def test_frames_with_ethernet_padding_are_well_formed(registered: ms.Core) -> None:
    # Short datagrams arrive padded to 60 bytes: the IP length, not the frame, ends them.
    frame = flow(UDP, "192.0.2.7", 4444, "10.0.0.2", 53)
    padded = frame + b"\0" * (60 - len(frame))
    check(registered, padded, "port", "tuple_hit", A)


def test_a_truncated_quoted_packet_is_a_miss_not_a_crash(registered: ms.Core) -> None:
    icmp = bytes([3, 3, 0, 0, 0, 0, 0, 0]) + _udp_v4()[:10]
    frame = ether(IP(proto=1, **V4) / Raw(icmp))
    decision = registered.ingress(frame)
    assert decision.verdict == "host"
