"""Egress at the link layer: the NIC's Ethernet address, ARP senders, ND link-layer options.

The `core` fixture knows MAC_NIC; MAC_STACK is an address a stack made up for itself.
Also the glue's counters: no_nic (no NIC address known) and no_host_port (ms_core_override).
"""

from __future__ import annotations

import pytest
from framekit import (
    MAC_NIC,
    MAC_PEER,
    MAC_STACK,
    TCP,
    UDP,
    arp,
    check,
    decide,
    ether,
    flow,
    frag,
    icmp_error,
    lladdr_option,
    nd,
    quoted,
    tup,
)
from scapy.layers.l2 import Dot1Q
from scapy.packet import Raw

from multistack import core as ms

A, B = 1, 2
ME4, ME6, PEER4, PEER6 = "10.0.0.2", "2001:db8::2", "192.0.2.7", "2001:db8:1::7"


def _respoof(frame: bytes, mac: str = MAC_STACK) -> bytes:
    """The same frame with another Ethernet source."""
    return frame[:6] + ms.parse_mac(mac) + frame[12:]


@pytest.fixture
def owned(core: ms.Core) -> ms.Core:
    """Port A holds exact UDP 53 on both families, and TCP 80 on the wildcards."""
    for addr in (ME4, ME6):
        assert core.bind(tup(UDP, addr, 53), A) is ms.Status.OK
    for addr in ("0.0.0.0", "::"):
        assert core.bind(tup(TCP, addr, 80), A) is ms.Status.OK
    return core


def _allowed_frames() -> list[tuple[str, bytes, str]]:
    """Frames port A may send from the NIC's address, with the reason each passes for."""
    first = frag(ME4, PEER4, 0x77, 0, True, flow(UDP, ME4, 53, PEER4, 1)[34:42] + bytes(16))
    tagged = ether(Dot1Q(vlan=5, type=0x0800) / Raw(flow(UDP, ME4, 53, PEER4, 1)[14:]))
    return [
        ("ipv4 udp (fast path)", flow(UDP, ME4, 53, PEER4, 4444), "tuple_hit"),
        ("ipv4 tcp on a wildcard (fast path)", flow(TCP, ME4, 80, PEER4, 4444), "wildcard_hit"),
        ("ipv6 udp", flow(UDP, ME6, 53, PEER6, 4444), "tuple_hit"),
        ("vlan-tagged ipv4", tagged, "tuple_hit"),
        ("first fragment", first, "tuple_hit"),
        ("arp", arp(1, ME4, "10.0.0.1"), "arp"),
        ("neighbour solicitation", nd(135, ME6, "ff02::1:ff00:1", target="2001:db8::1"), "nd"),
        ("neighbour advertisement", nd(136, "fe80::2", "fe80::1", target=ME6), "nd"),
        (
            "icmp error",
            icmp_error(ME4, PEER4, 3, quoted(UDP, PEER4, 4444, ME4, 53)),
            "icmp_error_hit",
        ),
    ]


ALLOWED = _allowed_frames()
IDS = [name for name, _frame, _reason in ALLOWED]


@pytest.mark.parametrize(("name", "frame", "reason"), ALLOWED, ids=IDS)
def test_frames_from_the_nic_address_pass(
    owned: ms.Core, name: str, frame: bytes, reason: str
) -> None:
    check(owned, frame, "nic", reason, egress_from=A)


