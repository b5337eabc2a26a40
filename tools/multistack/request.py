"""Send BIND, UNBIND and QUERY to the multistack module: the Python twin of ms_app.h.

    with open("/dev/netmap", "rb+", buffering=0) as nm:   # holds all rings of "valem:vp0"
        tup = bind(nm.fileno(), "valem:vp0", sock)          # sock now belongs to the kernel
        ...
        unbind(nm.fileno(), "valem:vp0", tup)

Errors raise `RequestError`, whose message says what the errno means for a request.
"""

from __future__ import annotations

import errno
import fcntl
import ipaddress
import os
import socket
from dataclasses import dataclass

from multistack.uapi import (
    MS_QUERY_FOUND,
    MS_QUERY_MINE,
    MS_QUERY_WILDCARD,
    MS_REQ_FD_SEARCH,
    MS_REQ_SIZE,
    Cmd,
    MsReq,
    new_request,
)

IFNAMSIZ = 16


def _iowr(group: str, number: int, size: int) -> int:
    """Linux's _IOWR(group, number, size)."""
    read_write = 3
    return (read_write << 30) | (size << 16) | (ord(group) << 8) | number


NIOCCONFIG = _iowr("i", 150, IFNAMSIZ + MS_REQ_SIZE)

_MEANING = {
    errno.EPERM: "not allowed: the process holds no suitable socket bound to that tuple in the "
    "switch's network namespace, or does not hold all rings of that port exclusively (open it "
    'with NR_EXCLUSIVE, e.g. "valem:vp0/x")',
    errno.EADDRNOTAVAIL: "the address is not one of this host's: only local addresses can be "
    "registered",
    errno.EBUSY: "the socket has other descriptors (dup, fork, in flight): the kernel must get "
    "the only one",
    errno.ENOSPC: "the registration limit of the switch or of this port is reached",
    errno.EADDRINUSE: "another port has registered that tuple",
    errno.EEXIST: "this port has already registered that tuple",
    errno.ENOENT: "that tuple is not registered",
    errno.EINVAL: "malformed request, port 0 or unbound socket, or no multistack module on that "
    "switch",
    errno.ENAMETOOLONG: "port name longer than 15 characters",
    errno.EAFNOSUPPORT: "the socket is neither IPv4 nor IPv6",
    errno.ENOMEM: "the module is out of memory",
    errno.ENOTTY: "the fd is not a netmap fd",
}


class RequestError(OSError):
    """A request the module (or this helper) refused; `errno` holds the code."""


def strerror(code: int) -> str:
    """What an errno means for a MultiStack request (ms_app_strerror())."""
    return _MEANING.get(code, os.strerror(code))


def _fail(code: int, what: str) -> RequestError:
    return RequestError(code, f"{what}: {strerror(code)}")


def send(netmap_fd: int, port: str, req: MsReq) -> MsReq:
    """Send req for the caller's port on netmap_fd; returns the request as the module left it."""
    name = port.encode()
    if len(name) >= IFNAMSIZ:
        raise _fail(errno.ENAMETOOLONG, port)
    buf = bytearray(name.ljust(IFNAMSIZ, b"\0") + bytes(req))
    try:
        fcntl.ioctl(netmap_fd, NIOCCONFIG, buf, True)
    except OSError as err:
        raise _fail(err.errno or errno.EIO, f"{Cmd(req.cmd).name} on {port}") from None
    return MsReq.from_buffer_copy(bytes(buf[IFNAMSIZ:]))


@dataclass(frozen=True)
class Tuple:
    """family 4 or 6, IP protocol number, local port, local address (packed, network order)."""

    family: int
    proto: int
    port: int
    addr: bytes


def tuple_of_socket(sock: socket.socket) -> Tuple:
    """The tuple a bound socket holds, as the module will check it."""
    if sock.family == socket.AF_INET:
        host, port = sock.getsockname()[:2]
        family, addr = 4, socket.inet_pton(socket.AF_INET, host)
    elif sock.family == socket.AF_INET6:
        host, port = sock.getsockname()[:2]
        family, addr = 6, socket.inet_pton(socket.AF_INET6, host.split("%")[0])
    else:
        raise _fail(errno.EAFNOSUPPORT, "socket")
    if port == 0:
        raise _fail(errno.EINVAL, "socket is not bound")
    proto = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL)
    return Tuple(family=family, proto=proto, port=port, addr=addr)


def request_for(cmd: Cmd, tup: Tuple, fd: int = MS_REQ_FD_SEARCH) -> MsReq:
    """A request of cmd for tup; fd names the bound socket, or lets the module search."""
    return new_request(cmd, tup.family, tup.proto, tup.port, tup.addr, fd)


def bind(netmap_fd: int, port: str, sock: socket.socket) -> Tuple:
    """Register the tuple sock is bound to for the caller's port, handing sock to the kernel.

    On success the kernel has closed sock's descriptor, so the socket object is detached
    (it must not close that number again); the tuple is returned for unbind() and query().
    """
    tup = tuple_of_socket(sock)
    send(netmap_fd, port, request_for(Cmd.BIND, tup, sock.fileno()))
    sock.detach()
    return tup


def unbind(netmap_fd: int, port: str, tup: Tuple) -> None:
    """Remove that registration; the kernel closes the socket it held and frees its port."""
    send(netmap_fd, port, request_for(Cmd.UNBIND, tup))


@dataclass(frozen=True)
class QueryResult:
    """What MS_CMD_QUERY reports about a tuple."""

    found: bool
    mine: bool
    wildcard: bool
    owner_pid: int
    owner_port: str
    packets: int
    bytes: int


def query(netmap_fd: int, port: str, tup: Tuple) -> QueryResult:
    """Who holds tup (exact, else through a wildcard entry), and its counters."""
    out = send(netmap_fd, port, request_for(Cmd.QUERY, tup))
    return QueryResult(
        found=bool(out.out_flags & MS_QUERY_FOUND),
        mine=bool(out.out_flags & MS_QUERY_MINE),
        wildcard=bool(out.out_flags & MS_QUERY_WILDCARD),
        owner_pid=out.out_owner_pid,
        owner_port=out.out_owner_port.decode(errors="replace"),
        packets=out.out_packets,
        bytes=out.out_bytes,
    )


def parse_tuple(proto: str, addr: str, port: int) -> Tuple:
    """`("udp", "10.0.0.2", 53)` -> Tuple; addr "*" or "" is the IPv4 wildcard, "::" the IPv6."""
    numbers = {"tcp": 6, "udp": 17, "dccp": 33, "sctp": 132, "udplite": 136}
    if proto not in numbers:
        raise ValueError(f"unknown protocol {proto!r}")
    ip = ipaddress.ip_address(addr if addr not in ("", "*") else "0.0.0.0")
    family = 4 if ip.version == 4 else 6
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range")
    return Tuple(family=family, proto=numbers[proto], port=port, addr=ip.packed)
