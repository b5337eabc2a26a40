"""Ingress decisions on well-formed frames: every verdict and reason, both families."""

from __future__ import annotations

import pytest
from framekit import (
    ICMP4_ERRORS,
    ICMP6_ERRORS,
    PROTOS,
    TCP,
    UDP,
    arp,
    check,
    ether,
    flow,
    frag,
    icmp_echo,
    icmp_error,
    nd,
    no_ports,
    quoted,
    tup,
)
from scapy.layers.l2 import Dot1AD, Dot1Q
from scapy.packet import Raw

from multistack import core as ms

A, B = 1, 2
FAMILIES = {
    4: {"me": "10.0.0.2", "other": "10.0.0.3", "peer": "192.0.2.7", "any": "0.0.0.0"},
    6: {"me": "2001:db8::2", "other": "2001:db8::3", "peer": "2001:db8:1::7", "any": "::"},
}


@pytest.fixture(params=[4, 6], ids=["v4", "v6"])
def fam(request: pytest.FixtureRequest) -> dict[str, str]:
    return FAMILIES[request.param]


@pytest.mark.parametrize("proto", PROTOS)
def test_exact_registration_hits(core: ms.Core, fam: dict[str, str], proto: int) -> None:
    assert core.bind(tup(proto, fam["me"], 5000), A) is ms.Status.OK
    check(core, flow(proto, fam["peer"], 40000, fam["me"], 5000), "port", "tuple_hit", A)


@pytest.mark.parametrize("proto", PROTOS)
def test_wildcard_registration_hits_any_address(
    core: ms.Core, fam: dict[str, str], proto: int
) -> None:
    assert core.bind(tup(proto, fam["any"], 5000), B) is ms.Status.OK
    check(core, flow(proto, fam["peer"], 40000, fam["me"], 5000), "port", "wildcard_hit", B)
    check(core, flow(proto, fam["peer"], 40000, fam["other"], 5000), "port", "wildcard_hit", B)


def test_exact_entry_wins_over_wildcard(core: ms.Core, fam: dict[str, str]) -> None:
    assert core.bind(tup(UDP, fam["any"], 53), B) is ms.Status.OK
    assert core.bind(tup(UDP, fam["me"], 53), A) is ms.Status.OK
    check(core, flow(UDP, fam["peer"], 1234, fam["me"], 53), "port", "tuple_hit", A)
    check(core, flow(UDP, fam["peer"], 1234, fam["other"], 53), "port", "wildcard_hit", B)


def test_unregistered_ports_go_to_host(core: ms.Core, fam: dict[str, str]) -> None:
    check(core, flow(UDP, fam["peer"], 1234, fam["me"], 53), "host", "no_match")
    # Same address and port under another protocol, or another port, is no match either.
    assert core.bind(tup(UDP, fam["me"], 53), A) is ms.Status.OK
    check(core, flow(TCP, fam["peer"], 1234, fam["me"], 53), "host", "no_match")
    check(core, flow(UDP, fam["peer"], 1234, fam["me"], 54), "host", "no_match")
    # The source port does not select the owner.
    check(core, flow(UDP, fam["me"], 53, fam["peer"], 1234), "host", "no_match")


def test_wildcard_of_one_family_does_not_match_the_other(core: ms.Core) -> None:
    assert core.bind(tup(UDP, "0.0.0.0", 53), A) is ms.Status.OK
    check(core, flow(UDP, "2001:db8::7", 1, "2001:db8::2", 53), "host", "no_match")


@pytest.mark.parametrize(
    ("name", "frame"),
    [
        ("icmp echo", icmp_echo("192.0.2.7", "10.0.0.2")),
        ("gre", no_ports("192.0.2.7", "10.0.0.2", 47)),
        ("esp", no_ports("192.0.2.7", "10.0.0.2", 50)),
        ("icmpv6 echo", icmp_echo("2001:db8:1::7", "2001:db8::2")),
        ("ipv6 esp", no_ports("2001:db8:1::7", "2001:db8::2", 50)),
        ("ipv6 no next header", no_ports("2001:db8:1::7", "2001:db8::2", 59)),
        ("ipv6 empty payload", no_ports("2001:db8:1::7", "2001:db8::2", 59, payload=b"")),
    ],
)
def test_ip_without_ports_goes_to_host(core: ms.Core, name: str, frame: bytes) -> None:
    assert core.bind(tup(UDP, "0.0.0.0", 53), A) is ms.Status.OK
    check(core, frame, "host", "no_ports")


@pytest.mark.parametrize("ethertype", [0x88CC, 0x8863, 0x88F7, 0x0842])
def test_other_ethertypes_go_to_host(core: ms.Core, ethertype: int) -> None:
    check(core, ether(Raw(b"\0" * 46), ethertype=ethertype), "host", "not_ip")


@pytest.mark.parametrize("op", [1, 2])
def test_arp_goes_to_every_port(core: ms.Core, op: int) -> None:
    check(core, arp(op, "192.0.2.7", "10.0.0.2"), "all", "arp")