@pytest.mark.parametrize(("name", "frame", "reason"), ALLOWED, ids=IDS)
def test_frames_from_another_address_are_mac_spoof(
    owned: ms.Core, name: str, frame: bytes, reason: str
) -> None:
    for mac in (MAC_STACK, MAC_PEER, "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "03:00:00:00:00:01"):
        check(owned, _respoof(frame, mac), "drop", "mac_spoof", egress_from=A)


def test_non_ip_frames_need_the_nic_address_too(owned: ms.Core) -> None:
    lldp = ether(Raw(b"\0" * 46), ethertype=0x88CC)
    check(owned, lldp, "drop", "not_ip", egress_from=A)
    check(owned, _respoof(lldp), "drop", "mac_spoof", egress_from=A)


def test_mac_spoof_is_decided_before_ownership(owned: ms.Core) -> None:
    # Another port's tuple from a made-up address: the address is refused first.
    check(owned, _respoof(flow(UDP, ME4, 53, PEER4, 1)), "drop", "mac_spoof", egress_from=B)


def test_a_spoofed_first_fragment_lets_no_later_fragment_through(owned: ms.Core) -> None:
    payload = flow(UDP, ME4, 53, PEER4, 1)[34:42] + bytes(16)
    first = frag(ME4, PEER4, 0x78, 0, True, payload)
    later = frag(ME4, PEER4, 0x78, 3, False, bytes(16))
    check(owned, _respoof(first), "drop", "mac_spoof", egress_from=A)
    check(owned, later, "drop", "frag_miss", egress_from=A)


def test_batches_decide_the_address_as_single_frames_do(owned: ms.Core) -> None:
    frames = [f for _n, frame, _r in ALLOWED for f in (frame, _respoof(frame))] * 3
    assert owned.egress_batch(frames, A) == [owned.egress(f, A) for f in frames]
    assert {d.reason for d in owned.egress_batch(frames, A)} >= {"mac_spoof", "tuple_hit"}


def test_changing_the_nic_address_moves_the_check(owned: ms.Core) -> None:
    frame = flow(UDP, ME4, 53, PEER4, 4444)
    owned.set_nic_mac(MAC_STACK)
    assert owned.nic_mac() == ms.parse_mac(MAC_STACK)
    check(owned, frame, "drop", "mac_spoof", egress_from=A)
    check(owned, _respoof(frame), "nic", "tuple_hit", egress_from=A)


def test_ingress_ignores_ethernet_addresses(owned: ms.Core) -> None:
    inbound = flow(UDP, PEER4, 4444, ME4, 53)
    check(owned, _respoof(inbound, MAC_PEER), "port", "tuple_hit", A)
    owned.clear_nic_mac()
    check(owned, inbound, "port", "tuple_hit", A)


# ARP: the sender's hardware address is the NIC's, its protocol address the port's own.


def test_arp_sender_hardware_address_must_be_the_nic_address(owned: ms.Core) -> None:
    for op in (1, 2):
        check(owned, arp(op, ME4, "10.0.0.1"), "nic", "arp", egress_from=A)
        check(owned, arp(op, ME4, "10.0.0.1", hwsrc=MAC_STACK), "drop", "arp_spoof", egress_from=A)
        check(owned, arp(op, ME4, "10.0.0.1", hwsrc=MAC_PEER), "drop", "arp_spoof", egress_from=A)


def test_arp_sender_address_must_be_exactly_registered_by_the_port(owned: ms.Core) -> None:
    assert owned.bind(tup(UDP, "10.0.0.3", 53), B) is ms.Status.OK
    # 10.0.0.3 is B's; 10.0.0.1 (the gateway) is nobody's; port A's wildcards claim nothing.
    for sender in ("10.0.0.3", "10.0.0.1", "0.0.0.0"):
        check(owned, arp(2, sender, PEER4), "drop", "arp_spoof", egress_from=A)
    check(owned, arp(2, "10.0.0.3", PEER4), "nic", "arp", egress_from=B)


def test_arp_from_a_made_up_ethernet_source_is_mac_spoof(owned: ms.Core) -> None:
    frame = arp(1, ME4, "10.0.0.1", hwsrc=MAC_STACK, eth_src=MAC_STACK)
    check(owned, frame, "drop", "mac_spoof", egress_from=A)


# ND: every source/target link-layer address option carries the NIC's address.

SOLICIT = (135, ME6, "ff02::1:ff00:1", "2001:db8::1")
ADVERT = (136, "fe80::2", "fe80::1", ME6)
ROUTER_SOLICIT = (133, ME6, "ff02::2", "::")
MESSAGES = {"ns": SOLICIT, "na": ADVERT, "rs": ROUTER_SOLICIT}


def _nd(which: str, options: bytes) -> bytes:
    kind, src, dst, target = MESSAGES[which]
    return nd(kind, src, dst, target=target, options=options)


@pytest.mark.parametrize("which", sorted(MESSAGES))
@pytest.mark.parametrize("option", [1, 2], ids=["source-lladdr", "target-lladdr"])
def test_nd_link_layer_options_with_the_nic_address_pass(
    owned: ms.Core, which: str, option: int
) -> None:
    check(owned, _nd(which, lladdr_option(option, MAC_NIC)), "nic", "nd", egress_from=A)


@pytest.mark.parametrize("which", sorted(MESSAGES))
@pytest.mark.parametrize("option", [1, 2], ids=["source-lladdr", "target-lladdr"])
def test_nd_link_layer_options_with_another_address_are_nd_spoof(
    owned: ms.Core, which: str, option: int
) -> None:
    for mac in (MAC_STACK, MAC_PEER, "00:00:00:00:00:00"):
        frame = _nd(which, lladdr_option(option, mac))
        check(owned, frame, "drop", "nd_spoof", egress_from=A)


@pytest.mark.parametrize("which", sorted(MESSAGES))
def test_one_foreign_link_layer_option_among_good_ones_is_nd_spoof(
    owned: ms.Core, which: str
) -> None:
    mtu = bytes([5, 1, 0, 0, 0, 0, 5, 0xDC])
    good = lladdr_option(1, MAC_NIC)
    check(owned, _nd(which, mtu + good), "nic", "nd", egress_from=A)
    frame = _nd(which, good + mtu + lladdr_option(2, MAC_STACK))
    check(owned, frame, "drop", "nd_spoof", egress_from=A)


def test_a_long_link_layer_option_is_nd_spoof(owned: ms.Core) -> None:
    # Peers ignore an Ethernet link-layer option that is not 8 bytes long; it is refused.
    check(owned, _nd("na", lladdr_option(2, MAC_NIC, units=2)), "drop", "nd_spoof", egress_from=A)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("zero length", bytes([1, 0]) + ms.parse_mac(MAC_NIC)),
        ("past the end", bytes([1, 2]) + ms.parse_mac(MAC_NIC)),
        ("one byte left", lladdr_option(1, MAC_NIC) + b"\x01"),
    ],
)
def test_malformed_nd_options_from_a_stack_are_bad_nd(
    owned: ms.Core, name: str, options: bytes
) -> None:
    check(owned, _nd("ns", options), "drop", "bad_nd", egress_from=A)


