"""The frames the data-path scenarios send, built on the host with scapy.

Each set is written as records of (2-byte little-endian length, frame) that mstest reads.
Addresses follow the scenarios' topology: the peer behind the NIC is 10.0.0.2 / fd00::2,
the guest's kernel stack and the user-level stacks share 10.0.0.1 / fd00::1.
"""

from __future__ import annotations

import struct

from scapy.layers.inet import ICMP, IP, TCP, UDP, fragment
from scapy.layers.inet6 import (
    ICMPv6ND_NS,
    ICMPv6NDOptSrcLLAddr,
    ICMPv6PacketTooBig,
    IPv6,
    IPv6ExtHdrHopByHop,
    Jumbo,
)
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.packet import Packet, Raw

PEER_MAC = "02:00:00:00:00:02"
GUEST_MAC = "02:00:00:00:00:01"
STACK_MAC = "02:00:00:00:00:10"
PEER4, GUEST4 = "10.0.0.2", "10.0.0.1"
PEER6, GUEST6 = "fd00::2", "fd00::1"
OTHER6 = "fd00::3"  # on the link, registered by nobody
UDP_PORT, UDP_MISS, UDP_WILD, TCP6_PORT = 7000, 7999, 7001, 8080
DPATH_PORT = 7100


def _to_guest() -> Packet:
    return Ether(src=PEER_MAC, dst=GUEST_MAC)


def _from_stack() -> Packet:
    # A user-level stack shares the NIC: it sends from the NIC's own Ethernet address.
    return Ether(src=GUEST_MAC, dst=PEER_MAC)


def _raw(pkt: Packet) -> bytes:
    return bytes(pkt)


def _malformed() -> dict[str, list[bytes]]:
    udp = _raw(
        _to_guest() / IP(src=PEER4, dst=GUEST4) / UDP(sport=5555, dport=UDP_PORT) / (b"x" * 8)
    )
    bad_ihl = bytearray(udp)
    bad_ihl[14] = 0x44  # IHL 4: shorter than the fixed header
    bad_length = bytearray(udp)
    bad_length[16:18] = struct.pack("!H", 1400)  # total length past the frame
    bad_version = bytearray(udp)
    bad_version[14] = 0x65  # version 6 under the IPv4 ethertype
    truncated_l4 = _raw(
        _to_guest() / IP(src=PEER4, dst=GUEST4, proto=17, len=22) / Raw(b"\x15\xb3")
    )
    deep_vlan = _raw(
        _to_guest() / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / IP(src=PEER4, dst=GUEST4)
        / UDP(sport=5555, dport=UDP_PORT)
    )  # fmt: skip
    # Payload length 0 and a hop-by-hop header: a jumbogram, which the core does not take.
    jumbo = _raw(
        _to_guest()
        / IPv6(src=PEER6, dst=GUEST6, plen=0)
        / IPv6ExtHdrHopByHop(options=[Jumbo(jumboplen=16)])
        / UDP(sport=5555, dport=TCP6_PORT)
    )
    return {
        "truncated_l2": [udp[:10]],
        "bad_ihl": [bytes(bad_ihl)],
        "bad_length": [bytes(bad_length)],
        "bad_ip_version": [bytes(bad_version)],
        "truncated_l4": [truncated_l4],
        "vlan_too_deep": [deep_vlan],
        "jumbogram": [jumbo],
    }


