"""`nox -s kernel-matrix`: build multistack for every Debian kernel line within reach, and
optionally boot each kernel with the guest scenarios.

    nox -s kernel-matrix -- [--only NAME,...] [--netmap NSRC:NBUILD]... [--guests]
                            [--refresh] [--json PATH]

The lines are the host's own kernel (`host`) and one chroot per kernel line the host cannot
install (buildsys.chroots: bullseye, trixie, trixie-backports, forky), made on first use and
cached. For each line the module is built, W=1, with that line's compiler, against the netmap
test double; and against real netmap when a `--netmap NSRC:NBUILD` build was made for that
kernel (its netmap.ko's vermagic names the release). `--guests` boots each kernel under qemu with
the guest scenarios (tests/guest) against every build. One row per line is printed, and `--json`
writes the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from buildsys import chroots, commands, kernels, linux
from buildsys.errors import BuildError
from buildsys.paths import BUILD, OUT, ROOT

if TYPE_CHECKING:
    import nox

HOST = "host"
DOUBLE = ROOT / "tests" / "netmap_double"
GUEST_TESTS = ROOT / "tests" / "guest"


def line_names() -> list[str]:
    """Every line the matrix knows, host first."""
    return [HOST, *chroots.RECIPES]


@dataclass(frozen=True)
class NetmapBuild:
    """A real netmap tree and the build directory where it was built for one kernel."""

    src: Path
    build: Path
    release: str


@dataclass
class Row:
    """What the matrix found for one kernel line."""

    name: str  # host, or the chroot's name
    release: str | None = None
    line: str | None = None  # major.minor
    build: str = "not run"  # ok, fail, or why it did not run
    warnings: int | None = None  # W=1 warnings of the build against the double
    netmap_build: str = "not given"  # the build against real netmap: ok, fail, not given
    netmap_warnings: int | None = None
    guests: dict[str, str] = field(default_factory=dict)  # backend -> pass/fail/skip summary
    chroot_seconds: float | None = None
    chroot_made: bool | None = None
    build_seconds: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Built with no warning, every given netmap build too, and no guest run failed."""
        return (
            self.build == "ok"
            and self.warnings == 0
            and self.netmap_build in ("ok", "not given")
            and self.netmap_warnings in (0, None)
            and not any(g.startswith("fail") for g in self.guests.values())
        )


@dataclass(frozen=True)
class Options:
    names: tuple[str, ...]
    netmap: tuple[NetmapBuild, ...] = ()
    guests: bool = False
    refresh: bool = False
    json_path: Path | None = None


def vermagic_release(ko: Path) -> str:
    """The kernel release a module was built for (the first word of its vermagic)."""
    proc = commands.run(
        ["modinfo", "-F", "vermagic", ko], output=commands.Output.CAPTURE, check=False
    )
    if proc.returncode != 0 or not proc.stdout.split():
        raise BuildError(f"{ko} is not a kernel module with a vermagic: {proc.stderr}")
    return proc.stdout.split()[0]


def parse_netmap(spec: str) -> NetmapBuild:
    """`NSRC:NBUILD` (NBUILD holding the netmap.ko built for one kernel)."""
    src, sep, build = spec.partition(":")
    if not sep or not src or not build:
        raise BuildError(f"--netmap wants NSRC:NBUILD, not {spec!r}")
    src_path, build_path = Path(src).resolve(), Path(build).resolve()
    module = build_path / "netmap.ko"
    if not module.is_file():
        raise BuildError(f"--netmap {spec}: {module} is not built")
    return NetmapBuild(src_path, build_path, vermagic_release(module))


