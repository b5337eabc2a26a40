"""A thin ctypes binding to the MultiStack classifier core (libmultistack_core).

Why ctypes rather than cffi or an extension module: there is no compile step
in the Python tools, so `multistack classify` and the test suites load the very
same shared object that meson builds and the C unit tests exercise; and the
ASan/UBSan build of that object can be loaded into an unmodified interpreter
by preloading the sanitizer runtime (LD_PRELOAD), which a compiled extension
would make harder.

The binding mirrors common/include/multistack/ms_core.h one function for one
function.  Verdict and reason names are read from the library at import
(ms_verdict_name/ms_reason_name), so this file holds no copy of the reason
numbering; only the numbers the header spells out (families, protocols,
directions, status codes) appear here.
"""

from __future__ import annotations

import ctypes
import enum
import ipaddress
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

ENV_LIBRARY = "MULTISTACK_CORE_LIB"
REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_FLAVOURS = {"user": "build/user/lib", "asan": "build/asan/lib"}
LIBRARY_FILE = "libmultistack_core.so"

FAMILY_INET = 4
FAMILY_INET6 = 6


class Proto(enum.IntEnum):
    """Transport protocols that carry ports (enum ms_proto)."""

    TCP = 6
    UDP = 17
    DCCP = 33
    SCTP = 132
    UDPLITE = 136


class Direction(enum.IntEnum):
    """enum ms_direction."""

    INGRESS = 0
    EGRESS = 1


class Status(enum.IntEnum):
    """enum ms_status: what a writer returns."""

    OK = 0
    INVAL = 1
    NOMEM = 2
    INUSE = 3
    EXISTS = 4
    NOENT = 5
    PERM = 6


class CoreUnavailable(RuntimeError):
    """The shared library could not be found or loaded."""


class MsTuple(ctypes.Structure):
    """struct ms_tuple: port in host order, addr in network order."""

    _fields_ = (
        ("family", ctypes.c_uint8),
        ("proto", ctypes.c_uint8),
        ("port", ctypes.c_uint16),
        ("addr", ctypes.c_uint8 * 16),
    )


class MsDecision(ctypes.Structure):
    """struct ms_decision: four bytes returned by value."""

    _fields_ = (
        ("verdict", ctypes.c_uint8),
        ("reason", ctypes.c_uint8),
        ("owner", ctypes.c_uint16),
    )


class MsRegistration(ctypes.Structure):
    """struct ms_registration."""

    _fields_ = (
        ("tuple", MsTuple),
        ("owner", ctypes.c_uint16),
        ("packets", ctypes.c_uint64),
        ("bytes", ctypes.c_uint64),
        ("cookie", ctypes.c_void_p),
    )


_ReleaseFn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
_VisitFn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(MsRegistration), ctypes.c_void_p)
_FramePtr = ctypes.POINTER(ctypes.c_uint8)
_MacPtr = ctypes.POINTER(ctypes.c_uint8 * 6)
MAC_LEN = 6


def installed_library() -> Path | None:
    """The library `meson install` put beside this package (multistack-tools), if it did.

    meson writes multistack/installed.py only into an installation, so a checkout never has it
    and keeps using its own build."""
    try:
        from multistack import installed  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    return Path(installed.CORE_LIBRARY)


def library_path(flavour: str = "user") -> Path:
    """Where the core library is: $MULTISTACK_CORE_LIB, else the installed one, else the meson
    build of `flavour` in this checkout."""
    override = os.environ.get(ENV_LIBRARY)
    if override:
        return Path(override)
    if flavour not in BUILD_FLAVOURS:
        raise ValueError(f"unknown build flavour {flavour!r}")
    installed = installed_library() if flavour == "user" else None
    return installed or REPO_ROOT / BUILD_FLAVOURS[flavour] / LIBRARY_FILE