@pytest.mark.parametrize("kind", [133, 134, 135, 136, 137])
def test_neighbour_discovery_goes_to_every_port(core: ms.Core, kind: int) -> None:
    frame = nd(kind, "fe80::7", "ff02::1", target="2001:db8::2")
    check(core, frame, "all", "nd")


def test_two_vlan_tags_are_looked_through(core: ms.Core) -> None:
    assert core.bind(tup(UDP, "10.0.0.2", 53), A) is ms.Status.OK
    inner = flow(UDP, "192.0.2.7", 1234, "10.0.0.2", 53)[14:]
    one = ether(Dot1Q(vlan=10, type=0x0800) / Raw(inner))
    qinq = ether(Dot1AD(vlan=20, type=0x8100) / Dot1Q(vlan=10, type=0x0800) / Raw(inner))
    two_q = ether(Dot1Q(vlan=20, type=0x8100) / Dot1Q(vlan=10, type=0x0800) / Raw(inner))
    for frame in (one, qinq, two_q):
        check(core, frame, "port", "tuple_hit", A)
    tagged_arp = ether(Dot1Q(vlan=10, type=0x0806) / Raw(arp(1, "192.0.2.7", "10.0.0.2")[14:]))
    check(core, tagged_arp, "all", "arp")


@pytest.mark.parametrize("proto", [UDP, TCP])
def test_icmp_error_quoting_a_registered_source_goes_to_its_owner(
    core: ms.Core, fam: dict[str, str], proto: int
) -> None:
    assert core.bind(tup(proto, fam["me"], 5353), A) is ms.Status.OK
    inner = quoted(proto, fam["me"], 5353, fam["peer"], 53)
    types = ICMP4_ERRORS if fam["any"] == "0.0.0.0" else ICMP6_ERRORS
    for icmp_type in types:
        frame = icmp_error(fam["peer"], fam["me"], icmp_type, inner)
        check(core, frame, "port", "icmp_error_hit", A)


def test_icmp_error_quoting_a_wildcard_source_goes_to_its_owner(
    core: ms.Core, fam: dict[str, str]
) -> None:
    assert core.bind(tup(UDP, fam["any"], 5353), B) is ms.Status.OK
    inner = quoted(UDP, fam["me"], 5353, fam["peer"], 53)
    icmp_type = 3 if fam["any"] == "0.0.0.0" else 1
    check(core, icmp_error(fam["peer"], fam["me"], icmp_type, inner), "port", "icmp_error_hit", B)


def test_icmp_error_about_unregistered_flows_goes_to_host(
    core: ms.Core, fam: dict[str, str]
) -> None:
    # The quoted DESTINATION is registered, not its source: still a miss.
    assert core.bind(tup(UDP, fam["peer"], 53), A) is ms.Status.OK
    inner = quoted(UDP, fam["me"], 5353, fam["peer"], 53)
    types = ICMP4_ERRORS if fam["any"] == "0.0.0.0" else ICMP6_ERRORS
    for icmp_type in types:
        frame = icmp_error(fam["peer"], fam["me"], icmp_type, inner)
        check(core, frame, "host", "icmp_error_miss")


def _fragments(fam: dict[str, str], ident: int) -> tuple[bytes, bytes]:
    payload = bytes(range(16))
    first = frag(fam["peer"], fam["me"], ident, 0, True, _udp(4444, 53) + payload)
    later = frag(fam["peer"], fam["me"], ident, 3, False, payload)
    return first, later


def _udp(sport: int, dport: int) -> bytes:
    return flow(UDP, "10.9.9.9", sport, "10.9.9.8", dport)[34:42]


def test_later_fragment_follows_the_first(core: ms.Core, fam: dict[str, str]) -> None:
    assert core.bind(tup(UDP, fam["me"], 53), A) is ms.Status.OK
    first, later = _fragments(fam, 0x4242)
    check(core, first, "port", "tuple_hit", A)
    check(core, later, "port", "frag_hit", A)


def test_later_fragment_without_first_goes_to_host(core: ms.Core, fam: dict[str, str]) -> None:
    assert core.bind(tup(UDP, fam["me"], 53), A) is ms.Status.OK
    _first, later = _fragments(fam, 0x4343)
    check(core, later, "host", "frag_miss")


def test_later_fragment_of_another_datagram_goes_to_host(
    core: ms.Core, fam: dict[str, str]
) -> None:
    assert core.bind(tup(UDP, fam["me"], 53), A) is ms.Status.OK
    first, _later = _fragments(fam, 0x4444)
    _first, other_later = _fragments(fam, 0x4445)
    check(core, first, "port", "tuple_hit", A)
    check(core, other_later, "host", "frag_miss")


def test_later_fragment_whose_first_went_to_host_goes_to_host(
    core: ms.Core, fam: dict[str, str]
) -> None:
    first, later = _fragments(fam, 0x4646)
    check(core, first, "host", "no_match")
    check(core, later, "host", "frag_miss")
