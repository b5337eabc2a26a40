"""The one place that finds Linux kernels and puts their releases in order.

Debian's kernel release strings (`uname -r`) change every few weeks and come in several shapes:
`5.10.0-35-amd64` (bullseye), `6.1.0-57-amd64` (bookworm), `6.12.57+deb13-amd64` (trixie and
the backports), `7.2.3-amd64` (unstable). Sorting them as text puts `6.1.0-9` after `6.1.0-10`,
so every caller that needs "the newest kernel" asks this module, which orders releases by the
rules of `dpkg --compare-versions`. Nothing else in the repository names or sorts a release.
It finds the kernels installed on this machine or in a chroot (`find_kernels`, `default_kernel`)
and those whose headers apt can install (`installable`).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from buildsys import commands
from buildsys.errors import BuildError

_LINE = re.compile(r"^(\d+)\.(\d+)(?:\D|$)")


def _char_weight(char: str) -> int:
    """dpkg's order of one non-digit character: `~` first, then end of string, letters, the rest."""
    if char == "~":
        return -1
    if ("a" <= char <= "z") or ("A" <= char <= "Z"):
        return ord(char)
    return ord(char) + 256


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"


def _compare_part(a: str, b: str) -> int:
    """dpkg's comparison of two upstream versions (or two revisions): runs of non-digits by
    character weight, then runs of digits as numbers, alternately."""
    i = j = 0
    while i < len(a) or j < len(b):
        while (i < len(a) and not _is_digit(a[i])) or (j < len(b) and not _is_digit(b[j])):
            # The end of a string and a digit both weigh 0: shorter runs sort first.
            wa = _char_weight(a[i]) if i < len(a) and not _is_digit(a[i]) else 0
            wb = _char_weight(b[j]) if j < len(b) and not _is_digit(b[j]) else 0
            if wa != wb:
                return -1 if wa < wb else 1
            i += 1
            j += 1
        start_a, start_b = i, j
        while i < len(a) and _is_digit(a[i]):
            i += 1
        while j < len(b) and _is_digit(b[j]):
            j += 1
        na = int(a[start_a:i] or "0")
        nb = int(b[start_b:j] or "0")
        if na != nb:
            return -1 if na < nb else 1
    return 0


def _split(version: str) -> tuple[int, str, str]:
    """(epoch, upstream, revision) as dpkg splits a version: the epoch before the first `:`,
    the revision after the last `-`."""
    epoch = 0
    if ":" in version:
        head, version = version.split(":", 1)
        epoch = int(head) if head.isdigit() else 0
    upstream, _, revision = version.rpartition("-")
    if not upstream:
        return epoch, revision, ""
    return epoch, upstream, revision


def compare_releases(a: str, b: str) -> int:
    """-1, 0 or 1 as `a` is older than, equal to or newer than `b` under dpkg's version rules
    (`dpkg --compare-versions a lt b` and friends)."""
    epoch_a, up_a, rev_a = _split(a)
    epoch_b, up_b, rev_b = _split(b)
    if epoch_a != epoch_b:
        return -1 if epoch_a < epoch_b else 1
    return _compare_part(up_a, up_b) or _compare_part(rev_a, rev_b)


def release_sort_key(release: str) -> Any:
    """A key for sorted() and max() that orders releases oldest to newest."""
    return functools.cmp_to_key(compare_releases)(release)


def line_of(release: str) -> tuple[int, int]:
    """The kernel line (major, minor) of a release: `6.12.57+deb13-amd64` is (6, 12)."""
    match = _LINE.match(release)
    if match is None:
        raise ValueError(f"{release!r} is not a Linux kernel release")
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class Kernel:
    """One installed kernel: its release, its kbuild directory, its image and its modules
    directory (the one with modules.dep, for booting it), where present.

    Paths are as seen from this machine: for a kernel inside a chroot, the symbolic links
    Debian installs (`build -> /usr/src/linux-headers-...`) are followed inside the chroot.
    """

    release: str
    headers: Path | None
    image: Path | None
    modules: Path | None = None


def _inside(root: Path, path: str) -> Path:
    """`path` below `root`, with every symbolic link on the way read relative to `root`
    (an absolute link in a chroot points into the chroot, not at the host)."""
    if root == Path("/"):
        return Path(path)
    parts = list(PurePosixPath(path).parts[1:])
    current = root
    for _hop in range(64):
        if not parts:
            return current
        part = parts.pop(0)
        if part == "..":
            current = current.parent if current != root else root
            continue
        candidate = current / part
        if candidate.is_symlink():
            target = PurePosixPath(os.readlink(candidate))
            if target.is_absolute():
                current = root
                parts = list(target.parts[1:]) + parts
            else:
                parts = list(target.parts) + parts
            continue
        current = candidate
    return current  # a symlink loop: let the caller's is_file() fail


def _headers(root: Path, release: str) -> Path | None:
    build = _inside(root, f"/lib/modules/{release}/build")
    return build if (build / "Makefile").is_file() else None


def _image(root: Path, release: str) -> Path | None:
    for where in (f"/boot/vmlinuz-{release}", f"/usr/lib/modules/{release}/vmlinuz"):
        image = _inside(root, where)
        if image.is_file():
            return image
    return None


