"""struct ms_req of common/include/multistack/ms_uapi.h, mirrored with ctypes.

The request fills the 256 data bytes of netmap's nm_ifreq.  tests/python
checks this layout against the C header compiled by the system compiler, so a
change on either side that moves a field fails there, not in a kernel.
"""

from __future__ import annotations

import ctypes
import enum

MS_REQ_MAGIC = 0x4D53
MS_REQ_VERSION = 1
MS_REQ_SIZE = 256
MS_REQ_FD_SEARCH = -1

MS_QUERY_FOUND = 0x1
MS_QUERY_MINE = 0x2
MS_QUERY_WILDCARD = 0x4

# Bytes before `reserved`: everything the header names explicitly.
_NAMED_BYTES = 72


class Cmd(enum.IntEnum):
    """enum ms_req_cmd."""

    BIND = 1
    UNBIND = 2
    QUERY = 3


class MsReq(ctypes.Structure):
    """struct ms_req: host byte order except addr (network order)."""

    _fields_ = (
        ("magic", ctypes.c_uint16),
        ("version", ctypes.c_uint8),
        ("cmd", ctypes.c_uint8),
        ("family", ctypes.c_uint8),
        ("proto", ctypes.c_uint8),
        ("port", ctypes.c_uint16),
        ("fd", ctypes.c_int32),
        ("flags", ctypes.c_uint32),
        ("addr", ctypes.c_uint8 * 16),
        ("out_flags", ctypes.c_uint32),
        ("out_owner_pid", ctypes.c_uint32),
        ("out_packets", ctypes.c_uint64),
        ("out_bytes", ctypes.c_uint64),
        ("out_owner_port", ctypes.c_char * 16),
        ("reserved", ctypes.c_uint8 * (MS_REQ_SIZE - _NAMED_BYTES)),
    )


def new_request(cmd: Cmd, family: int, proto: int, port: int, addr: bytes, fd: int) -> MsReq:
    """A zeroed request with the header fields and the tuple filled in."""
    if len(addr) > 16:
        raise ValueError("an address has at most 16 bytes")
    req = MsReq()
    req.magic = MS_REQ_MAGIC
    req.version = MS_REQ_VERSION
    req.cmd = int(cmd)
    req.family = family
    req.proto = proto
    req.port = port
    req.fd = fd
    req.addr[: len(addr)] = list(addr)
    return req
