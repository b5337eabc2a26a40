"""Egress decisions (frames sent by a stack's port) on well-formed frames."""

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
def test_own_exact_source_passes(core: ms.Core, fam: dict[str, str], proto: int) -> None:
    assert core.bind(tup(proto, fam["me"], 5000), A) is ms.Status.OK
    frame = flow(proto, fam["me"], 5000, fam["peer"], 40000)
    check(core, frame, "nic", "tuple_hit", egress_from=A)


@pytest.mark.parametrize("proto", PROTOS)
def test_own_wildcard_source_passes(core: ms.Core, fam: dict[str, str], proto: int) -> None:
    assert core.bind(tup(proto, fam["any"], 5000), A) is ms.Status.OK
    frame = flow(proto, fam["other"], 5000, fam["peer"], 40000)
    check(core, frame, "nic", "wildcard_hit", egress_from=A)


def test_source_of_another_port_is_dropped(core: ms.Core, fam: dict[str, str]) -> None:
    assert core.bind(tup(UDP, fam["me"], 53), B) is ms.Status.OK
    assert core.bind(tup(TCP, fam["any"], 80), B) is ms.Status.OK
    check(core, flow(UDP, fam["me"], 53, fam["peer"], 1), "drop", "not_owner", egress_from=A)
    check(core, flow(TCP, fam["me"], 80, fam["peer"], 1), "drop", "not_owner", egress_from=A)


def test_unregistered_source_is_dropped(core: ms.Core, fam: dict[str, str]) -> None:
    assert core.bind(tup(UDP, fam["me"], 53), A) is ms.Status.OK
    # The destination being registered does not matter, only the source.
    check(core, flow(UDP, fam["peer"], 1, fam["me"], 53), "drop", "no_match", egress_from=A)
    check(core, flow(UDP, fam["me"], 54, fam["peer"], 1), "drop", "no_match", egress_from=A)
    check(core, flow(TCP, fam["me"], 53, fam["peer"], 1), "drop", "no_match", egress_from=A)


@pytest.mark.parametrize(
    ("name", "frame"),
    [
        ("icmp echo", icmp_echo("10.0.0.2", "192.0.2.7")),
        ("gre", no_ports("10.0.0.2", "192.0.2.7", 47)),
        ("icmpv6 echo", icmp_echo("2001:db8::2", "2001:db8:1::7")),
        ("ipv6 no next header", no_ports("2001:db8::2", "2001:db8:1::7", 59)),
    ],
)
def test_ip_without_ports_is_dropped(core: ms.Core, name: str, frame: bytes) -> None:
    assert core.bind(tup(UDP, "10.0.0.2", 53), A) is ms.Status.OK
    assert core.bind(tup(UDP, "2001:db8::2", 53), A) is ms.Status.OK
    check(core, frame, "drop", "no_ports", egress_from=A)


def test_other_ethertypes_are_dropped(core: ms.Core) -> None:
    check(core, ether(Raw(b"\0" * 46), ethertype=0x88CC), "drop", "not_ip", egress_from=A)


@pytest.mark.parametrize("op", [1, 2])
def test_arp_from_a_claimed_address_passes(core: ms.Core, op: int) -> None:
    assert core.bind(tup(TCP, "10.0.0.2", 8080), A) is ms.Status.OK
    check(core, arp(op, "10.0.0.2", "10.0.0.1"), "nic", "arp", egress_from=A)


def test_arp_probe_from_zero_address_is_dropped(core: ms.Core) -> None:
    # The sender address must be the port's own: 0.0.0.0 is nobody's (probes are the kernel's).
    assert core.bind(tup(TCP, "10.0.0.2", 8080), A) is ms.Status.OK
    check(core, arp(1, "0.0.0.0", "10.0.0.2"), "drop", "arp_spoof", egress_from=A)


