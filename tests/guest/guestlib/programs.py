"""Compiles the guest's C programs on the host, statically, so the guest needs no libc."""

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
) -> Path:
    """cc -static SOURCES LIBS -o OUT, rebuilt only when an input is newer than OUT."""
    cc = shutil.which("cc")
    if cc is None:
        raise FileNotFoundError("no C compiler (cc) to build the guest's programs")
    inputs = [*sources, *(headers or []), *(libs or [])]
    if out.exists() and all(p.stat().st_mtime <= out.stat().st_mtime for p in inputs):
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [cc, *CFLAGS, *(f"-I{i}" for i in includes), "-o", str(out), *map(str, sources)]
    cmd += [*map(str, libs or []), "-lpthread"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return out
