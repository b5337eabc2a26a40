"""Assembles the guest's initramfs: busybox, host binaries with their libraries, kernel modules.

Layout inside the guest:
    /init                  the agent (PID 1)
    /ms/lib.sh             shell functions the scenarios share
    /ms/scenarios/*.sh     scenario scripts; /ms/plan lists the ones to run, in order
    /ms/bin/               test programs (static or with their libraries copied alongside)
    /ms/ko/                the modules under test (netmap.ko, multistack.ko)
    /ms/kmod/              Debian modules loaded at boot, in the order of /ms/kmod/order
"""

from __future__ import annotations

import io
import lzma
import re
import subprocess
from pathlib import Path

from .cpio import CpioWriter

_LDD_LINE = re.compile(r"(?:\S+ => )?(/\S+) \(0x[0-9a-f]+\)")


def shared_libraries(binary: Path) -> list[Path]:
    """The absolute paths of the shared libraries binary needs (none for a static one)."""
    proc = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:  # "not a dynamic executable"
        return []
    return [Path(m.group(1)) for m in map(_LDD_LINE.search, proc.stdout.splitlines()) if m]


def _module_bytes(path: Path) -> bytes:
    # busybox insmod cannot unpack compressed modules: hand it plain ELF.
    if path.suffix == ".xz":
        return lzma.decompress(path.read_bytes())
    if path.suffix in (".zst", ".gz"):
        raise ValueError(f"{path}: only .ko and .ko.xz modules are supported")
    return path.read_bytes()


class Initramfs:
    """An initramfs under construction; write() produces the cpio archive."""

    def __init__(self, modules_dir: Path) -> None:
        self._buf = io.BytesIO()
        self._cpio = CpioWriter(self._buf)
        self._modules_dir = modules_dir
        self._files: set[str] = set()
        self._kmod_order: list[str] = []
        for d in ("dev", "proc", "sys", "tmp", "run", "root", "var/run", "ms/ko", "ms/bin"):
            self._cpio.add_dir(d)
        self.add_file(
            "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nmsuser:x:1000:1000::/tmp:/bin/sh\n"
        )
        self.add_file("etc/group", b"root:x:0:\nmsuser:x:1000:\n")

    def add_file(self, guest: str, data: bytes, mode: int = 0o644) -> None:
        guest = guest.strip("/")
        if guest not in self._files:
            self._files.add(guest)
            self._cpio.add_file(guest, data, mode)

    def add_host_file(self, host: Path, guest: str, mode: int | None = None) -> None:
        self.add_file(
            guest, host.read_bytes(), mode if mode is not None else host.stat().st_mode & 0o777
        )

    def add_busybox(self, busybox: Path) -> None:
        """busybox as /bin/busybox with a link for each applet it has."""
        self.add_host_file(busybox, "bin/busybox", 0o755)
        applets = subprocess.run(
            [str(busybox), "--list-full"], capture_output=True, text=True, check=True
        ).stdout.split()
        for applet in applets:
            if applet.strip("/") not in self._files and applet != "bin/busybox":
                self._files.add(applet.strip("/"))
                self._cpio.add_symlink(applet, "/bin/busybox")

    def add_binary(self, host: Path, guest: str) -> None:
        """A host program with the shared libraries it needs, at the same paths as on the host."""
        self._files.discard(guest.strip("/"))  # may replace a busybox applet link
        self.add_host_file(host, guest, 0o755)
        for lib in shared_libraries(host):
            self.add_host_file(lib.resolve(), str(lib), 0o755)

    def add_kernel_module(self, name: str) -> None:
        """A module of the booted kernel and its dependencies, loaded by the agent at boot."""
        deps: dict[str, list[str]] = {}
        for line in (self._modules_dir / "modules.dep").read_text().splitlines():
            mod, _, rest = line.partition(":")
            deps[mod] = rest.split()
        by_name = {Path(m).name.split(".ko")[0].replace("-", "_"): m for m in deps}
        wanted = by_name.get(name.replace("-", "_"))
        if wanted is None:
            raise FileNotFoundError(f"module {name} is not in {self._modules_dir}/modules.dep")
        # modules.dep lists dependencies so that the last one must be loaded first.
        for mod in [*reversed(deps[wanted]), wanted]:
            short = Path(mod).name.split(".ko")[0]
            if short not in self._kmod_order:
                self._kmod_order.append(short)
                self.add_file(f"ms/kmod/{short}.ko", _module_bytes(self._modules_dir / mod))

    def write(self, path: Path) -> None:
        self.add_file("ms/kmod/order", "".join(f"{m}\n" for m in self._kmod_order).encode())
        self._cpio.finish()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self._buf.getvalue())
