"""Frames for the core's tests, built with scapy, and a checker that also watches counters."""

from __future__ import annotations

import ipaddress
import struct

from scapy.layers.inet import ICMP, IP
from scapy.layers.inet6 import (
    ICMPv6DestUnreach,
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RA,
    ICMPv6ND_Redirect,
    ICMPv6ND_RS,
    ICMPv6PacketTooBig,
    ICMPv6ParamProblem,
    ICMPv6TimeExceeded,
    IPv6,
    IPv6ExtHdrFragment,
)
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Packet, Raw

from multistack import core as ms

# The core is told MAC_NIC (conftest): stacks send with it.  MAC_STACK is an address a stack
# might make up for itself, which the core refuses.
MAC_NIC = "02:00:00:00:00:01"
MAC_STACK = "02:00:00:00:00:02"
MAC_PEER = "02:00:00:00:00:09"

TCP, UDP, DCCP, SCTP, UDPLITE = 6, 17, 33, 132, 136
PROTOS = (TCP, UDP, DCCP, SCTP, UDPLITE)
# The fixed header of each protocol: ports first, then zeros.
_L4_LEN = {TCP: 20, UDP: 8, DCCP: 16, SCTP: 12, UDPLITE: 8}


def l4(proto: int, sport: int, dport: int) -> bytes:
    header = bytearray(_L4_LEN[proto])
    struct.pack_into("!HH", header, 0, sport, dport)
    if proto == TCP:
        header[12] = 5 << 4  # data offset: 20 bytes
    if proto == UDP:
        struct.pack_into("!H", header, 4, 8)
    if proto == DCCP:
        header[4] = 4  # data offset in 32-bit words
        header[8] = 1 << 0  # X=1: 48-bit sequence numbers (16-byte header)
    return bytes(header)


def ether(payload: Packet | bytes, ethertype: int | None = None, src: str = MAC_NIC) -> bytes:
    """An Ethernet frame from the NIC's address to a peer's (ingress ignores addresses)."""
    frame = Ether(src=src, dst=MAC_PEER)
    if ethertype is not None:
        frame.type = ethertype
    return bytes(frame / payload)


def ip_layer(src: str, dst: str, proto: int, **fields: object) -> Packet:
    if ipaddress.ip_address(src).version == 4:
        return IP(src=src, dst=dst, proto=proto, **fields)
    return IPv6(src=src, dst=dst, nh=proto, **fields)


def flow(proto: int, src: str, sport: int, dst: str, dport: int, payload: bytes = b"") -> bytes:
    """An Ethernet frame of `proto` from src:sport to dst:dport."""
    return ether(ip_layer(src, dst, proto) / Raw(l4(proto, sport, dport) + payload))


def no_ports(src: str, dst: str, proto: int, payload: bytes = b"\0" * 8) -> bytes:
    return ether(ip_layer(src, dst, proto) / Raw(payload))


def icmp_echo(src: str, dst: str) -> bytes:
    if ipaddress.ip_address(src).version == 4:
        return ether(IP(src=src, dst=dst) / ICMP(type=8) / Raw(b"ping"))
    return ether(IPv6(src=src, dst=dst) / ICMPv6EchoRequest() / Raw(b"ping"))


def quoted(proto: int, src: str, sport: int, dst: str, dport: int) -> bytes:
    """What a router quotes of a datagram: its IP header and the first 8 bytes after it.

    The quoted IP header still claims the whole datagram's length, as real
    ICMP errors do.
    """
    datagram = bytes(ip_layer(src, dst, proto) / Raw(l4(proto, sport, dport) + b"\0" * 64))
    header = 20 if ipaddress.ip_address(src).version == 4 else 40
    return datagram[: header + 8]


ICMP4_ERRORS = (3, 4, 5, 11, 12)
ICMP6_ERRORS = (1, 2, 3, 4)