def test_arp_from_unclaimed_addresses_is_dropped(core: ms.Core) -> None:
    assert core.bind(tup(UDP, "10.0.0.3", 53), B) is ms.Status.OK
    assert core.bind(tup(UDP, "0.0.0.0", 53), A) is ms.Status.OK  # a wildcard claims no address
    for sender in ("10.0.0.2", "10.0.0.3"):
        check(core, arp(1, sender, "10.0.0.1"), "drop", "arp_spoof", egress_from=A)


@pytest.mark.parametrize("kind", [133, 135])
def test_solicitations_from_a_claimed_source_pass(core: ms.Core, kind: int) -> None:
    assert core.bind(tup(UDP, "2001:db8::2", 53), A) is ms.Status.OK
    frame = nd(kind, "2001:db8::2", "ff02::2", target="2001:db8::1")
    check(core, frame, "nic", "nd", egress_from=A)


def test_router_solicitation_from_the_unspecified_source_passes(core: ms.Core) -> None:
    check(core, nd(133, "::", "ff02::2"), "nic", "nd", egress_from=A)


def test_neighbour_solicitation_from_the_unspecified_source_is_dropped(core: ms.Core) -> None:
    # Duplicate address detection is the kernel's: it owns every address a stack may register.
    assert core.bind(tup(UDP, "2001:db8::2", 53), A) is ms.Status.OK
    frame = nd(135, "::", "ff02::1:ff00:2", target="2001:db8::2")
    check(core, frame, "drop", "nd_spoof", egress_from=A)


@pytest.mark.parametrize("kind", [133, 135])
def test_solicitations_from_unclaimed_sources_are_dropped(core: ms.Core, kind: int) -> None:
    assert core.bind(tup(UDP, "2001:db8::3", 53), B) is ms.Status.OK
    assert core.bind(tup(UDP, "::", 53), A) is ms.Status.OK  # a wildcard claims no address
    for src in ("2001:db8::2", "2001:db8::3"):
        frame = nd(kind, src, "ff02::2", target="2001:db8::1")
        check(core, frame, "drop", "nd_spoof", egress_from=A)


def test_advertisement_of_a_claimed_target_passes(core: ms.Core) -> None:
    assert core.bind(tup(UDP, "2001:db8::2", 53), A) is ms.Status.OK
    frame = nd(136, "2001:db8::2", "2001:db8::1", target="2001:db8::2")
    check(core, frame, "nic", "nd", egress_from=A)


def test_advertisement_of_a_claimed_target_from_link_local_passes(core: ms.Core) -> None:
    # The spec checks the NA's target only: stacks answer from their link-local address.
    assert core.bind(tup(UDP, "2001:db8::2", 53), A) is ms.Status.OK
    frame = nd(136, "fe80::2", "fe80::1", target="2001:db8::2")
    check(core, frame, "nic", "nd", egress_from=A)


def test_advertisement_of_an_unclaimed_target_is_dropped(core: ms.Core) -> None:
    assert core.bind(tup(UDP, "2001:db8::2", 53), A) is ms.Status.OK
    assert core.bind(tup(UDP, "2001:db8::3", 53), B) is ms.Status.OK
    assert core.bind(tup(UDP, "::", 5353), A) is ms.Status.OK  # a wildcard claims no address
    for target in ("2001:db8::3", "2001:db8::1"):
        frame = nd(136, "2001:db8::2", "2001:db8::1", target=target)
        check(core, frame, "drop", "nd_spoof", egress_from=A)


@pytest.mark.parametrize("kind", [134, 137])
def test_router_advertisements_and_redirects_are_forbidden(core: ms.Core, kind: int) -> None:
    assert core.bind(tup(UDP, "2001:db8::2", 53), A) is ms.Status.OK
    frame = nd(kind, "2001:db8::2", "ff02::1", target="2001:db8::9")
    check(core, frame, "drop", "nd_forbidden", egress_from=A)