def parse_args(posargs: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog="nox -s kernel-matrix --", description=__doc__)
    parser.add_argument("--only", help=f"comma-separated lines (default all: {line_names()})")
    parser.add_argument("--netmap", action="append", default=[], metavar="NSRC:NBUILD")
    parser.add_argument("--guests", action="store_true", help="boot each kernel with the guests")
    parser.add_argument("--refresh", action="store_true", help="make the chroots again")
    parser.add_argument("--json", type=Path, help="write the rows as JSON to this file")
    args = parser.parse_args(list(posargs))
    names = tuple(args.only.split(",")) if args.only else tuple(line_names())
    unknown = [n for n in names if n not in line_names()]
    if unknown:
        raise BuildError(f"unknown line {unknown[0]!r}; known: {', '.join(line_names())}")
    return Options(
        names=names,
        netmap=tuple(parse_netmap(spec) for spec in args.netmap),
        guests=args.guests,
        refresh=args.refresh,
        json_path=args.json,
    )


@dataclass(frozen=True)
class Target:
    """A kernel to build for: where its tree lives (a chroot root, or / for the host)."""

    root: Path
    kernel: kernels.Kernel

    @property
    def chroot(self) -> Path | None:
        return None if self.root == Path("/") else self.root


def find_target(row: Row, refresh: bool) -> Target | None:
    """The kernel of the row's line, making its chroot first if needed; None (and the row says
    why) when there is none."""
    if row.name == HOST:
        root = Path("/")
        kernel = kernels.default_kernel(need_headers=True)
    else:
        try:
            made = chroots.ensure(chroots.RECIPES[row.name], refresh=refresh)
        except BuildError as err:
            row.build = "no chroot"
            row.errors.append(str(err))
            return None
        root, row.chroot_made, row.chroot_seconds = made.root, made.made, made.seconds
        kernel = kernels.newest(kernels.find_kernels(root), need_headers=True)
    if kernel is None or kernel.headers is None:
        row.build = "no headers"
        row.errors.append(f"no kernel with headers under {root}")
        return None
    row.release = kernel.release
    row.line = "{}.{}".format(*kernels.line_of(kernel.release))
    return Target(root, kernel)


def module_out(release: str, backend: str) -> Path:
    return OUT / "kernel-matrix" / release / backend


def _build(target: Target, nsrc: Path, nbuild: Path | None, backend: str) -> linux.Result:
    assert target.kernel.headers is not None
    request = linux.Request(
        ksrc=target.kernel.headers,
        nsrc=nsrc,
        nbuild=nbuild,
        out=module_out(target.kernel.release, backend),
        vm=None,
        rest=(),
        chroot=target.chroot,
    )
    return linux.build(request, allow_warnings=True)


def build_row(row: Row, target: Target, netmap: Sequence[NetmapBuild]) -> None:
    """Build against the double, then against each real netmap made for this kernel."""
    start = time.monotonic()
    try:
        result = _build(target, DOUBLE.resolve(), None, "double")
        row.build, row.warnings = "ok", len(result.warnings)
        row.errors += list(result.warnings)
    except BuildError as err:
        row.build = "fail"
        row.errors.append(str(err))
    for real in netmap:
        if real.release != target.kernel.release:
            continue
        try:
            result = _build(target, real.src, real.build, "netmap")
            row.netmap_build, row.netmap_warnings = "ok", len(result.warnings)
            row.errors += list(result.warnings)
        except BuildError as err:
            row.netmap_build = "fail"
            row.errors.append(str(err))
    row.build_seconds = round(time.monotonic() - start, 1)


def _junit_summary(path: Path) -> tuple[int, int, int]:
    """(passed, failed, skipped) from pytest's JUnit XML report."""
    suite = ET.parse(path).getroot()
    if suite.tag == "testsuites":
        suite = suite[0]
    total, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    return total - failed - skipped, failed, skipped


def guest_environment(
    target: Target, backend: str, real: NetmapBuild | None, base: Mapping[str, str]
) -> dict[str, str]:
    """The environment tests/guest reads to boot this kernel with this build's modules."""
    release = target.kernel.release
    chosen_here = ("NSRC", "NBUILD", "NETMAP_KO", "MS_GUEST_ROOT")
    env = {k: v for k, v in base.items() if k not in chosen_here}
    env["MS_GUEST_KREL"] = release
    env["MULTISTACK_KO"] = str(module_out(release, backend) / "multistack.ko")
    if target.chroot is not None:
        env["MS_GUEST_ROOT"] = str(target.chroot)
    if real is None:
        env["NETMAP_KO"] = str(BUILD / "netmap_double" / release / "netmap.ko")
    else:
        env["NSRC"], env["NBUILD"] = str(real.src), str(real.build)
    return env


