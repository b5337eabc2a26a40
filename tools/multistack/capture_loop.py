"""ctypes binding to ms_capture.h: libpcap reads a capture and the core decides, in C.

Python pays its per-call cost once per batch of thousands of packets; the
records of kept packets come back as one byte buffer that `records()` walks
with struct, much faster than touching ctypes fields one by one.
"""

from __future__ import annotations

import ctypes
import enum
import struct
from dataclasses import dataclass
from typing import Any

from multistack.core import Core, Direction, Library

Row = tuple[Any, ...]  # one unpacked struct ms_cap_record
SKIP_SLOTS = 8  # MS_CAP_SKIP_SLOTS
NO_HOST_PORT = 1  # MS_CAP_NO_HOST_PORT
MAX_OWNERS = 256  # MS_MAX_OWNERS
TEXT_PER_RECORD = 512  # more than the longest line ms_cap_format writes
_ERR_LEN = 512

# struct ms_cap_record, field by field (natural alignment, no padding: 72 bytes).
_RECORD = struct.Struct("=QqIIBBHBBBxHHHH16s16s")


class Shape(enum.IntEnum):
    """enum ms_cap_shape: what a record's address fields describe."""

    NONE = 0
    L2 = 1
    ARP = 2
    IP = 3
    PORTS = 4


class Result(enum.IntEnum):
    MORE = 1
    END = 0
    ERROR = -1


class _Select(ctypes.Structure):
    _fields_ = (
        ("verdicts", ctypes.c_uint32),
        ("owner", ctypes.c_uint16),
        ("has_owner", ctypes.c_uint8),
        ("reserved", ctypes.c_uint8),
        ("tuples", ctypes.c_void_p),
        ("tuples_owner", ctypes.c_uint16),
    )


class _Totals(ctypes.Structure):
    _fields_ = (
        ("read", ctypes.c_uint64),
        ("classified", ctypes.c_uint64),
        ("kept", ctypes.c_uint64),
        ("offset", ctypes.c_uint64),
        ("skip_linktype", ctypes.c_uint32 * SKIP_SLOTS),
        ("skip_count", ctypes.c_uint64 * SKIP_SLOTS),
        ("skip_other", ctypes.c_uint64),
    )


class CaptureError(Exception):
    """The capture cannot be opened or is damaged; the message is one sentence."""


@dataclass(frozen=True)
class Record:
    index: int
    sec: int
    nsec: int
    length: int
    verdict: int
    reason: int
    owner: int
    shape: Shape
    family: int
    proto: int
    sport: int
    dport: int
    ethertype: int
    linktype: int
    saddr: bytes
    daddr: bytes


@dataclass
class Selection:
    """Which packets come back: verdict numbers, a port's owner id, a core of tuples."""

    verdicts: frozenset[int] = frozenset()
    owner: int | None = None
    tuples: Core | None = None
    tuples_owner: int = 1


_declared: set[int] = set()


def _declare(lib: Library) -> None:
    """Give the ms_cap_* functions their C signatures, once per loaded library."""
    dll = lib.dll
    if id(dll) in _declared:
        return
    dll.ms_cap_open_fd.restype = ctypes.c_void_p
    dll.ms_cap_open_fd.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
    dll.ms_cap_close.restype = None
    dll.ms_cap_close.argtypes = [ctypes.c_void_p]
    dll.ms_cap_run.restype = ctypes.c_int
    dll.ms_cap_run.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_uint,
        ctypes.c_uint16,
        ctypes.c_uint,
        ctypes.POINTER(_Select),
        ctypes.c_uint64,
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.POINTER(ctypes.c_uint32),
        ctypes.POINTER(_Totals),
        ctypes.c_char_p,
        ctypes.c_size_t,
    ]
    dll.ms_cap_format.restype = ctypes.c_size_t
    dll.ms_cap_format.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.POINTER(ctypes.c_uint32),
    ]
    _declared.add(id(dll))


