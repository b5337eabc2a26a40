"""A small reader for pcap and pcapng capture files.

Only what classification needs: each packet's captured bytes and its link
type.  Both byte orders, microsecond and nanosecond pcap, the modified
(Kuznetzov) pcap record header, and pcapng sections with any number of
interfaces of different link types (SHB, IDB, EPB, SPB, OPB; other blocks are
skipped).  Anything that does not add up raises CaptureError with a sentence
that names the byte offset, so the command line can print it without a
traceback.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

# A record larger than this is a corrupt length field, not a packet.
MAX_RECORD = 64 * 1024 * 1024

_PCAP_MAGICS = {
    0xA1B2C3D4: (False, 16),  # microseconds
    0xA1B23C4D: (False, 16),  # nanoseconds
    0xA1B2CD34: (False, 24),  # modified pcap: 8 more bytes per record
}
_PCAPNG_SHB = 0x0A0D0D0A
_PCAPNG_BOM = 0x1A2B3C4D
_BLOCK_IDB = 1
_BLOCK_OPB = 2
_BLOCK_SPB = 3
_BLOCK_EPB = 6


class CaptureError(Exception):
    """The file is not a capture this reader understands, or is cut short."""


@dataclass(frozen=True)
class Packet:
    index: int  # 1-based position among the file's packets, as Wireshark numbers them
    linktype: int
    data: bytes
    wire_length: int


def open_capture(path: str) -> Iterator[Packet]:
    """Iterate over the packets of a pcap or pcapng file at `path`."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise CaptureError(f"cannot open {path}: {exc.strerror}") from exc
    with handle:
        yield from read_capture(handle)


def read_capture(stream: BinaryIO) -> Iterator[Packet]:
    """Iterate over the packets of a pcap or pcapng stream."""
    head = stream.read(4)
    if len(head) < 4:
        raise CaptureError("the file is too short to be a pcap or pcapng capture")
    (magic_le,) = struct.unpack("<I", head)
    (magic_be,) = struct.unpack(">I", head)
    if magic_le == _PCAPNG_SHB:
        yield from _PcapngReader(stream, head).packets()
        return
    for order, magic in (("<", magic_le), (">", magic_be)):
        if magic in _PCAP_MAGICS:
            yield from _read_pcap(stream, order, _PCAP_MAGICS[magic][1])
            return
    raise CaptureError(f"unknown file magic 0x{magic_be:08x}: not a pcap or pcapng capture")


