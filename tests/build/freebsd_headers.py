"""Where the FreeBSD compile check (test_freebsd_compile.py) finds FreeBSD's headers.

Two sources, the first one present wins:

- MS_FREEBSD_SYSDIR=<a FreeBSD sys/ tree>: the kernel sources themselves, of any release from
  12 on; they have every header a kld includes, netmap's included.
- otherwise FreeBSD's installed /usr/include for x86_64 as PyPI's `ziglang` package carries it
  (pinned in requirements/dev.txt, so `./dev` installs it and CI does not skip). zig 0.17
  targets FreeBSD up to 15.1 and ships that release's headers. They are what FreeBSD installs,
  which is most of sys/, net*/ and machine/, but not the few headers that live only in the
  kernel sources; tests/freebsd_shims/ stands in for those (each shim says why it exists).
  zig also removed the definition of __FreeBSD_version from sys/param.h (its compiler defines
  it), so the check defines it as zig does: major * 100000 + 500.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHIMS = REPO / "tests" / "freebsd_shims"
ZIGLANG_FREEBSD_MAJOR = 15
_VERSION_DEFINED = re.compile(r"^#\s*define\s+__FreeBSD_version\b", re.MULTILINE)
_REVISION = re.compile(r'^REVISION="([0-9]+)\.', re.MULTILINE)


class HeadersMissing(Exception):
    """No FreeBSD headers to compile against; the message says what to install or set."""


@dataclass(frozen=True)
class FreebsdHeaders:
    """One set of FreeBSD headers, as the compile check passes it to clang."""

    origin: str  # where the headers come from, for messages
    major: int  # the FreeBSD release they belong to
    system_dirs: tuple[Path, ...]  # -isystem, in this order
    # Names the kld's object folder must link to header folders (bsd.kmod.mk's machine links).
    links: tuple[tuple[str, Path], ...] = ()
    shim_dirs: tuple[Path, ...] = ()  # -idirafter: searched only after every real header
    defines: tuple[str, ...] = ()

    def header(self, name: str) -> Path | None:
        """The real header `name` as the compiler would find it, None if it is not there."""
        candidates = [folder / name for folder in self.system_dirs]
        for link, target in self.links:
            if name.startswith(link + "/"):
                candidates.insert(0, target / name[len(link) + 1 :])
        return next((path for path in candidates if path.is_file()), None)


def from_sysdir(sysdir: Path) -> FreebsdHeaders:
    """A FreeBSD sys/ tree: every header a kld needs, no shim."""
    newvers = sysdir / "conf" / "newvers.sh"
    if not newvers.is_file() or not (sysdir / "amd64").is_dir():
        raise HeadersMissing(f"MS_FREEBSD_SYSDIR={sysdir} is not a FreeBSD sys/ tree with amd64")
    match = _REVISION.search(newvers.read_text(encoding="utf-8", errors="replace"))
    if not match:
        raise HeadersMissing(f"{newvers} has no REVISION")
    return FreebsdHeaders(
        origin=f"MS_FREEBSD_SYSDIR={sysdir}",
        major=int(match.group(1)),
        system_dirs=(sysdir, sysdir / "contrib" / "ck" / "include"),
        links=(("machine", sysdir / "amd64" / "include"), ("x86", sysdir / "x86" / "include")),
    )


def ziglang_include_root() -> Path:
    """The libc headers of the installed ziglang package."""
    spec = importlib.util.find_spec("ziglang")
    if spec is None or not spec.submodule_search_locations:
        raise HeadersMissing(
            "no FreeBSD headers: the ziglang package is not installed (./dev installs it from "
            "requirements/dev.txt), and MS_FREEBSD_SYSDIR=<a FreeBSD sys/ tree> is not set"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "lib" / "libc" / "include"


def from_ziglang() -> FreebsdHeaders:
    """FreeBSD's installed headers for x86_64 from ziglang, plus the kernel-only shims."""
    root = ziglang_include_root()
    version = importlib.metadata.version("ziglang")
    arch, generic = root / "x86_64-freebsd-none", root / "generic-freebsd"
    if not (arch / "machine").is_dir() or not (generic / "sys" / "module.h").is_file():
        raise HeadersMissing(f"ziglang {version} has no FreeBSD x86_64 headers under {root}")
    param = (generic / "sys" / "param.h").read_text(encoding="utf-8", errors="replace")
    defines: tuple[str, ...] = ()
    if not _VERSION_DEFINED.search(param):
        defines = (f"__FreeBSD_version={ZIGLANG_FREEBSD_MAJOR * 100000 + 500}",)
    return FreebsdHeaders(
        origin=f"ziglang {version} ({root})",
        major=ZIGLANG_FREEBSD_MAJOR,
        system_dirs=(arch, generic),
        shim_dirs=(SHIMS,),
        defines=defines,
    )


def find() -> FreebsdHeaders:
    """MS_FREEBSD_SYSDIR when set, else ziglang's headers; HeadersMissing if neither is there."""
    sysdir = os.environ.get("MS_FREEBSD_SYSDIR")
    if sysdir:
        return from_sysdir(Path(sysdir))
    return from_ziglang()


def shim_headers() -> list[str]:
    """Every shim, as the name a source includes (dev/netmap/netmap_kern.h, ...)."""
    return sorted(str(p.relative_to(SHIMS)) for p in SHIMS.rglob("*.h"))
