"""The frames of the attack scenarios (tests/guest/scenarios/attack_*.sh), built with scapy.

Topology as guestlib/frames.py: the NIC's MAC is GUEST_MAC (veth0 with real netmap, the
double's made-up NIC otherwise), the peer behind it PEER_MAC / PEER4 / PEER6, and the
unprivileged stacks share GUEST4 / GUEST6 with the kernel.  `to_PORT` goes from the peer to
udp GUEST4:PORT; `from_PORT` goes out of a stack from udp GUEST4:PORT, with the NIC's MAC;
`to6_PORT` and `from6_PORT` the same with GUEST6.
"""

from __future__ import annotations

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6NDOptDstLLAddr, IPv6
from scapy.layers.l2 import ARP, Ether

from guestlib.frames import GUEST4, GUEST6, GUEST_MAC, PEER4, PEER6, PEER_MAC, STACK_MAC

# The ports the scenarios' stacks register (uid 1000 and 1001, with and without a namespace).
STACK_PORTS = (7200, 7300, 7400, 7500)
# attack_egress: uid 1000's IPv6 tuple.
STACK_PORTS6 = (7201,)
GATEWAY4, GATEWAY6 = "10.0.0.254", "fd00::254"
# attack_ahead: the stack registers AHEAD_COUNT ports from AHEAD_FIRST on (a table large enough
# for the look-ahead), and its bursts mix AHEAD_FRAMES frames of those tuples, spread over them,
# with as many of ports nobody registered.
AHEAD_FIRST, AHEAD_COUNT, AHEAD_FRAMES = 20000, 12000, 12


def _ahead_ports() -> list[tuple[int, int]]:
    """(registered port, unregistered port) pairs, in the order the bursts send them."""
    return [
        (AHEAD_FIRST + (i * 997) % AHEAD_COUNT, AHEAD_FIRST + AHEAD_COUNT + 5000 + i)
        for i in range(AHEAD_FRAMES)
    ]


def _ip_between(guest_sends: bool, v6: bool) -> IP | IPv6:
    """The IP header between the guest and its peer, in either direction."""
    guest, peer = (GUEST6, PEER6) if v6 else (GUEST4, PEER4)
    src, dst = (guest, peer) if guest_sends else (peer, guest)
    return IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)


def _udp_in(port: int, v6: bool = False) -> bytes:
    return bytes(
        Ether(src=PEER_MAC, dst=GUEST_MAC)
        / _ip_between(False, v6)
        / UDP(sport=5555, dport=port)
        / b"in"
    )


def _udp_out(port: int, mac: str = GUEST_MAC, v6: bool = False) -> bytes:
    return bytes(Ether(src=mac, dst=PEER_MAC) / _ip_between(True, v6) / UDP(sport=port, dport=5555))


def _arp_reply(hwsrc: str, psrc: str, eth_src: str = GUEST_MAC) -> bytes:
    return bytes(
        Ether(src=eth_src, dst=PEER_MAC)
        / ARP(op=2, hwsrc=hwsrc, psrc=psrc, hwdst=PEER_MAC, pdst=PEER4)
    )


def _neighbor_advert(target: str, lladdr: str) -> bytes:
    return bytes(
        Ether(src=GUEST_MAC, dst=PEER_MAC)
        / IPv6(src=GUEST6, dst=PEER6)
        / ICMPv6ND_NA(tgt=target, R=0, S=1, O=1)
        / ICMPv6NDOptDstLLAddr(lladdr=lladdr)
    )


def attack_frame_sets() -> dict[str, list[bytes]]:
    """Every set the attack scenarios use, by name."""
    sets: dict[str, list[bytes]] = {}
    for port in STACK_PORTS:
        sets[f"to_{port}"] = [_udp_in(port)] * 2
        sets[f"from_{port}"] = [_udp_out(port)] * 2
    for port in STACK_PORTS6:
        sets[f"to6_{port}"] = [_udp_in(port, v6=True)] * 2
        sets[f"from6_{port}"] = [_udp_out(port, v6=True)] * 2
    sets.update(
        {
            # R9: addresses on egress, from the stack that registered udp GUEST4:7200
            "mac_spoof_7200": [_udp_out(7200, mac=STACK_MAC)],
            "arp_own_7200": [_arp_reply(GUEST_MAC, GUEST4)],
            "arp_gateway": [_arp_reply(GUEST_MAC, GATEWAY4)],
            "arp_foreign_mac": [_arp_reply(STACK_MAC, GUEST4)],
            "arp_eth_spoof": [_arp_reply(GUEST_MAC, GUEST4, eth_src=STACK_MAC)],
            "nd_own": [_neighbor_advert(GUEST6, GUEST_MAC)],
            "nd_foreign_mac": [_neighbor_advert(GUEST6, STACK_MAC)],
            "nd_gateway": [_neighbor_advert(GATEWAY6, GUEST_MAC)],
            # attack_ahead: from the NIC and from the stack, registered and not, alternating
            "ahead_in": [_udp_in(p) for pair in _ahead_ports() for p in pair],
            "ahead_out": [_udp_out(p) for pair in _ahead_ports() for p in pair],
        }
    )
    return sets