def _declare(lib: ctypes.CDLL) -> None:
    """Give every function its C signature, so ctypes never guesses int."""
    core_p = ctypes.c_void_p
    tuple_p = ctypes.POINTER(MsTuple)
    table: dict[str, tuple[object, list[object]]] = {
        "ms_core_create": (ctypes.c_int, [ctypes.POINTER(ctypes.c_void_p)]),
        "ms_core_destroy": (None, [core_p, _ReleaseFn, ctypes.c_void_p]),
        "ms_bind": (ctypes.c_int, [core_p, tuple_p, ctypes.c_uint16, ctypes.c_void_p]),
        "ms_unbind": (
            ctypes.c_int,
            [core_p, tuple_p, ctypes.c_uint16, ctypes.POINTER(ctypes.c_void_p)],
        ),
        "ms_unbind_owner": (
            ctypes.c_uint32,
            [core_p, ctypes.c_uint16, _ReleaseFn, ctypes.c_void_p],
        ),
        "ms_foreach": (None, [core_p, _VisitFn, ctypes.c_void_p]),
        "ms_count": (ctypes.c_uint32, [core_p]),
        "ms_memory_bytes": (ctypes.c_size_t, [core_p]),
        "ms_ingress": (MsDecision, [core_p, _FramePtr, ctypes.c_uint32]),
        "ms_egress": (MsDecision, [core_p, _FramePtr, ctypes.c_uint32, ctypes.c_uint16]),
        "ms_ingress_batch": (
            None,
            [
                core_p,
                ctypes.POINTER(_FramePtr),
                ctypes.POINTER(ctypes.c_uint32),
                ctypes.c_uint32,
                ctypes.POINTER(MsDecision),
            ],
        ),
        "ms_egress_batch": (
            None,
            [
                core_p,
                ctypes.POINTER(_FramePtr),
                ctypes.POINTER(ctypes.c_uint32),
                ctypes.c_uint32,
                ctypes.c_uint16,
                ctypes.POINTER(MsDecision),
            ],
        ),
        "ms_lookup": (ctypes.c_int, [core_p, tuple_p]),
        "ms_query": (ctypes.c_int, [core_p, tuple_p, ctypes.POINTER(MsRegistration)]),
        "ms_stats_read": (None, [core_p, ctypes.c_void_p]),
        "ms_verdict_name": (ctypes.c_char_p, [ctypes.c_uint]),
        "ms_reason_name": (ctypes.c_char_p, [ctypes.c_uint]),
        "ms_reason_verdict": (ctypes.c_int, [ctypes.c_uint, ctypes.c_int]),
        "ms_tuple_valid": (ctypes.c_bool, [tuple_p]),
        "ms_core_set_nic_mac": (None, [core_p, _MacPtr]),
        "ms_core_clear_nic_mac": (None, [core_p]),
        "ms_core_nic_mac": (ctypes.c_bool, [core_p, _MacPtr]),
        "ms_core_count": (None, [core_p, ctypes.c_int, ctypes.c_int]),
        "ms_core_override": (MsDecision, [core_p, ctypes.c_int, MsDecision, ctypes.c_int]),
    }
    for name, (restype, argtypes) in table.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    quiesce = getattr(lib, "ms_user_quiesce", None)
    if quiesce is not None:
        quiesce.restype = None
        quiesce.argtypes = []


def _names(fn: Callable[[int], bytes | None]) -> tuple[str, ...]:
    """Read an enum's names until the library answers "?" (out of range)."""
    names: list[str] = []
    while len(names) < 256:
        raw = fn(len(names))
        name = raw.decode() if raw else "?"
        if name == "?":
            break
        names.append(name)
    return tuple(names)