def test_nd_from_a_made_up_ethernet_source_is_mac_spoof(owned: ms.Core) -> None:
    frame = nd(136, "fe80::2", "fe80::1", target=ME6, eth_src=MAC_STACK)
    check(owned, frame, "drop", "mac_spoof", egress_from=A)


def test_wildcard_registrations_allow_no_arp_or_nd(core: ms.Core) -> None:
    for proto in (UDP, TCP):
        for addr in ("0.0.0.0", "::"):
            assert core.bind(tup(proto, addr, 53), A) is ms.Status.OK
    for sender in (ME4, "10.0.0.1", "0.0.0.0"):
        check(core, arp(1, sender, "10.0.0.9"), "drop", "arp_spoof", egress_from=A)
    for target in (ME6, "2001:db8::1"):
        frame = nd(136, "fe80::2", "fe80::1", target=target, options=lladdr_option(2, MAC_NIC))
        check(core, frame, "drop", "nd_spoof", egress_from=A)
        frame = nd(135, target, "ff02::1:ff00:9", target="2001:db8::9")
        check(core, frame, "drop", "nd_spoof", egress_from=A)


# No NIC: every frame from a stack is dropped as no_nic.


def test_without_a_nic_every_egress_frame_is_no_nic(owned: ms.Core) -> None:
    owned.clear_nic_mac()
    assert owned.nic_mac() is None
    for _name, frame, _reason in ALLOWED:
        check(owned, frame, "drop", "no_nic", egress_from=A)
        check(owned, _respoof(frame), "drop", "no_nic", egress_from=A)
    # A frame without a whole Ethernet header is malformed, NIC or not.
    check(owned, ALLOWED[0][1][:13], "drop", "truncated_l2", egress_from=A)
    frames = [frame for _n, frame, _r in ALLOWED]
    assert {d.reason for d in owned.egress_batch(frames, A)} == {"no_nic"}


