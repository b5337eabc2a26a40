"""Release tarballs (`nox -s dist`) and the check that a tarball builds on its own
(`nox -s release-check`).

The tarball is made from a clean clone of the current commit, never from the work tree, and is
reproducible: entries sorted by name, every mtime the commit time (SOURCE_DATE_EPOCH), owners
zeroed, modes normalised, no name or time in the gzip header. It holds the tracked files (less
what packagers must not get, such as the netmap test double) and the files generated from the
templates and META, so that packagers need neither Python nor jinja2.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import re
import shutil
import sys
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildsys import commands, kernels
from buildsys.errors import BuildError
from buildsys.meta import read_meta

if TYPE_CHECKING:
    import nox

# Tracked paths that stay out of the release: the double imitates netmap for tests only.
EXCLUDED_PREFIXES = ("tests/netmap_double/",)

# Generators run inside the clean clone with that clone's own code, so that what is generated
# always matches the committed templates. Each entry: (module that must exist, what it makes,
# Python statement run with `tree` (the clone) and `epoch` bound).
GENERATORS: tuple[tuple[str, str, str], ...] = (
    (
        "buildsys/packaging.py",
        "dkms.conf and the Debian and FreeBSD packaging",
        "from buildsys.packaging import render_packaging; render_packaging(tree, epoch)",
    ),
    (
        "buildsys/kbuild.py",
        "the Linux Kbuild",
        "from buildsys.kbuild import write_kbuild_tree\n"
        "write_kbuild_tree(tree, tree / 'kernel/linux')",
    ),
    (
        "buildsys/freebsd.py",
        "the FreeBSD bsd.kmod.mk Makefile and opt_sctp.h",
        # SCTP off in the tarball; the port's SCTP option turns it on (packaging/freebsd-port).
        "from buildsys.freebsd import write_build_tree\n"
        "write_build_tree(tree, tree / 'kernel/freebsd', sctp=False)",
    ),
)

_DIRTY_LIST_LIMIT = 12


@dataclass(frozen=True)
class Release:
    tarball: Path
    sha256: str
    commit: str
    epoch: int


def _git(repo: Path, *args: str) -> str:
    result = commands.run(["git", "-C", repo, *args], output=commands.Output.CAPTURE, check=False)
    if result.returncode != 0:
        raise BuildError(f"git {' '.join(args)} failed in {repo}: {result.stderr.strip()}")
    return result.stdout


def dirty_files(repo: Path) -> list[str]:
    """Tracked files with changes and untracked files that are not ignored."""
    entries = _git(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all").split("\0")
    paths = []
    skip_next = False
    for entry in entries:
        if skip_next:  # the source path of a rename or copy
            skip_next = False
            continue
        if not entry:
            continue
        paths.append(entry[3:])
        skip_next = entry[0] in "RC"
    return sorted(paths)


def refuse_dirty_tree(repo: Path) -> None:
    dirty = dirty_files(repo)
    if dirty:
        shown = ", ".join(dirty[:_DIRTY_LIST_LIMIT])
        more = (
            f" and {len(dirty) - _DIRTY_LIST_LIMIT} more" if len(dirty) > _DIRTY_LIST_LIMIT else ""
        )
        raise BuildError(
            f"refusing to build a release from a dirty tree: commit or remove {shown}{more}"
        )


def _generate(tree: Path, epoch: int, commit: str) -> None:
    for module, what, statement in GENERATORS:
        if not (tree / module).is_file():
            raise BuildError(f"commit {commit[:12]} has no {module}, which generates {what}")
        script = f"from pathlib import Path\ntree = Path('.')\nepoch = {epoch}\n{statement}\n"
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "SOURCE_DATE_EPOCH": str(epoch)}
        result = commands.run(
            [sys.executable, "-c", script],
            cwd=tree,
            env=env,
            output=commands.Output.CAPTURE,
            check=False,
        )
        if result.returncode != 0:
            raise BuildError(f"generating {what} with {module} failed:\n{result.stderr.strip()}")
    changed = _git(tree, "status", "--porcelain=v1", "--untracked-files=no").strip()
    if changed:
        raise BuildError(f"generators overwrote committed files:\n{changed}")


def _release_files(tree: Path) -> list[str]:
    """Tracked and generated files of the clone, relative, minus the excluded ones."""
    staged = _git(tree, "ls-files", "-s", "-z").split("\0")
    tracked = []
    for entry in filter(None, staged):
        mode, _, _, path = entry.replace("\t", " ", 1).split(" ", 3)
        if mode == "160000":
            raise BuildError(f"{path} is a submodule; releases do not include submodules")
        tracked.append(path)
    generated = [p for p in _git(tree, "ls-files", "--others", "-z").split("\0") if p]
    files = {
        path
        for path in tracked + generated
        if not path.startswith(EXCLUDED_PREFIXES) and "__pycache__" not in path.split("/")
    }
    return sorted(files)


def _tar_entry(name: str, epoch: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = epoch
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def write_tarball(tree: Path, files: Sequence[str], prefix: str, epoch: int, out: Path) -> None:
    """Write `files` of `tree` under `prefix/` as a byte-for-byte reproducible .tar.gz."""
    directories = {prefix}
    for path in files:
        parts = path.split("/")[:-1]
        directories.update(f"{prefix}/{'/'.join(parts[: i + 1])}" for i in range(len(parts)))
    entries: list[tuple[str, Path | None]] = [(d, None) for d in directories]
    entries += [(f"{prefix}/{path}", tree / path) for path in files]
    entries.sort(key=lambda entry: entry[0])

    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name, source in entries:
            info = _tar_entry(name, epoch)
            if source is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            elif source.is_symlink():
                info.type = tarfile.SYMTYPE
                info.linkname = os.readlink(source)
                info.mode = 0o777
                tar.addfile(info)
            else:
                data = source.read_bytes()
                info.size = len(data)
                info.mode = 0o755 if source.stat().st_mode & 0o111 else 0o644
                tar.addfile(info, io.BytesIO(data))


def _freebsd_distinfo(tarball: Path, digest: str, epoch: int) -> str:
    size = tarball.stat().st_size
    return (
        f"TIMESTAMP = {epoch}\nSHA256 ({tarball.name}) = {digest}\nSIZE ({tarball.name}) = {size}\n"
    )


def build_release(repo: Path, out_dir: Path) -> Release:
    """Tar a clean clone of the commit checked out in `repo` into `out_dir`."""
    refuse_dirty_tree(repo)
    commit = _git(repo, "rev-parse", "HEAD").strip()
    epoch = int(_git(repo, "log", "-1", "--format=%ct", commit).strip())
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="multistack-dist-") as scratch:
        clone = Path(scratch) / "clone"
        _git(Path(scratch), "clone", "--quiet", "--no-checkout", str(repo.resolve()), str(clone))
        _git(clone, "checkout", "--quiet", "--detach", commit)
        meta = read_meta(clone / "META")
        _generate(clone, epoch, commit)
        prefix = f"{meta.name}-{meta.version}"
        partial = Path(scratch) / f"{prefix}.tar.gz"
        write_tarball(clone, _release_files(clone), prefix, epoch, partial)
        tarball = out_dir / partial.name
        shutil.move(partial, tarball)
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    (out_dir / f"{tarball.name}.sha256").write_text(f"{digest}  {tarball.name}\n")
    (out_dir / f"{prefix}.distinfo").write_text(_freebsd_distinfo(tarball, digest, epoch))
    return Release(tarball=tarball, sha256=digest, commit=commit, epoch=epoch)


def default_kernel_release() -> str:
    """The kernel the check builds for when none is named (see kernels.default_kernel)."""
    kernel = kernels.default_kernel(need_headers=True)
    if kernel is None:
        raise BuildError("no kernel headers are installed: install linux-headers-amd64")
    return kernel.release


def _run_step(what: str, command: Sequence[str], log: Callable[[str], None], **kwargs: Any) -> None:
    log(f"release-check: {what}")
    result = commands.run(command, check=False, **kwargs)
    if result.returncode != 0:
        raise BuildError(
            f"release check failed: {what} (`{' '.join(command)}` exited {result.returncode})"
        )


def _built_module_path(tree: Path) -> Path:
    dkms_conf = (tree / "dkms.conf").read_text()
    name = re.search(r'^BUILT_MODULE_NAME\[0\]="([^"]+)"', dkms_conf, re.M)
    location = re.search(r'^BUILT_MODULE_LOCATION\[0\]="([^"]*)"', dkms_conf, re.M)
    if name is None or location is None:
        raise BuildError("dkms.conf in the tarball names no BUILT_MODULE_NAME[0]/LOCATION[0]")
    return tree / location.group(1) / f"{name.group(1)}.ko"


def _copy_sources(source: Path, target: Path) -> None:
    """Copy the files git tracks in `source` (all files outside a repository): leftovers of an
    in-tree build must not stand in for a build."""
    listed = commands.run(
        ["git", "-C", source, "ls-files", "-z", "."], output=commands.Output.CAPTURE, check=False
    )
    names = [name for name in listed.stdout.split("\0") if name]
    if listed.returncode != 0 or not names:
        shutil.copytree(source, target)
        return
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, target / name)


def check_release(
    tarball: Path,
    kernel_release: str,
    netmap_double: Path,
    work: Path,
    log: Callable[[str], None] = print,
) -> None:
    """Build and test from the unpacked tarball alone; raise BuildError on the first failure.

    `netmap_double` is the repository's test double, built beside (not inside) the unpacked
    tree: it is deliberately absent from releases.
    """
    unpacked = work / "unpacked"
    unpacked.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(unpacked, filter="data")
    tops = list(unpacked.iterdir())
    if len(tops) != 1 or not tops[0].is_dir():
        raise BuildError(f"{tarball.name} must hold exactly one top directory")
    tree = tops[0]

    build_user = work / "build-user"
    _run_step("configure the userspace core", ["meson", "setup", str(build_user), str(tree)], log)
    _run_step("build the userspace core", ["ninja", "-C", str(build_user), "-j2"], log)
    _run_step(
        "run the unit tests",
        ["meson", "test", "-C", str(build_user), "--print-errorlogs", "--num-processes", "2"],
        log,
    )

    kernel = kernels.find(kernel_release)
    if kernel is None or kernel.headers is None:
        raise BuildError(
            f"no headers for kernel {kernel_release}: install linux-headers-{kernel_release}"
        )
    kernel_build = kernel.headers
    double = work / "netmap-double"
    _copy_sources(netmap_double, double)
    _run_step(
        "build the netmap test double",
        ["make", "-C", str(double), f"KSRC={kernel_build}", "-j2"],
        log,
    )
    env = {
        **os.environ,
        "NETMAP_SRC": str(double),
        "NETMAP_BUILD": str(double),
        "MULTISTACK_DKMS_DEFAULTS": os.devnull,
    }
    _run_step(
        f"build the Linux module for {kernel_release} as DKMS does",
        ["sh", "packaging/dkms/build-module.sh", kernel_release, str(kernel_build), "-j2"],
        log,
        cwd=tree,
        env=env,
    )
    module = _built_module_path(tree)
    if not module.is_file():
        raise BuildError(f"release check failed: the module build made no {module}")
    log(f"release-check: {tarball.name} builds and passes its unit tests ({module.name} built)")


def _parse(posargs: Sequence[str], description: str, *arguments: tuple[str, str]) -> Any:
    parser = argparse.ArgumentParser(prog="nox -s", description=description)
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="repository (default: .)")
    for flag, help_text in arguments:
        parser.add_argument(flag, help=help_text)
    return parser.parse_args(list(posargs))


def run(session: nox.Session, posargs: Sequence[str]) -> None:
    """`nox -s dist -- [--repo DIR] [--out DIR]`."""
    args = _parse(posargs, "Release tarball", ("--out", "output directory (default: out/dist)"))
    out_dir = Path(args.out) if args.out else args.repo / "out" / "dist"
    release = build_release(args.repo, out_dir)
    session.log(
        f"{release.tarball} (commit {release.commit[:12]}, SOURCE_DATE_EPOCH={release.epoch})"
    )
    session.log(f"sha256 {release.sha256}")


def release_check(session: nox.Session, posargs: Sequence[str]) -> None:
    """`nox -s release-check -- [--tarball PATH] [--kernel RELEASE] [--netmap-double DIR]`."""
    args = _parse(
        posargs,
        "Build and test an unpacked release tarball",
        ("--tarball", "default: out/dist/NAME-VERSION.tar.gz of the repository's META"),
        ("--kernel", "kernel release with headers installed (default: running, Debian's, newest)"),
        ("--netmap-double", "netmap test double (default: tests/netmap_double)"),
    )
    meta = read_meta(args.repo / "META")
    default_tarball = args.repo / "out" / "dist" / f"{meta.name}-{meta.version}.tar.gz"
    tarball = Path(args.tarball) if args.tarball else default_tarball
    if not tarball.is_file():
        raise BuildError(f"no tarball at {tarball}: run `nox -s dist` first")
    double = Path(args.netmap_double or args.repo / "tests" / "netmap_double")
    kernel = args.kernel or default_kernel_release()
    with tempfile.TemporaryDirectory(prefix="multistack-release-check-") as work:
        check_release(tarball.resolve(), kernel, double.resolve(), Path(work), session.log)
