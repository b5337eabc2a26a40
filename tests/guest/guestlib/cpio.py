"""A writer for the cpio "newc" format, the one the kernel unpacks as an initramfs.

Written here rather than calling cpio(1) so the archive's contents come from one
in-memory manifest (no staging tree, no host ownership or timestamps leaking in).
"""

from __future__ import annotations

import stat
from typing import BinaryIO

_MAGIC = b"070701"
_TRAILER = "TRAILER!!!"


class CpioWriter:
    """Appends entries to a newc archive; every entry is owned by root with mtime 0."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._ino = 1
        self._dirs: set[str] = set()

    def _entry(self, name: str, mode: int, data: bytes) -> None:
        fields = [
            self._ino,  # inode
            mode,
            0,  # uid
            0,  # gid
            2 if stat.S_ISDIR(mode) else 1,  # nlink
            0,  # mtime
            len(data),
            0,  # dev major
            0,  # dev minor
            0,  # rdev major
            0,  # rdev minor
            len(name) + 1,  # name size, with its NUL
            0,  # checksum (unused by newc)
        ]
        self._ino += 1
        header = _MAGIC + b"".join(b"%08X" % f for f in fields)
        self._write_padded(header + name.encode() + b"\0")
        self._write_padded(data)

    def _write_padded(self, blob: bytes) -> None:
        self._out.write(blob)
        self._out.write(b"\0" * (-len(blob) % 4))

    def add_dir(self, path: str, mode: int = 0o755) -> None:
        """Adds a directory and any missing parents."""
        path = path.strip("/")
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            if sub and sub not in self._dirs:
                self._dirs.add(sub)
                self._entry(sub, stat.S_IFDIR | mode, b"")

    def add_file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        """Adds a regular file, creating its parent directories."""
        path = path.strip("/")
        parent = path.rpartition("/")[0]
        if parent:
            self.add_dir(parent)
        self._entry(path, stat.S_IFREG | mode, data)

    def add_symlink(self, path: str, target: str) -> None:
        """Adds a symbolic link, creating its parent directories."""
        path = path.strip("/")
        parent = path.rpartition("/")[0]
        if parent:
            self.add_dir(parent)
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def finish(self) -> None:
        """Writes the trailer that ends the archive."""
        self._entry(_TRAILER, 0, b"")