def test_a_nic_joining_again_reopens_egress(owned: ms.Core) -> None:
    frame = flow(UDP, ME4, 53, PEER4, 4444)
    owned.clear_nic_mac()
    check(owned, frame, "drop", "no_nic", egress_from=A)
    owned.set_nic_mac(MAC_NIC)
    assert owned.nic_mac() == ms.parse_mac(MAC_NIC)
    check(owned, frame, "nic", "tuple_hit", egress_from=A)


def test_a_fresh_core_has_no_nic(bare_core: ms.Core) -> None:
    # Fail closed: a glue that never tells the core its NIC's address lets nothing out.
    assert bare_core.nic_mac() is None
    assert bare_core.bind(tup(UDP, ME4, 53), A) is ms.Status.OK
    check(bare_core, flow(UDP, ME4, 53, PEER4, 4444), "drop", "no_nic", egress_from=A)
    check(bare_core, arp(1, ME4, "10.0.0.1"), "drop", "no_nic", egress_from=A)
    check(bare_core, flow(UDP, PEER4, 4444, ME4, 53), "port", "tuple_hit", A)


# The glue's counters.


def test_no_host_port_replaces_the_host_verdict_and_its_count(core: ms.Core) -> None:
    assert core.bind(tup(UDP, ME4, 53), A) is ms.Status.OK
    unregistered = flow(UDP, PEER4, 4444, ME4, 54)
    decided, moved = decide(core, unregistered)
    assert decided == ms.Decision("host", "no_match", 0)
    assert moved == {(ms.Direction.INGRESS, "no_match"): 1}
    before = core.stats()
    final = core.override(ms.Direction.INGRESS, decided, "no_host_port")
    after = core.stats()
    assert final == ms.Decision("drop", "no_host_port", 0)
    changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert changed == {
        (ms.Direction.INGRESS, "no_match"): -1,
        (ms.Direction.INGRESS, "no_host_port"): 1,
    }
    # With a host port the glue overrides nothing: the frame stays counted as the core decided.
    check(core, unregistered, "host", "no_match")
    check(core, flow(UDP, PEER4, 4444, ME4, 53), "port", "tuple_hit", A)


def test_count_adds_exactly_one(core: ms.Core) -> None:
    before = core.stats()
    core.count_reason(ms.Direction.INGRESS, "no_host_port")
    core.count_reason(ms.Direction.EGRESS, "mac_spoof")
    after = core.stats()
    changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert changed == {
        (ms.Direction.INGRESS, "no_host_port"): 1,
        (ms.Direction.EGRESS, "mac_spoof"): 1,
    }


def test_out_of_range_counts_change_nothing(core: ms.Core, lib: ms.Library) -> None:
    before = core.stats()
    dll, handle = lib.dll, core.handle
    dll.ms_core_count(handle, 0, len(lib.reasons))
    dll.ms_core_count(handle, 2, 0)
    raw = ms.MsDecision(lib.verdict_number["host"], lib.reason_number["no_match"], 0)
    out = dll.ms_core_override(handle, 0, raw, len(lib.reasons))
    assert (out.verdict, out.reason) == (raw.verdict, raw.reason)
    assert core.stats() == before


def test_mac_text_is_checked() -> None:
    assert ms.parse_mac("02-00-00-00-00-0A") == bytes([2, 0, 0, 0, 0, 10])
    assert ms.format_mac(bytes([2, 0, 0, 0, 0, 10])) == "02:00:00:00:00:0a"
    for bad in ("02:00:00:00:00", "02:00:00:00:00:0g", "0200.0000.0001", ""):
        with pytest.raises(ValueError, match="Ethernet address"):
            ms.parse_mac(bad)
