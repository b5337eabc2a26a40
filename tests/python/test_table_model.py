"""The tuple table against a Python dict model, and at 1,000,000 entries."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from multistack import core as ms

Key = tuple[int, int, int, bytes]  # family, proto, port, 16-byte address

ADDRS = {
    4: [bytes(4), bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), bytes([192, 0, 2, 1])],
    6: [
        bytes(16),
        bytes.fromhex("20010db8" + "0" * 23 + "1"),
        bytes.fromhex("fe80" + "0" * 27 + "2"),
    ],
}
# Every protocol a key can hold, and owners at both ends of the check word's owner byte:
# an IPv4 entry keeps its key only in that word (common/ms_internal.h).
PROTOS = [6, 17, 33, 132, 136]
PORTS = [0, 53, 80, 65535]
OWNERS = [0, 1, 2, 254, 255]


@dataclass(frozen=True)
class Op:
    kind: str
    key: Key
    owner: int


@st.composite
def keys(draw: st.DrawFn) -> Key:
    family = draw(st.sampled_from([4, 6]))
    addr = draw(st.sampled_from(ADDRS[family])).ljust(16, b"\0")
    return (family, draw(st.sampled_from(PROTOS)), draw(st.sampled_from(PORTS)), addr)


ops = st.builds(
    Op,
    kind=st.sampled_from(["bind", "bind", "unbind", "lookup", "lookup", "unbind_owner"]),
    key=keys(),
    owner=st.sampled_from(OWNERS),
)


def _tuple(key: Key) -> ms.MsTuple:
    family, proto, port, addr = key
    return ms.raw_tuple(family, proto, port, addr)


def _wildcard(key: Key) -> Key:
    return (key[0], key[1], key[2], bytes(16))


class Model:
    def __init__(self) -> None:
        self.table: dict[Key, int] = {}

    def bind(self, key: Key, owner: int) -> ms.Status:
        if key in self.table:
            return ms.Status.EXISTS if self.table[key] == owner else ms.Status.INUSE
        self.table[key] = owner
        return ms.Status.OK

    def unbind(self, key: Key, owner: int) -> ms.Status:
        if key not in self.table:
            return ms.Status.NOENT
        if self.table[key] != owner:
            return ms.Status.PERM
        del self.table[key]
        return ms.Status.OK

    def unbind_owner(self, owner: int) -> int:
        gone = [key for key, holder in self.table.items() if holder == owner]
        for key in gone:
            del self.table[key]
        return len(gone)

    def lookup(self, key: Key) -> int | None:
        if key in self.table:
            return self.table[key]
        return self.table.get(_wildcard(key))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ops, max_size=80))
def test_table_matches_model(lib: ms.Library, sequence: list[Op]) -> None:
    model = Model()
    with ms.Core(lib) as core:
        for op in sequence:
            t = _tuple(op.key)
            if op.kind == "bind":
                assert core.bind(t, op.owner) is model.bind(op.key, op.owner), op
            elif op.kind == "unbind":
                assert core.unbind(t, op.owner) is model.unbind(op.key, op.owner), op
            elif op.kind == "unbind_owner":
                assert core.unbind_owner(op.owner) == model.unbind_owner(op.owner), op
            else:
                assert core.lookup(t) == model.lookup(op.key), op
            core.quiesce()
            assert core.count() == len(model.table)
        listed = {
            (r.family, r.proto, r.port, r.addr.packed.ljust(16, b"\0")): r.owner
            for r in core.registrations()
        }
        assert listed == model.table
        for key, owner in model.table.items():
            reg = core.query(_tuple(key))
            assert reg is not None and reg.owner == owner


MILLION = 1_000_000


@pytest.mark.slow
def test_one_million_entries(lib: ms.Library) -> None:
    started = time.monotonic()
    rng = random.Random(20261124)
    with ms.Core(lib) as core:
        empty = core.memory_bytes()
        # 1,000,000 distinct tuples: 10.x.y.z addresses over two protocols and both families.
        t = ms.MsTuple()
        bind = lib.dll.ms_bind
        handle = core.handle
        for i in range(MILLION):
            family = 4 if i % 2 == 0 else 6
            t.family = family
            t.proto = 17 if i % 4 < 2 else 6
            t.port = 1 + (i % 50000)
            n = i // 4
            t.addr[0], t.addr[1], t.addr[2], t.addr[3] = (
                10,
                (n >> 16) & 0xFF,
                (n >> 8) & 0xFF,
                n & 0xFF,
            )
            if family == 6:
                t.addr[0] = 0x20
            assert bind(handle, t, 1 + i % 200, None) == ms.Status.OK
        assert core.count() == MILLION
        grown = core.memory_bytes()
        assert grown > empty
        print(f"\n1M entries: {grown - empty} bytes, {(grown - empty) / MILLION:.1f} B/entry")
        for _ in range(2000):
            i = rng.randrange(MILLION)
            family = 4 if i % 2 == 0 else 6
            n = i // 4
            first = 10 if family == 4 else 0x20
            addr = bytes([first, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF])
            probe = ms.raw_tuple(family, 17 if i % 4 < 2 else 6, 1 + (i % 50000), addr)
            assert core.lookup(probe) == 1 + i % 200
        # Misses: a port nobody holds, another address.
        assert core.lookup(ms.raw_tuple(4, 17, 60000, bytes([10, 0, 0, 0]))) is None
        assert core.lookup(ms.raw_tuple(4, 17, 1, bytes([11, 0, 0, 0]))) is None
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"the 1,000,000-entry test took {elapsed:.1f} s"