def _modules(root: Path, release: str) -> Path | None:
    directory = _inside(root, f"/lib/modules/{release}")
    return directory if (directory / "modules.dep").is_file() else None


def _releases(root: Path) -> set[str]:
    found: set[str] = set()
    for modules in ("/lib/modules", "/usr/lib/modules"):
        directory = _inside(root, modules)
        if directory.is_dir():
            found.update(p.name for p in directory.iterdir() if _LINE.match(p.name))
    boot = _inside(root, "/boot")
    if boot.is_dir():
        found.update(
            p.name.removeprefix("vmlinuz-")
            for p in boot.glob("vmlinuz-*")
            if _LINE.match(p.name.removeprefix("vmlinuz-"))
        )
    return found


def find_kernels(root: Path = Path("/")) -> list[Kernel]:
    """The kernels installed under `root` (a machine or a chroot), oldest first.

    A release is listed when its modules directory or its image exists; `headers`, `image` and
    `modules` are None where that part is not installed.
    """
    kernels = [
        Kernel(r, _headers(root, r), _image(root, r), _modules(root, r)) for r in _releases(root)
    ]
    return sorted(kernels, key=lambda k: release_sort_key(k.release))


def newest(
    kernels: Iterable[Kernel],
    *,
    need_headers: bool = False,
    need_image: bool = False,
    need_modules: bool = False,
) -> Kernel | None:
    """The newest of `kernels` that has headers, an image and/or modules as asked, or None."""
    usable = [k for k in kernels if _has(k, need_headers, need_image, need_modules)]
    return max(usable, key=lambda k: release_sort_key(k.release)) if usable else None


def _has(kernel: Kernel, need_headers: bool, need_image: bool, need_modules: bool) -> bool:
    wanted = (
        (need_headers, kernel.headers),
        (need_image, kernel.image),
        (need_modules, kernel.modules),
    )
    return all(part is not None for needed, part in wanted if needed)


def find(release: str, root: Path = Path("/")) -> Kernel | None:
    """The installed kernel with exactly this release, or None."""
    return next((k for k in find_kernels(root) if k.release == release), None)


def debian_default(root: Path = Path("/")) -> str | None:
    """The release Debian's `linux-headers-amd64` (else `linux-image-amd64`) depends on: what a
    fresh machine gets from `apt-get install linux-headers-amd64`. None off Debian."""
    for package in ("linux-headers-amd64", "linux-image-amd64"):
        command = ["dpkg-query", f"--root={root}", "-W", "-f=${Depends}", package]
        try:
            proc = commands.run(command, output=commands.Output.CAPTURE, check=False)
        except BuildError:  # no dpkg-query: not Debian
            return None
        match = re.search(r"linux-(?:headers|image)-(\d\S*?)(?:[\s,(]|$)", proc.stdout)
        if proc.returncode == 0 and match:
            return match.group(1)
    return None


def default_kernel(
    *,
    need_headers: bool = False,
    need_image: bool = False,
    need_modules: bool = False,
    root: Path = Path("/"),
) -> Kernel | None:
    """The kernel to use when none is named, of those that have what is asked: the running one,
    else the one Debian's metapackage points at (what `apt-get install linux-headers-amd64`
    gave a fresh machine), else the newest installed."""
    usable = [k for k in find_kernels(root) if _has(k, need_headers, need_image, need_modules)]
    running = os.uname().release if root == Path("/") else None
    for wanted in (running, debian_default(root)):
        for kernel in usable:
            if kernel.release == wanted:
                return kernel
    return newest(usable)


_HEADERS_PACKAGE = re.compile(r"^linux-headers-(\d+\.\d+\S*)\s")


def releases_in_apt_search(text: str, flavour: str = "amd64") -> list[str]:
    """The releases of one flavour in `apt-cache search` output, oldest first: `amd64` keeps
    `6.1.0-57-amd64` and `6.12.57+deb13-amd64`, not `-cloud-amd64` or `-rt-amd64` ones."""
    found = set()
    for line in text.splitlines():
        match = _HEADERS_PACKAGE.match(line)
        if match is None:
            continue
        release = match.group(1)
        prefix = release.removesuffix(f"-{flavour}")
        # A release has three numbers (`6.12-amd64` is a metapackage), and the flavour follows
        # its ABI part directly (`-cloud-amd64` is another flavour).
        if prefix != release and re.fullmatch(r"\d+\.\d+\.\d+(.*\d|.*\+bpo)?", prefix):
            found.add(release)
    return sorted(found, key=release_sort_key)


def installable(flavour: str = "amd64", root: Path = Path("/")) -> list[str]:
    """Releases whose headers apt can install here (or in the chroot `root`), oldest first;
    empty without apt."""
    command = ["apt-cache", "search", "--names-only", r"^linux-headers-[0-9]"]
    if root != Path("/"):
        command = ["chroot", str(root), *command]
    try:
        proc = commands.run(command, output=commands.Output.CAPTURE, check=False)
    except BuildError:  # no apt-cache: not Debian
        return []
    return releases_in_apt_search(proc.stdout, flavour) if proc.returncode == 0 else []