def run_guests(row: Row, target: Target, netmap: Sequence[NetmapBuild]) -> None:
    """Boot the kernel with the scenarios once per successful build; summarise each run."""
    runs: list[tuple[str, NetmapBuild | None]] = []
    if row.build == "ok":
        runs.append(("double", None))
    runs += [("netmap", n) for n in netmap if n.release == target.kernel.release]
    if row.netmap_build != "ok":
        runs = [r for r in runs if r[0] != "netmap"]
    for backend, real in runs:
        report = BUILD / "kernel-matrix" / f"{target.kernel.release}-{backend}.xml"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "pytest", str(GUEST_TESTS), "-q", f"--junitxml={report}"]
        env = guest_environment(target, backend, real, os.environ)
        commands.run(cmd, cwd=ROOT, env=env, check=False)
        if not report.is_file():
            row.guests[backend] = "fail (pytest wrote no report)"
            continue
        passed, failed, skipped = _junit_summary(report)
        verdict = "fail" if failed or not passed else "pass"
        row.guests[backend] = f"{verdict} ({passed} passed, {failed} failed, {skipped} skipped)"


def run_matrix(options: Options, log: Callable[[str], None] = print) -> list[Row]:
    """Every row of the matrix, in kernel order (rows without a kernel last)."""
    rows: list[Row] = []
    for name in options.names:
        row = Row(name)
        log(f"kernel-matrix: {name}: finding the kernel")
        target = find_target(row, options.refresh)
        if target is not None:
            log(f"kernel-matrix: {name}: building for {row.release}")
            build_row(row, target, options.netmap)
            if options.guests:
                log(f"kernel-matrix: {name}: booting {row.release}")
                run_guests(row, target, options.netmap)
        rows.append(row)
    known = sorted(
        (r for r in rows if r.release), key=lambda r: kernels.release_sort_key(r.release or "")
    )
    return known + [r for r in rows if not r.release]


def _guest_cell(row: Row, asked: bool) -> str:
    if not asked:
        return "not run"
    if not row.guests:
        return "not run (no build)"
    return "; ".join(f"{backend}: {verdict}" for backend, verdict in row.guests.items())


def table(rows: Sequence[Row], guests_asked: bool) -> str:
    """One line per kernel: line, release, where it came from, build, W=1 warnings, guests."""
    head = ("line", "release", "from", "build", "W=1", "netmap", "guests")
    cells = [
        (
            r.line or "?",
            r.release or "-",
            r.name,
            r.build,
            "-" if r.warnings is None else str(r.warnings),
            r.netmap_build + ("" if r.netmap_warnings is None else f" (W=1 {r.netmap_warnings})"),
            _guest_cell(r, guests_asked),
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head) - 1)]
    lines = []
    for c in [head, *cells]:
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=False)) + "  " + c[-1])
    return "\n".join(line.rstrip() for line in lines)


def to_json(rows: Sequence[Row]) -> str:
    return json.dumps([{**asdict(r), "ok": r.ok} for r in rows], indent=1) + "\n"


def run(session: nox.Session, posargs: Sequence[str]) -> None:
    options = parse_args(posargs)
    start = time.monotonic()
    rows = run_matrix(options, session.log)
    for row in rows:
        for error in row.errors:
            session.log(f"{row.name} ({row.release}): {error}")
    session.log(f"kernel matrix ({time.monotonic() - start:.0f} s):\n{table(rows, options.guests)}")
    if options.json_path is not None:
        options.json_path.parent.mkdir(parents=True, exist_ok=True)
        options.json_path.write_text(to_json(rows), encoding="utf-8")
        session.log(f"wrote {options.json_path}")
    failed = [r.name for r in rows if not r.ok]
    if failed:
        session.error(f"kernel matrix: not clean on {', '.join(failed)}")