def frame_sets() -> dict[str, list[bytes]]:
    """Every set the scenarios use, by name."""
    quoted_hit = IP(src=GUEST4, dst=PEER4) / UDP(sport=UDP_PORT, dport=5555)
    quoted_miss = IP(src=GUEST4, dst=PEER4) / UDP(sport=UDP_MISS, dport=5555)
    big = (
        IP(src=PEER4, dst=GUEST4, id=4242) / UDP(sport=5555, dport=UDP_PORT) / (b"f" * 2000)
    )  # fmt: skip
    frags = fragment(big, fragsize=800)  # type: ignore[no-untyped-call]
    sets = {
        "udp4_hit": [
            _raw(_to_guest() / IP(src=PEER4, dst=GUEST4) / UDP(sport=5555, dport=UDP_PORT) / b"hi")
        ]
        * 4,
        "udp4_miss": [
            _raw(_to_guest() / IP(src=PEER4, dst=GUEST4) / UDP(sport=5555, dport=UDP_MISS))
        ]
        * 3,
        "udp4_wild": [
            _raw(_to_guest() / IP(src=PEER4, dst=GUEST4) / UDP(sport=5555, dport=UDP_WILD))
        ]
        * 2,
        "tcp6_hit": [
            _raw(_to_guest() / IPv6(src=PEER6, dst=GUEST6) / TCP(sport=5555, dport=TCP6_PORT))
        ]
        * 2,
        "ping4": [_raw(_to_guest() / IP(src=PEER4, dst=GUEST4) / ICMP())],
        "arp": [
            _raw(
                Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff")
                / ARP(op=1, hwsrc=PEER_MAC, psrc=PEER4, pdst=GUEST4)
            )
        ],
        "nd": [
            _raw(
                Ether(src=PEER_MAC, dst="33:33:ff:00:00:01")
                / IPv6(src=PEER6, dst="ff02::1:ff00:1", hlim=255)
                / ICMPv6ND_NS(tgt=GUEST6)
                / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC)
            )
        ],
        "icmp_err_hit": [
            _raw(_to_guest() / IP(src=PEER4, dst=GUEST4) / ICMP(type=3, code=3) / quoted_hit)
        ],
        "icmp_err_miss": [
            _raw(_to_guest() / IP(src=PEER4, dst=GUEST4) / ICMP(type=3, code=3) / quoted_miss)
        ],
        "ptb6_hit": [
            _raw(
                _to_guest()
                / IPv6(src=PEER6, dst=GUEST6)
                / ICMPv6PacketTooBig(mtu=1280)
                / IPv6(src=GUEST6, dst=PEER6)
                / TCP(sport=TCP6_PORT, dport=5555)
            )
        ],
        "frag_hit": [_raw(_to_guest() / f) for f in frags],
        "frag_miss": [
            _raw(_to_guest() / IP(src=PEER4, dst=GUEST4, id=999, frag=100, proto=17) / (b"m" * 64))
        ],
        "egress_ok": [
            _raw(_from_stack() / IP(src=GUEST4, dst=PEER4) / UDP(sport=UDP_PORT, dport=5555))
        ]
        * 2,
        "egress_not_owner": [
            _raw(_from_stack() / IP(src=GUEST4, dst=PEER4) / UDP(sport=UDP_WILD, dport=5555))
        ]
        * 2,
        "egress_unregistered": [
            _raw(_from_stack() / IP(src=GUEST4, dst=PEER4) / UDP(sport=9999, dport=5555))
        ]
        * 2,
        # IPv6 by its address's number: stack A's own tuple, one of its address it never
        # registered, and an address nobody registered (decided without a tuple probe).
        "egress6_ok": [
            _raw(_from_stack() / IPv6(src=GUEST6, dst=PEER6) / TCP(sport=TCP6_PORT, dport=5555))
        ]
        * 2,
        "egress6_unregistered": [
            _raw(_from_stack() / IPv6(src=GUEST6, dst=PEER6) / TCP(sport=TCP6_PORT + 1, dport=5555))
        ]
        * 2,
        "egress6_other_addr": [
            _raw(_from_stack() / IPv6(src=OTHER6, dst=PEER6) / TCP(sport=TCP6_PORT, dport=5555))
        ],
        "tcp6_other_addr": [
            _raw(_to_guest() / IPv6(src=PEER6, dst=OTHER6) / TCP(sport=5555, dport=TCP6_PORT))
        ],
        "egress_arp_spoof": [
            _raw(
                _from_stack()
                / ARP(op=2, hwsrc=GUEST_MAC, psrc="10.0.0.99", hwdst=PEER_MAC, pdst=PEER4)
            )
        ],
    }
    # nic_path: a stack on 10.0.0.1:7100 writes to the peer's socket on 10.0.0.2:7200 from a
    # tuple it never registered, then from its own: the peer must get the second one first.
    sets["dpath_to_peer"] = [
        _raw(_from_stack() / IP(src=GUEST4, dst=PEER4) / UDP(sport=sport, dport=7200) / text)
        for sport, text in ((DPATH_PORT + 1, b"spoof"), (DPATH_PORT, b"legit"))
    ]
    sets.update(_malformed())
    return sets


def encode(frames: list[bytes]) -> bytes:
    """The records mstest reads: 2-byte little-endian length, then the frame."""
    return b"".join(struct.pack("<H", len(f)) + f for f in frames)