class CaptureRun:
    """One capture file descriptor run through one core, batch by batch."""

    def __init__(self, lib: Library, fd: int, batch: int = 4096) -> None:
        _declare(lib)
        self._dll = lib.dll
        err = ctypes.create_string_buffer(_ERR_LEN)
        handle = self._dll.ms_cap_open_fd(fd, err, _ERR_LEN)
        if not handle:
            raise CaptureError(
                f"not a capture libpcap can read: {err.value.decode(errors='replace')}"
            )
        self._handle: int | None = handle
        self._batch = batch
        self._out = ctypes.create_string_buffer(_RECORD.size * batch)
        self._count = ctypes.c_uint32()
        self._totals = _Totals()
        self._err = err
        self._kept_now = 0
        self._text = ctypes.create_string_buffer(TEXT_PER_RECORD * batch)
        self._names: ctypes.Array[ctypes.c_char_p] = (ctypes.c_char_p * MAX_OWNERS)()
        self._names_for: dict[int, str] | None = None

    def close(self) -> None:
        if self._handle is not None:
            self._dll.ms_cap_close(self._handle)
            self._handle = None

    def __enter__(self) -> CaptureRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def read(self) -> int:
        return int(self._totals.read)

    @property
    def classified(self) -> int:
        return int(self._totals.classified)

    @property
    def kept(self) -> int:
        return int(self._totals.kept)

    @property
    def offset(self) -> int:
        return int(self._totals.offset)

    def skipped(self) -> dict[int | None, int]:
        """Packets of unsupported link types by link type (None: more types than slots)."""
        found: dict[int | None, int] = {
            int(self._totals.skip_linktype[i]): int(self._totals.skip_count[i])
            for i in range(SKIP_SLOTS)
            if self._totals.skip_count[i]
        }
        if self._totals.skip_other:
            found[None] = int(self._totals.skip_other)
        return found

    def run(
        self,
        core: Core,
        direction: Direction,
        owner: int,
        no_host_port: bool,
        selection: Selection,
        budget: int,
        limit: int | None,
    ) -> tuple[Result, int]:
        """One batch: at most `budget` packets read, at most `limit` kept ones stored.

        Returns how many were stored, for rows() or text(); with `limit` None, kept packets
        are only counted (the `kept` total).
        """
        if self._handle is None:
            raise ValueError("the capture is closed")
        select = _Select()
        for verdict in selection.verdicts:
            select.verdicts |= 1 << verdict
        if selection.owner is not None:
            select.has_owner = 1
            select.owner = selection.owner
        if selection.tuples is not None:
            select.tuples = selection.tuples.handle.value
            select.tuples_owner = selection.tuples_owner
        result = Result(
            self._dll.ms_cap_run(
                self._handle,
                core.handle,
                int(direction),
                owner,
                NO_HOST_PORT if no_host_port else 0,
                ctypes.byref(select),
                budget,
                None if limit is None else self._out,
                0 if limit is None else min(limit, self._batch),
                ctypes.byref(self._count),
                ctypes.byref(self._totals),
                self._err,
                _ERR_LEN,
            )
        )
        self._kept_now = self._count.value
        return result, self._kept_now

    def rows(self) -> list[Row]:
        """The records the last run() kept, unpacked."""
        return list(_RECORD.iter_unpack(memoryview(self._out)[: self._kept_now * _RECORD.size]))

    def text(self, port_names: dict[int, str]) -> str:
        """The records the last run() kept as classify's text lines, formatted in C."""
        return self.text_bytes(port_names).decode()

    def text_bytes(self, port_names: dict[int, str]) -> bytes:
        """text() as the ASCII bytes C wrote, for a binary stream."""
        if self._names_for is not port_names:
            names = (ctypes.c_char_p * MAX_OWNERS)()
            for owner, name in port_names.items():
                if 0 <= owner < MAX_OWNERS:
                    names[owner] = name.encode()
            self._names = names
            self._names_for = port_names
        done = ctypes.c_uint32()
        size = self._dll.ms_cap_format(
            self._out, self._kept_now, self._names, self._text, len(self._text),
            ctypes.byref(done),
        )  # fmt: skip
        if done.value != self._kept_now:
            raise RuntimeError("ms_cap_format: a line did not fit its buffer")
        return ctypes.string_at(self._text, size)

    def error(self) -> str:
        return self._err.value.decode(errors="replace")


def as_record(row: Row) -> Record:
    """A raw row of run() as a Record (for tests and slow paths)."""
    (idx, sec, nsec, length, verdict, reason, owner, shape, family, proto) = row[:10]
    sport, dport, ethertype, linktype, saddr, daddr = row[10:]
    return Record(
        idx, sec, nsec, length, verdict, reason, owner, Shape(shape), family, proto,
        sport, dport, ethertype, linktype, saddr, daddr,
    )  # fmt: skip