def icmp_error(outer_src: str, outer_dst: str, icmp_type: int, inner: bytes) -> bytes:
    if ipaddress.ip_address(outer_src).version == 4:
        return ether(IP(src=outer_src, dst=outer_dst) / ICMP(type=icmp_type, code=0) / Raw(inner))
    layer: dict[int, Packet] = {
        1: ICMPv6DestUnreach(code=4),
        2: ICMPv6PacketTooBig(mtu=1280),
        3: ICMPv6TimeExceeded(),
        4: ICMPv6ParamProblem(ptr=6),
    }
    return ether(IPv6(src=outer_src, dst=outer_dst) / layer[icmp_type] / Raw(inner))


def arp(
    op: int, psrc: str, pdst: str, hwsrc: str = MAC_NIC, eth_src: str = MAC_NIC, **fields: object
) -> bytes:
    return ether(
        ARP(op=op, hwsrc=hwsrc, psrc=psrc, hwdst="00:00:00:00:00:00", pdst=pdst, **fields),
        src=eth_src,
    )


def nd(
    kind: int,
    src: str,
    dst: str,
    target: str = "::",
    hlim: int = 255,
    options: bytes | Packet = b"",
    eth_src: str = MAC_NIC,
) -> bytes:
    """An ND message of ICMPv6 type `kind` (133..137), with `options` after its fixed part."""
    body: dict[int, Packet] = {
        133: ICMPv6ND_RS(),
        134: ICMPv6ND_RA(),
        135: ICMPv6ND_NS(tgt=target),
        136: ICMPv6ND_NA(tgt=target, R=0, S=1, O=1),
        137: ICMPv6ND_Redirect(tgt=target, dst="2001:db8:ffff::1"),
    }
    return ether(IPv6(src=src, dst=dst, hlim=hlim) / body[kind] / options, src=eth_src)


def lladdr_option(kind: int, mac: str, units: int = 1) -> bytes:
    """An ND link-layer address option (1 source, 2 target), `units` x 8 bytes long."""
    raw = bytes(int(b, 16) for b in mac.split(":"))
    return bytes([kind, units]) + raw + bytes(8 * units - 8)


def frag4(src: str, dst: str, ident: int, offset8: int, more: bool, payload: bytes) -> bytes:
    flags = "MF" if more else 0
    return ether(
        IP(src=src, dst=dst, proto=UDP, id=ident, flags=flags, frag=offset8) / Raw(payload)
    )


def frag6(src: str, dst: str, ident: int, offset8: int, more: bool, payload: bytes) -> bytes:
    fh = IPv6ExtHdrFragment(nh=UDP, offset=offset8, m=int(more), id=ident)
    return ether(IPv6(src=src, dst=dst) / fh / Raw(payload))


def frag(src: str, dst: str, ident: int, offset8: int, more: bool, payload: bytes) -> bytes:
    if ipaddress.ip_address(src).version == 4:
        return frag4(src, dst, ident, offset8, more, payload)
    return frag6(src, dst, ident, offset8, more, payload)


def tup(proto: int, addr: str, port: int) -> ms.MsTuple:
    return ms.make_tuple(proto, addr, port)


def decide(
    core: ms.Core, frame: bytes, egress_from: int | None = None
) -> tuple[ms.Decision, dict[tuple[ms.Direction, str], int]]:
    """One decision, and which counters it moved (they must move by exactly one)."""
    before = core.stats()
    if egress_from is None:
        decision = core.ingress(frame)
    else:
        decision = core.egress(frame, egress_from)
    after = core.stats()
    moved = {key: after[key] - before[key] for key in after if after[key] != before[key]}
    return decision, moved


def check(
    core: ms.Core,
    frame: bytes,
    verdict: str,
    reason: str,
    owner: int = 0,
    egress_from: int | None = None,
) -> None:
    """Assert the exact decision, and that exactly its own counter went up by one."""
    decision, moved = decide(core, frame, egress_from)
    got = (decision.verdict, decision.reason, decision.owner)
    assert got == (verdict, reason, owner), f"frame {frame.hex()} got {got}"
    direction = ms.Direction.INGRESS if egress_from is None else ms.Direction.EGRESS
    assert moved == {(direction, reason): 1}
