"""Writers, queries, names and counters of the core."""

from __future__ import annotations

import ipaddress

import pytest
from framekit import TCP, UDP, arp, flow, icmp_echo, tup

from multistack import core as ms

A, B, C = 1, 2, 3

REASONS = (
    "tuple_hit wildcard_hit no_match no_ports not_ip arp nd icmp_error_hit icmp_error_miss "
    "frag_hit frag_miss not_owner arp_spoof nd_spoof nd_forbidden mac_spoof no_nic no_host_port "
    "truncated_l2 vlan_too_deep "
    "bad_ip_version truncated_l3 bad_ihl bad_length bad_fragment ext_chain truncated_l4 bad_arp "
    "bad_nd jumbogram"
).split()
MALFORMED = REASONS[REASONS.index("truncated_l2") :]


def test_names_match_the_design(lib: ms.Library) -> None:
    assert lib.verdicts == ("port", "host", "all", "nic", "drop")
    assert lib.reasons == tuple(REASONS)
    assert lib.verdict_name(99) == "?"
    assert lib.reason_name(len(REASONS)) == "?"


@pytest.mark.parametrize(
    ("reason", "ingress", "egress"),
    [
        ("tuple_hit", "port", "nic"),
        ("wildcard_hit", "port", "nic"),
        ("no_match", "host", "drop"),
        ("no_ports", "host", "drop"),
        ("not_ip", "host", "drop"),
        ("arp", "all", "nic"),
        ("nd", "all", "nic"),
        ("icmp_error_hit", "port", "nic"),
        ("icmp_error_miss", "host", "drop"),
        ("frag_hit", "port", "nic"),
        ("frag_miss", "host", "drop"),
        ("no_host_port", "drop", "drop"),
        *[(reason, "host", "drop") for reason in MALFORMED],
    ],
)
def test_reason_verdicts(lib: ms.Library, reason: str, ingress: str, egress: str) -> None:
    assert lib.reason_verdict(reason, ms.Direction.INGRESS) == ingress
    assert lib.reason_verdict(reason, ms.Direction.EGRESS) == egress


@pytest.mark.parametrize(
    "reason", ["not_owner", "arp_spoof", "nd_spoof", "nd_forbidden", "mac_spoof", "no_nic"]
)
def test_egress_refusals_drop(lib: ms.Library, reason: str) -> None:
    assert lib.reason_verdict(reason, ms.Direction.EGRESS) == "drop"


def test_bind_twice_by_the_same_owner_is_exists(core: ms.Core) -> None:
    assert core.bind(tup(UDP, "10.0.0.2", 53), A) is ms.Status.OK
    assert core.bind(tup(UDP, "10.0.0.2", 53), A) is ms.Status.EXISTS
    assert core.count() == 1


def test_bind_of_a_held_tuple_by_another_owner_is_inuse(core: ms.Core) -> None:
    assert core.bind(tup(UDP, "::", 53), A) is ms.Status.OK
    assert core.bind(tup(UDP, "::", 53), B) is ms.Status.INUSE
    assert core.lookup(tup(UDP, "::", 53)) == A
    # A different address, protocol or family is a different tuple.
    assert core.bind(tup(UDP, "2001:db8::1", 53), B) is ms.Status.OK
    assert core.bind(tup(TCP, "::", 53), B) is ms.Status.OK
    assert core.bind(tup(UDP, "0.0.0.0", 53), B) is ms.Status.OK


