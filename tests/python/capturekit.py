"""Capture files written byte by byte, so the reader is tested against the formats, not itself."""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def pcap_dir() -> Path:
    """The shared captures: $MULTISTACK_PCAPS, else ../shared/pcaps beside the checkout."""
    env = os.environ.get("MULTISTACK_PCAPS")
    base = Path(env) if env else REPO.parent / "shared" / "pcaps"
    return base / "tcpdump" if (base / "tcpdump").is_dir() else base


def pcap(
    packets: Sequence[bytes],
    linktype: int = 1,
    order: str = "<",
    nanoseconds: bool = False,
    modified: bool = False,
    snaplen: int = 65535,
) -> bytes:
    magic = 0xA1B2CD34 if modified else 0xA1B23C4D if nanoseconds else 0xA1B2C3D4
    out = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for i, data in enumerate(packets):
        out += struct.pack(order + "IIII", 1700000000 + i, 500, len(data), len(data))
        if modified:
            out += struct.pack(order + "IHBB", 3, 0x0800, 0, 0)
        out += data
    return out


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def block(block_type: int, body: bytes, order: str = "<") -> bytes:
    body = _pad(body)
    total = 12 + len(body)
    return struct.pack(order + "II", block_type, total) + body + struct.pack(order + "I", total)


def shb(order: str = "<") -> bytes:
    # Byte-order magic, version 1.0, section length unknown (-1), then an empty option list.
    body = struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
    return block(0x0A0D0D0A, body, order)


def idb(linktype: int, order: str = "<", snaplen: int = 0) -> bytes:
    return block(1, struct.pack(order + "HHI", linktype, 0, snaplen), order)


def epb(interface: int, data: bytes, order: str = "<") -> bytes:
    head = struct.pack(order + "IIIII", interface, 0, 0, len(data), len(data) + 4)
    return block(6, head + data, order)


def opb(interface: int, data: bytes, order: str = "<") -> bytes:
    head = struct.pack(order + "HHIIII", interface, 0, 0, 0, len(data), len(data))
    return block(2, head + data, order)


def spb(data: bytes, order: str = "<") -> bytes:
    return block(3, struct.pack(order + "I", len(data)) + data, order)


def nrb(order: str = "<") -> bytes:
    """A name resolution block holding only its end marker: readers skip it."""
    return block(4, struct.pack(order + "HH", 0, 0), order)