def _read_exact(stream: BinaryIO, size: int, what: str, offset: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise CaptureError(
            f"the capture is truncated: {what} at byte offset {offset} needs {size} bytes, "
            f"{len(data)} remain"
        )
    return data


def _read_pcap(stream: BinaryIO, order: str, record_header: int) -> Iterator[Packet]:
    rest = _read_exact(stream, 20, "the pcap file header", 4)
    _major, _minor, _zone, _sigfigs, _snaplen, network = struct.unpack(order + "HHiIII", rest)
    # The upper bits of the link-type field carry FCS information, not the type.
    linktype = network & 0xFFFF
    offset = 24
    index = 0
    while True:
        header = stream.read(record_header)
        if not header:
            return
        if len(header) < record_header:
            raise CaptureError(
                f"the capture is truncated: record header at byte offset {offset} is "
                f"{len(header)} of {record_header} bytes"
            )
        _sec, _frac, incl_len, orig_len = struct.unpack(order + "IIII", header[:16])
        if incl_len > MAX_RECORD:
            raise CaptureError(
                f"the capture is corrupt: record at byte offset {offset} claims {incl_len} bytes"
            )
        data = _read_exact(stream, incl_len, "packet data", offset + record_header)
        index += 1
        yield Packet(index=index, linktype=linktype, data=data, wire_length=orig_len)
        offset += record_header + incl_len


@dataclass
class _Interface:
    linktype: int
    snaplen: int


class _PcapngReader:
    def __init__(self, stream: BinaryIO, head: bytes) -> None:
        self.stream = stream
        self.pending_head: bytes | None = head
        self.offset = 0
        self.order = "<"
        self.interfaces: list[_Interface] = []
        self.index = 0

    def _block(self) -> tuple[int, bytes] | None:
        """The next block's type and body (without type, lengths), or None at the end."""
        start = self.offset
        if self.pending_head is not None:
            head, self.pending_head = self.pending_head, None
        else:
            head = self.stream.read(4)
            if not head:
                return None
            if len(head) < 4:
                raise CaptureError(
                    f"the capture is truncated: block header at byte offset {start} is cut short"
                )
        raw_len = _read_exact(self.stream, 4, "a block length", start + 4)
        (block_type,) = struct.unpack(self.order + "I", head)
        if block_type == _PCAPNG_SHB:
            # A new section may change the byte order: its byte-order magic says.
            bom = _read_exact(self.stream, 4, "the section byte-order magic", start + 8)
            if struct.unpack("<I", bom)[0] == _PCAPNG_BOM:
                self.order = "<"
            elif struct.unpack(">I", bom)[0] == _PCAPNG_BOM:
                self.order = ">"
            else:
                raise CaptureError(
                    f"the capture is corrupt: section header at byte offset {start} has a bad "
                    "byte-order magic"
                )
            self.interfaces = []
            prefix = bom
        else:
            prefix = b""
        (total,) = struct.unpack(self.order + "I", raw_len)
        if total < 12 or total % 4 != 0 or total > MAX_RECORD:
            raise CaptureError(
                f"the capture is corrupt: block at byte offset {start} has length {total}"
            )
        if total < 12 + len(prefix):
            raise CaptureError(
                f"the capture is corrupt: section header at byte offset {start} is too short"
            )
        body_len = total - 12 - len(prefix)
        body = prefix + _read_exact(self.stream, body_len, "block data", start + 8 + len(prefix))
        trailer = _read_exact(self.stream, 4, "a block trailer", start + total - 4)
        if struct.unpack(self.order + "I", trailer)[0] != total:
            raise CaptureError(
                f"the capture is corrupt: block at byte offset {start} has mismatched lengths"
            )
        self.offset = start + total
        return block_type, body

    def _interface(self, interface_id: int, start: int) -> _Interface:
        if interface_id >= len(self.interfaces):
            raise CaptureError(
                f"the capture is corrupt: packet at byte offset {start} names interface "
                f"{interface_id}, but only {len(self.interfaces)} are described"
            )
        return self.interfaces[interface_id]

    def _need(self, body: bytes, size: int, start: int) -> None:
        if len(body) < size:
            raise CaptureError(
                f"the capture is corrupt: block at byte offset {start} is too short for its type"
            )

    def packets(self) -> Iterator[Packet]:
        while True:
            start = self.offset
            block = self._block()
            if block is None:
                return
            block_type, body = block
            if block_type == _BLOCK_IDB:
                self._need(body, 8, start)
                linktype, _reserved, snaplen = struct.unpack(self.order + "HHI", body[:8])
                self.interfaces.append(_Interface(linktype, snaplen))
            elif block_type == _BLOCK_EPB:
                self._need(body, 20, start)
                iface, _hi, _lo, cap, wire = struct.unpack(self.order + "IIIII", body[:20])
                yield self._packet(body, 20, cap, wire, self._interface(iface, start), start)
            elif block_type == _BLOCK_OPB:
                self._need(body, 20, start)
                iface, _drops, _hi, _lo, cap, wire = struct.unpack(self.order + "HHIIII", body[:20])
                yield self._packet(body, 20, cap, wire, self._interface(iface, start), start)
            elif block_type == _BLOCK_SPB:
                self._need(body, 4, start)
                (wire,) = struct.unpack(self.order + "I", body[:4])
                interface = self._interface(0, start)
                # A simple packet block holds min(original length, snaplen) bytes.
                cap = wire if interface.snaplen == 0 else min(wire, interface.snaplen)
                cap = min(cap, len(body) - 4)
                yield self._packet(body, 4, cap, wire, interface, start)

    def _packet(
        self, body: bytes, at: int, cap: int, wire: int, interface: _Interface, start: int
    ) -> Packet:
        if at + cap > len(body):
            raise CaptureError(
                f"the capture is corrupt: packet at byte offset {start} claims {cap} bytes, "
                f"its block holds {len(body) - at}"
            )
        self.index += 1
        return Packet(
            index=self.index,
            linktype=interface.linktype,
            data=body[at : at + cap],
            wire_length=wire,
        )