def test_icmp_error_about_own_flow_passes(core: ms.Core, fam: dict[str, str]) -> None:
    # The stack reports trouble with a datagram it received: the quoted destination is its own.
    assert core.bind(tup(UDP, fam["me"], 53), A) is ms.Status.OK
    inner = quoted(UDP, fam["peer"], 4444, fam["me"], 53)
    types = ICMP4_ERRORS if fam["any"] == "0.0.0.0" else ICMP6_ERRORS
    for icmp_type in types:
        frame = icmp_error(fam["me"], fam["peer"], icmp_type, inner)
        check(core, frame, "nic", "icmp_error_hit", egress_from=A)


def test_icmp_error_about_own_wildcard_flow_passes(core: ms.Core, fam: dict[str, str]) -> None:
    assert core.bind(tup(UDP, fam["any"], 53), A) is ms.Status.OK
    inner = quoted(UDP, fam["peer"], 4444, fam["me"], 53)
    icmp_type = 3 if fam["any"] == "0.0.0.0" else 1
    frame = icmp_error(fam["me"], fam["peer"], icmp_type, inner)
    check(core, frame, "nic", "icmp_error_hit", egress_from=A)


def test_icmp_error_about_foreign_flows_is_dropped(core: ms.Core, fam: dict[str, str]) -> None:
    assert core.bind(tup(UDP, fam["me"], 53), B) is ms.Status.OK
    assert core.bind(tup(UDP, fam["me"], 5353), A) is ms.Status.OK
    types = ICMP4_ERRORS if fam["any"] == "0.0.0.0" else ICMP6_ERRORS
    foreign = quoted(UDP, fam["peer"], 4444, fam["me"], 53)  # another port's flow
    nobody = quoted(UDP, fam["peer"], 4444, fam["me"], 99)  # nobody's flow
    own_source = quoted(UDP, fam["me"], 5353, fam["peer"], 4444)  # its source is ours, not dst
    for inner in (foreign, nobody, own_source):
        for icmp_type in types:
            frame = icmp_error(fam["me"], fam["peer"], icmp_type, inner)
            check(core, frame, "drop", "icmp_error_miss", egress_from=A)


def _udp(sport: int, dport: int) -> bytes:
    return flow(UDP, "10.9.9.9", sport, "10.9.9.8", dport)[34:42]


def _fragments(fam: dict[str, str], ident: int) -> tuple[bytes, bytes]:
    payload = bytes(range(16))
    first = frag(fam["me"], fam["peer"], ident, 0, True, _udp(53, 4444) + payload)
    later = frag(fam["me"], fam["peer"], ident, 3, False, payload)
    return first, later


def test_later_fragment_follows_an_accepted_first(core: ms.Core, fam: dict[str, str]) -> None:
    assert core.bind(tup(UDP, fam["me"], 53), A) is ms.Status.OK
    first, later = _fragments(fam, 0x5151)
    check(core, first, "nic", "tuple_hit", egress_from=A)
    check(core, later, "nic", "frag_hit", egress_from=A)


def test_later_fragment_without_first_is_dropped(core: ms.Core, fam: dict[str, str]) -> None:
    assert core.bind(tup(UDP, fam["me"], 53), A) is ms.Status.OK
    _first, later = _fragments(fam, 0x5252)
    check(core, later, "drop", "frag_miss", egress_from=A)


def test_later_fragment_from_another_port_is_dropped(core: ms.Core, fam: dict[str, str]) -> None:
    assert core.bind(tup(UDP, fam["me"], 53), A) is ms.Status.OK
    first, later = _fragments(fam, 0x5353)
    check(core, first, "nic", "tuple_hit", egress_from=A)
    check(core, later, "drop", "frag_miss", egress_from=B)


def test_later_fragment_after_a_refused_first_is_dropped(
    core: ms.Core, fam: dict[str, str]
) -> None:
    assert core.bind(tup(UDP, fam["me"], 53), B) is ms.Status.OK
    first, later = _fragments(fam, 0x5454)
    check(core, first, "drop", "not_owner", egress_from=A)
    check(core, later, "drop", "frag_miss", egress_from=A)