class Library:
    """The loaded shared object, its verdict and reason names, and the libc allocator."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise CoreUnavailable(
                f"the core library {path} does not exist "
                f"(build it with `meson setup build/user && ninja -C build/user`, "
                f"or point {ENV_LIBRARY} at it)"
            )
        try:
            self.dll = ctypes.CDLL(str(path))
            _declare(self.dll)
        except (OSError, AttributeError) as exc:
            raise CoreUnavailable(f"cannot load the core library {path}: {exc}") from exc
        self.verdicts = _names(self.dll.ms_verdict_name)
        self.reasons = _names(self.dll.ms_reason_name)
        self.verdict_number = {name: i for i, name in enumerate(self.verdicts)}
        self.reason_number = {name: i for i, name in enumerate(self.reasons)}
        # The global namespace, not libc's own handle: under a preloaded ASan
        # runtime, "malloc" there is ASan's, which puts redzones around frames.
        self._libc = ctypes.CDLL(None)
        self._libc.malloc.restype = ctypes.c_void_p
        self._libc.malloc.argtypes = [ctypes.c_size_t]
        self._libc.free.restype = None
        self._libc.free.argtypes = [ctypes.c_void_p]

    def verdict_name(self, verdict: int) -> str:
        raw: bytes = self.dll.ms_verdict_name(verdict)
        return raw.decode()

    def reason_name(self, reason: int) -> str:
        raw: bytes = self.dll.ms_reason_name(reason)
        return raw.decode()

    def reason_verdict(self, reason: str | int, direction: Direction) -> str:
        """The verdict a reason leads to in a direction (ms_reason_verdict), by name."""
        number = self.reason_number[reason] if isinstance(reason, str) else reason
        return self.verdict_name(self.dll.ms_reason_verdict(number, int(direction)))

    def tuple_valid(self, tup: MsTuple) -> bool:
        return bool(self.dll.ms_tuple_valid(ctypes.byref(tup)))

    def quiesce(self) -> None:
        """Run the userspace host's pending deferred frees (ms_user_quiesce), if it has one."""
        quiesce = getattr(self.dll, "ms_user_quiesce", None)
        if quiesce is not None:
            quiesce()

    def copy_frame(self, frame: bytes) -> int:
        """A malloc'd copy of exactly len(frame) bytes.

        Frames go to the core in their own heap block of their exact size,
        not inside a Python object, so that under ASan one byte read past a
        frame lands in a redzone and is reported.
        """
        ptr: int | None = self._libc.malloc(max(len(frame), 1))
        if not ptr:
            raise MemoryError("malloc failed for a frame copy")
        ctypes.memmove(ptr, frame, len(frame))
        return ptr

    def free(self, ptr: int) -> None:
        self._libc.free(ptr)


_loaded: dict[Path, Library] = {}


def load(path: Path | None = None) -> Library:
    """Load (once per path) the core library; raises CoreUnavailable with a sentence."""
    resolved = path if path is not None else library_path()
    lib = _loaded.get(resolved)
    if lib is None:
        lib = Library(resolved)
        _loaded[resolved] = lib
    return lib


def make_tuple(
    proto: int, addr: str | ipaddress.IPv4Address | ipaddress.IPv6Address, port: int
) -> MsTuple:
    """An ms_tuple for `proto` on `addr`:`port`; 0.0.0.0 and :: are the wildcards."""
    ip = ipaddress.ip_address(addr) if isinstance(addr, str) else addr
    family = FAMILY_INET if ip.version == 4 else FAMILY_INET6
    return raw_tuple(family, proto, port, ip.packed)


def raw_tuple(family: int, proto: int, port: int, addr: bytes) -> MsTuple:
    """An ms_tuple with fields exactly as given (for invalid ones too); addr is zero-padded."""
    if len(addr) > 16:
        raise ValueError("an address has at most 16 bytes")
    tup = MsTuple()
    tup.family = family
    tup.proto = proto
    tup.port = port
    tup.addr[: len(addr)] = list(addr)
    return tup


def parse_mac(text: str) -> bytes:
    """Six bytes from an Ethernet address written aa:bb:cc:dd:ee:ff (or with '-')."""
    parts = text.replace("-", ":").split(":")
    if len(parts) != MAC_LEN or not all(
        len(p) == 2 and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts
    ):
        raise ValueError(f"{text!r} is not an Ethernet address like 02:00:00:00:00:01")
    return bytes(int(p, 16) for p in parts)


