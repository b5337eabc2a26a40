"""Compiles the guest's C programs on the host, statically, so the guest needs no libc.

The lwIP server is the exception: Debian ships lwIP only as a shared library, so it is
linked dynamically and the initramfs carries the libraries it needs (initramfs.add_binary).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .environment import REPO

CFLAGS = ["-O2", "-g", "-Wall", "-Wextra", "-Werror", "-static"]
UAPI_INCLUDES = [REPO / "common" / "include", REPO / "lib" / "include"]


def compile_static(
    sources: list[Path],
    out: Path,
    includes: list[Path],
    headers: list[Path] | None = None,
    libs: list[Path] | None = None,
    static: bool = True,
    link_args: list[str] | None = None,
) -> Path:
    """cc -static SOURCES LIBS LINK_ARGS -o OUT, rebuilt only when an input is newer than OUT.

    static=False leaves -static out (for programs on a shared-only library such as lwIP).
    """
    cc = shutil.which("cc")
    if cc is None:
        raise FileNotFoundError("no C compiler (cc) to build the guest's programs")
    inputs = [*sources, *(headers or []), *(libs or [])]
    if out.exists() and all(p.stat().st_mtime <= out.stat().st_mtime for p in inputs):
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    flags = CFLAGS if static else [f for f in CFLAGS if f != "-static"]
    cmd = [cc, *flags, *(f"-I{i}" for i in includes), "-o", str(out), *map(str, sources)]
    cmd += [*map(str, libs or []), *(link_args or []), "-lpthread"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return out


def pkg_config(package: str, *what: str) -> list[str] | None:
    """pkg-config's words for package (e.g. --cflags), or None if it is not installed."""
    if shutil.which("pkg-config") is None:
        return None
    proc = subprocess.run(
        ["pkg-config", *what, package], capture_output=True, text=True, check=False
    )
    return proc.stdout.split() if proc.returncode == 0 else None