@pytest.mark.parametrize(
    ("family", "proto", "addr"),
    [
        (5, UDP, bytes(16)),
        (0, UDP, bytes(16)),
        (4, 1, bytes(4)),  # ICMP has no ports
        (6, 58, bytes(16)),
        (4, UDP, bytes([10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),  # padding not zero
    ],
)
def test_invalid_tuples_are_refused(
    core: ms.Core, lib: ms.Library, family: int, proto: int, addr: bytes
) -> None:
    bad = ms.raw_tuple(family, proto, 53, addr)
    assert not lib.tuple_valid(bad)
    assert core.bind(bad, A) is ms.Status.INVAL
    assert core.count() == 0


@pytest.mark.parametrize("proto", [6, 17, 33, 132, 136])
def test_valid_tuples_are_accepted(lib: ms.Library, proto: int) -> None:
    assert lib.tuple_valid(tup(proto, "10.0.0.2", 53))
    assert lib.tuple_valid(tup(proto, "::", 53))


def test_unbind(core: ms.Core) -> None:
    t = tup(TCP, "10.0.0.2", 80)
    assert core.unbind(t, A) is ms.Status.NOENT
    assert core.bind(t, A) is ms.Status.OK
    assert core.unbind(t, B) is ms.Status.PERM
    assert core.lookup(t) == A
    assert core.unbind(t, A) is ms.Status.OK
    core.quiesce()
    assert core.lookup(t) is None
    assert core.unbind(t, A) is ms.Status.NOENT
    assert core.count() == 0


def test_unbind_owner_removes_only_that_owners(core: ms.Core) -> None:
    mine = [tup(UDP, "10.0.0.2", 53), tup(TCP, "::", 80), tup(UDP, "2001:db8::2", 123)]
    theirs = [tup(UDP, "10.0.0.3", 53), tup(TCP, "0.0.0.0", 80)]
    for t in mine:
        assert core.bind(t, A) is ms.Status.OK
    for t in theirs:
        assert core.bind(t, B) is ms.Status.OK
    assert core.unbind_owner(A) == len(mine)
    core.quiesce()
    assert core.unbind_owner(A) == 0
    assert core.unbind_owner(C) == 0
    assert core.count() == len(theirs)
    assert all(core.lookup(t) is None for t in mine)
    assert all(core.lookup(t) == B for t in theirs)


def test_lookup_is_exact_then_wildcard(core: ms.Core) -> None:
    assert core.bind(tup(UDP, "0.0.0.0", 53), B) is ms.Status.OK
    assert core.lookup(tup(UDP, "10.0.0.9", 53)) == B
    assert core.bind(tup(UDP, "10.0.0.9", 53), A) is ms.Status.OK
    assert core.lookup(tup(UDP, "10.0.0.9", 53)) == A
    assert core.lookup(tup(UDP, "10.0.0.8", 53)) == B
    assert core.lookup(tup(UDP, "::", 53)) is None


def test_foreach_and_query_show_registrations(core: ms.Core) -> None:
    assert core.bind(tup(UDP, "10.0.0.2", 53), A) is ms.Status.OK
    assert core.bind(tup(TCP, "::", 443), B) is ms.Status.OK
    seen = {(r.family, r.proto, str(r.addr), r.port, r.owner) for r in core.registrations()}
    assert seen == {(4, UDP, "10.0.0.2", 53, A), (6, TCP, "::", 443, B)}
    reg = core.query(tup(TCP, "::", 443))
    assert reg is not None
    assert (reg.owner, reg.packets, reg.bytes) == (B, 0, 0)
    assert reg.addr == ipaddress.ip_address("::")
    # Query is exact: a wildcard does not answer for an address.
    assert core.query(tup(TCP, "2001:db8::1", 443)) is None


def test_memory_grows_with_registrations(core: ms.Core) -> None:
    empty = core.memory_bytes()
    assert empty > 0
    for port in range(1, 5001):
        assert core.bind(tup(UDP, "10.0.0.2", port), A) is ms.Status.OK
    assert core.count() == 5000
    assert core.memory_bytes() > empty


def test_per_registration_counters_count_both_directions(core: ms.Core) -> None:
    t = tup(UDP, "10.0.0.2", 53)
    assert core.bind(t, A) is ms.Status.OK
    inbound = flow(UDP, "192.0.2.7", 4444, "10.0.0.2", 53, payload=b"q" * 30)
    outbound = flow(UDP, "10.0.0.2", 53, "192.0.2.7", 4444, payload=b"a" * 100)
    for _ in range(3):
        assert core.ingress(inbound).reason == "tuple_hit"
    assert core.egress(outbound, A).reason == "tuple_hit"
    assert core.ingress(flow(UDP, "192.0.2.7", 4444, "10.0.0.2", 54)).reason == "no_match"
    reg = core.query(t)
    assert reg is not None
    assert (reg.packets, reg.bytes) == (4, 3 * len(inbound) + len(outbound))


def test_wildcard_registration_counts_its_hits(core: ms.Core) -> None:
    t = tup(TCP, "::", 80)
    assert core.bind(t, A) is ms.Status.OK
    frame = flow(TCP, "2001:db8:1::7", 5555, "2001:db8::2", 80)
    assert core.ingress(frame).reason == "wildcard_hit"
    reg = core.query(t)
    assert reg is not None
    assert (reg.packets, reg.bytes) == (1, len(frame))


def test_reason_counters_per_direction(core: ms.Core) -> None:
    assert all(value == 0 for value in core.stats().values())
    for _ in range(3):
        core.ingress(icmp_echo("192.0.2.7", "10.0.0.2"))
    core.egress(arp(1, "10.0.0.9", "10.0.0.1"), A)
    core.ingress(b"\0" * 5)
    stats = core.stats()
    nonzero = {key: value for key, value in stats.items() if value}
    assert nonzero == {
        (ms.Direction.INGRESS, "no_ports"): 3,
        (ms.Direction.EGRESS, "arp_spoof"): 1,
        (ms.Direction.INGRESS, "truncated_l2"): 1,
    }
    assert len(stats) == 2 * len(REASONS)


def test_batches_decide_like_single_frames(lib: ms.Library) -> None:
    frames = [
        flow(UDP, "192.0.2.7", 4444, "10.0.0.2", 53),
        flow(TCP, "2001:db8:1::7", 5555, "2001:db8::2", 80),
        flow(UDP, "192.0.2.7", 4444, "10.0.0.2", 54),
        arp(1, "10.0.0.2", "10.0.0.1"),
        icmp_echo("10.0.0.2", "192.0.2.7"),
        b"\x01\x02",
        flow(UDP, "10.0.0.2", 53, "192.0.2.7", 4444),
        flow(TCP, "2001:db8::2", 80, "2001:db8:1::7", 5555),
    ] * 5
    results = []
    for batched in (False, True):
        with ms.Core(lib) as core:
            assert core.bind(tup(UDP, "10.0.0.2", 53), A) is ms.Status.OK
            assert core.bind(tup(TCP, "::", 80), B) is ms.Status.OK
            if batched:
                got = core.ingress_batch(frames) + core.egress_batch(frames, A)
            else:
                got = [core.ingress(f) for f in frames] + [core.egress(f, A) for f in frames]
            results.append((got, core.stats()))
    assert results[0] == results[1]
    assert core_empty_batch_is_fine(lib)


def core_empty_batch_is_fine(lib: ms.Library) -> bool:
    with ms.Core(lib) as core:
        return core.ingress_batch([]) == [] and core.egress_batch([], A) == []