def format_mac(mac: bytes) -> str:
    return ":".join(f"{b:02x}" for b in mac)


def tuple_address(tup: MsTuple) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    raw = bytes(tup.addr)
    if tup.family == FAMILY_INET:
        return ipaddress.IPv4Address(raw[:4])
    return ipaddress.IPv6Address(raw)


@dataclass(frozen=True)
class Decision:
    """One decision with its verdict and reason by name."""

    verdict: str
    reason: str
    owner: int


@dataclass(frozen=True)
class Registration:
    family: int
    proto: int
    port: int
    addr: ipaddress.IPv4Address | ipaddress.IPv6Address
    owner: int
    packets: int
    bytes: int


def _registration(reg: MsRegistration) -> Registration:
    tup = reg.tuple
    return Registration(
        family=tup.family,
        proto=tup.proto,
        port=tup.port,
        addr=tuple_address(tup),
        owner=reg.owner,
        packets=reg.packets,
        bytes=reg.bytes,
    )


class Core:
    """One struct ms_core: a tuple table, a fragment table and counters."""

    def __init__(self, lib: Library | None = None) -> None:
        self.lib = lib if lib is not None else load()
        self._dll = self.lib.dll
        handle = ctypes.c_void_p()
        status = Status(self._dll.ms_core_create(ctypes.byref(handle)))
        if status is not Status.OK or not handle.value:
            raise MemoryError(f"ms_core_create failed: {status.name}")
        self._handle: ctypes.c_void_p | None = handle
        n_stats = len(Direction) * len(self.lib.reasons)
        self._stats_type = ctypes.c_uint64 * n_stats

    def __enter__(self) -> Core:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._handle is not None:
            self._dll.ms_core_destroy(self._handle, _ReleaseFn(), None)
            self._handle = None
            self.lib.quiesce()

    @property
    def handle(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise ValueError("the core is closed")
        return self._handle

    def _decision(self, raw: MsDecision) -> Decision:
        return Decision(
            verdict=self.lib.verdict_name(raw.verdict),
            reason=self.lib.reason_name(raw.reason),
            owner=raw.owner,
        )

    # Writers.
    def bind(self, tup: MsTuple, owner: int) -> Status:
        return Status(self._dll.ms_bind(self.handle, ctypes.byref(tup), owner, None))

    def unbind(self, tup: MsTuple, owner: int) -> Status:
        cookie = ctypes.c_void_p()
        return Status(
            self._dll.ms_unbind(self.handle, ctypes.byref(tup), owner, ctypes.byref(cookie))
        )

    def unbind_owner(self, owner: int) -> int:
        count: int = self._dll.ms_unbind_owner(self.handle, owner, _ReleaseFn(), None)
        return count

    def registrations(self) -> list[Registration]:
        found: list[Registration] = []

        def visit(reg: ctypes._Pointer[MsRegistration], _arg: int | None) -> int:
            found.append(_registration(reg.contents))
            return 0

        self._dll.ms_foreach(self.handle, _VisitFn(visit), None)
        return found

    def count(self) -> int:
        count: int = self._dll.ms_count(self.handle)
        return count

    def set_nic_mac(self, mac: bytes | str) -> None:
        """The NIC's Ethernet address: frames from stacks must carry it (ms_core_set_nic_mac)."""
        raw = parse_mac(mac) if isinstance(mac, str) else mac
        if len(raw) != MAC_LEN:
            raise ValueError("an Ethernet address has 6 bytes")
        self._dll.ms_core_set_nic_mac(self.handle, (ctypes.c_uint8 * MAC_LEN)(*raw))

    def clear_nic_mac(self) -> None:
        """No NIC: every frame from a stack is dropped (ms_core_clear_nic_mac)."""
        self._dll.ms_core_clear_nic_mac(self.handle)

    def nic_mac(self) -> bytes | None:
        """The NIC's address if one is set (ms_core_nic_mac)."""
        out = (ctypes.c_uint8 * MAC_LEN)()
        if not self._dll.ms_core_nic_mac(self.handle, out):
            return None
        return bytes(out)

    def count_reason(self, direction: Direction, reason: str) -> None:
        """Count one frame the glue disposed of itself (ms_core_count)."""
        self._dll.ms_core_count(self.handle, int(direction), self.lib.reason_number[reason])

    def override(self, direction: Direction, decided: Decision, reason: str) -> Decision:
        """Replace a decision the core took and counted (ms_core_override)."""
        raw = MsDecision(
            self.lib.verdict_number[decided.verdict],
            self.lib.reason_number[decided.reason],
            decided.owner,
        )
        out = self._dll.ms_core_override(
            self.handle, int(direction), raw, self.lib.reason_number[reason]
        )
        return self._decision(out)

    def memory_bytes(self) -> int:
        size: int = self._dll.ms_memory_bytes(self.handle)
        return size

    def quiesce(self) -> None:
        self.lib.quiesce()

    # Readers.
    def ingress(self, frame: bytes) -> Decision:
        ptr = self.lib.copy_frame(frame)
        try:
            raw = self._dll.ms_ingress(self.handle, ctypes.cast(ptr, _FramePtr), len(frame))
        finally:
            self.lib.free(ptr)
        return self._decision(raw)

    def egress(self, frame: bytes, owner: int) -> Decision:
        ptr = self.lib.copy_frame(frame)
        try:
            raw = self._dll.ms_egress(self.handle, ctypes.cast(ptr, _FramePtr), len(frame), owner)
        finally:
            self.lib.free(ptr)
        return self._decision(raw)

    def _batch(self, frames: Sequence[bytes], owner: int | None) -> list[Decision]:
        n = len(frames)
        if n == 0:
            return []
        ptrs = [self.lib.copy_frame(f) for f in frames]
        try:
            array = (_FramePtr * n)(*(ctypes.cast(p, _FramePtr) for p in ptrs))
            lens = (ctypes.c_uint32 * n)(*(len(f) for f in frames))
            out = (MsDecision * n)()
            if owner is None:
                self._dll.ms_ingress_batch(self.handle, array, lens, n, out)
            else:
                self._dll.ms_egress_batch(self.handle, array, lens, n, owner, out)
        finally:
            for p in ptrs:
                self.lib.free(p)
        return [self._decision(d) for d in out]

    def ingress_batch(self, frames: Sequence[bytes]) -> list[Decision]:
        return self._batch(frames, None)

    def egress_batch(self, frames: Sequence[bytes], owner: int) -> list[Decision]:
        return self._batch(frames, owner)

    def lookup(self, tup: MsTuple) -> int | None:
        """The owner of a tuple (exact first, then wildcard), or None."""
        owner: int = self._dll.ms_lookup(self.handle, ctypes.byref(tup))
        return None if owner < 0 else owner

    def query(self, tup: MsTuple) -> Registration | None:
        """The exact registration of a tuple, or None (MS_ERR_NOENT)."""
        out = MsRegistration()
        status = Status(self._dll.ms_query(self.handle, ctypes.byref(tup), ctypes.byref(out)))
        if status is Status.NOENT:
            return None
        if status is not Status.OK:
            raise RuntimeError(f"ms_query failed: {status.name}")
        return _registration(out)

    def stats(self) -> dict[tuple[Direction, str], int]:
        """Every counter of ms_stats_read, keyed by (direction, reason name)."""
        raw = self._stats_type()
        self._dll.ms_stats_read(self.handle, ctypes.byref(raw))
        n = len(self.lib.reasons)
        return {
            (direction, reason): raw[int(direction) * n + i]
            for direction in Direction
            for i, reason in enumerate(self.lib.reasons)
        }
