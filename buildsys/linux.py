"""`nox -s build-linux`: build multistack.ko against a kernel and a netmap tree.

    nox -s build-linux -- [KSRC=<kernel build dir>] NSRC=<netmap tree> [NBUILD=<netmap build dir>]
                          [OUT=<dir>] [--vm NAME]

KSRC defaults to the build directory of buildsys.kernels.default_kernel (the running kernel,
else the one Debian's linux-headers-amd64 installed, else the newest with headers); NSRC and
NBUILD may also come from the environment. NBUILD is where netmap was configured and built
(its Module.symvers and generated netmap_linux_config.h); it defaults to NSRC/LINUX when netmap
was built in place there, else to NSRC. NSRC=tests/netmap_double builds the test double into
build/netmap_double/<release>/ first. The module is built with W=1 in
build/linux/<release>-<netmap>/ (a copy of kernel/linux and common/ with the rendered Kbuild)
and copied to out/linux/<release>/multistack.ko.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from buildsys import chroots, commands, kernels, vm
from buildsys.errors import BuildError
from buildsys.kbuild import write_kbuild_tree
from buildsys.meta import read_meta, release_tuple
from buildsys.paths import ROOT

if TYPE_CHECKING:
    import nox

DOUBLE = ROOT / "tests" / "netmap_double"
USAGE = (
    "Usage: nox -s build-linux -- [KSRC=<kernel build dir>] NSRC=<netmap tree> "
    "[NBUILD=<netmap build dir>] [OUT=<dir>] [--vm NAME [--local-box]]"
)
GET_NETMAP = (
    "NSRC is not set: get netmap (git clone https://github.com/luigirizzo/netmap), build it "
    "(cd netmap/LINUX && ./configure --no-drivers && make), then pass NSRC=<that tree> "
    "(and NBUILD=<build dir> if you configured it elsewhere), or NSRC=tests/netmap_double "
    "for the test double"
)
_API = re.compile(r"^#define\s+NETMAP_API\s+([0-9]+)", re.MULTILINE)
_UTS = re.compile(r'^#define\s+UTS_RELEASE\s+"([^"]+)"', re.MULTILINE)
_KEYS = ("KSRC", "NSRC", "NBUILD", "OUT")
_COPY_IGNORE = shutil.ignore_patterns(
    "*.o", "*.ko", "*.mod", "*.mod.c", ".*.cmd", "Module.symvers", "modules.order", ".probes"
)


@dataclass(frozen=True)
class Request:
    """What to build against, as given on the command line or in the environment."""

    ksrc: Path
    nsrc: Path | None
    nbuild: Path | None
    out: Path | None
    vm: str | None
    rest: tuple[str, ...]
    # Build inside this chroot (buildsys.chroots) with its compiler; KSRC is a host path below it.
    chroot: Path | None = None


def parse_args(posargs: Sequence[str], environ: Mapping[str, str]) -> Request:
    """Read KEY=VALUE arguments and `--vm NAME`; unknown arguments are an error."""
    values: dict[str, str] = {}
    vm: str | None = None
    rest: list[str] = []
    args = list(posargs)
    while args:
        arg = args.pop(0)
        if arg == "--vm":
            if not args:
                raise BuildError(f"--vm needs a VM name. {USAGE}")
            vm = args.pop(0)
        elif "=" in arg and arg.split("=", 1)[0] in _KEYS:
            key, value = arg.split("=", 1)
            values[key] = value
        else:
            rest.append(arg)
    if rest and vm is None:
        raise BuildError(f"unknown argument {rest[0]!r}. {USAGE}")
    ksrc = values.get("KSRC") or _default_ksrc()
    nsrc = values.get("NSRC") or environ.get("NSRC")
    nbuild = values.get("NBUILD") or environ.get("NBUILD")
    out = values.get("OUT")
    return Request(
        ksrc=Path(ksrc),
        nsrc=Path(nsrc).resolve() if nsrc else None,
        nbuild=Path(nbuild).resolve() if nbuild else None,
        out=Path(out).resolve() if out else None,
        vm=vm,
        rest=tuple(rest),
    )


def _default_ksrc() -> Path:
    kernel = kernels.default_kernel(need_headers=True)
    if kernel is None or kernel.headers is None:
        raise BuildError(
            "no kernel headers are installed: install linux-headers-amd64 (Debian) "
            "or pass KSRC=<kernel build dir>"
        )
    return kernel.headers


def kernel_release(ksrc: Path) -> str:
    """The release KSRC builds for (UTS_RELEASE, as `uname -r` prints it), or BuildError."""
    uts = ksrc / "include" / "generated" / "utsrelease.h"
    if not (ksrc / "Makefile").is_file() or not uts.is_file():
        raise BuildError(
            f"no kernel headers at KSRC={ksrc}: install the kernel's headers "
            "(linux-headers-amd64 on Debian) or pass KSRC=<kernel build dir>"
        )
    match = _UTS.search(uts.read_text(encoding="utf-8", errors="replace"))
    if match is None:
        raise BuildError(f"{uts} does not define UTS_RELEASE: the kernel headers are incomplete")
    return match.group(1)


def netmap_api(nsrc: Path) -> int:
    """NETMAP_API of the netmap tree NSRC (from sys/net/netmap.h)."""
    header = nsrc / "sys" / "net" / "netmap.h"
    if not header.is_file():
        raise BuildError(f"NSRC={nsrc} is not a netmap tree: it has no sys/net/netmap.h")
    match = _API.search(header.read_text(encoding="utf-8", errors="replace"))
    if match is None:
        raise BuildError(f"{header} does not define NETMAP_API")
    return int(match.group(1))


def netmap_build_dir(nsrc: Path, nbuild: Path | None) -> Path:
    """Where netmap was built: NBUILD, else NSRC/LINUX or NSRC, whichever has Module.symvers."""
    candidates = [nbuild] if nbuild else [nsrc / "LINUX", nsrc]
    for candidate in candidates:
        if (candidate / "Module.symvers").is_file():
            if not (candidate / "netmap_linux_config.h").is_file():
                raise BuildError(
                    f"netmap build directory {candidate} has no netmap_linux_config.h: "
                    "configure and build netmap there again"
                )
            return candidate
    where = " or ".join(str(c) for c in candidates)
    raise BuildError(
        f"netmap at NSRC={nsrc} is not built (no Module.symvers in {where}): run "
        "./configure --kernel-dir=<KSRC> --no-drivers && make in NSRC/LINUX or in a build "
        "directory, and pass NBUILD=<that directory>"
    )


def _make(args: Sequence[str], chroot: Path | None = None, binds: Sequence[Path] = ()) -> str:
    """Run make (in `chroot`, seeing the host's `binds` and the repository), returning its
    combined output; BuildError with the output's tail if it fails."""
    argv = ["make", *args]
    if chroot is not None:
        argv = chroots.command(chroot, argv, [ROOT, *binds])
    what = f"make {' '.join(args)}" + (f" (in the chroot {chroot})" if chroot else "")
    return commands.run(argv, output=commands.Output.MERGE, what=what).stdout


def _ksrc_for_make(ksrc: Path, chroot: Path | None) -> Path:
    """KSRC as make sees it: inside the chroot, the headers' absolute include paths only hold
    when they are named from within it."""
    return chroots.inside(chroot, ksrc) if chroot is not None else ksrc


def warning_lines(output: str) -> list[str]:
    """The compiler's warnings in a build's output."""
    return [line for line in output.splitlines() if "warning:" in line]


def build_double(ksrc: Path, release: str, chroot: Path | None = None) -> Path:
    """Build the netmap test double out of place, in build/netmap_double/<release>/."""
    dest = ROOT / "build" / "netmap_double" / release
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(DOUBLE, dest, ignore=_COPY_IGNORE)
    output = _make(["-C", str(dest), f"KSRC={_ksrc_for_make(ksrc, chroot)}", "W=1", "-j2"], chroot)
    warnings = warning_lines(output)
    if warnings:
        raise BuildError(f"the netmap test double built with {len(warnings)} warnings:\n{output}")
    return dest


@dataclass(frozen=True)
class Result:
    """A built module and what the build printed."""

    module: Path
    release: str
    log: str
    tree: Path  # the build tree: kernel/linux and common, as DKMS would lay them out
    warnings: tuple[str, ...] = ()  # W=1 warnings, when build() was allowed to keep them


def build(request: Request, allow_warnings: bool = False) -> Result:
    """Check the inputs, lay out the build tree, build with W=1 and copy the module out.

    A warning fails the build unless `allow_warnings` (the kernel matrix counts them instead).
    """
    meta = read_meta(ROOT / "META")
    release = kernel_release(request.ksrc)
    if request.nsrc is None:
        raise BuildError(GET_NETMAP)
    api = netmap_api(request.nsrc)
    if api != meta.netmap_api:
        raise BuildError(
            f"netmap at NSRC={request.nsrc} has NETMAP_API {api}, "
            f"but multistack {meta.version} supports NETMAP_API {meta.netmap_api} only"
        )
    if request.nsrc == DOUBLE.resolve() and request.nbuild is None:
        nbuild = build_double(request.ksrc, release, request.chroot)
    else:
        nbuild = netmap_build_dir(request.nsrc, request.nbuild)

    tag = hashlib.sha256(f"{request.nsrc}\0{nbuild}".encode()).hexdigest()[:8]
    tree = ROOT / "build" / "linux" / f"{release}-{tag}"
    if tree.exists():
        shutil.rmtree(tree)
    shutil.copytree(ROOT / "kernel" / "linux", tree / "kernel" / "linux", ignore=_COPY_IGNORE)
    shutil.copytree(ROOT / "common", tree / "common", ignore=_COPY_IGNORE)
    module_dir = tree / "kernel" / "linux"
    (module_dir / "Kbuild").unlink(missing_ok=True)
    write_kbuild_tree(ROOT, module_dir)

    output = _make(
        [
            "-C",
            str(module_dir),
            f"KSRC={_ksrc_for_make(request.ksrc, request.chroot)}",
            f"NSRC={request.nsrc}",
            f"NBUILD={nbuild}",
            "W=1",
            "-j2",
        ],
        request.chroot,
        [request.nsrc, nbuild],
    )
    warnings = warning_lines(output)
    if warnings and not allow_warnings:
        raise BuildError(f"multistack.ko built with {len(warnings)} warnings (W=1):\n{output}")
    out_dir = request.out or ROOT / "out" / "linux" / release
    out_dir.mkdir(parents=True, exist_ok=True)
    module = out_dir / "multistack.ko"
    shutil.copy2(module_dir / "multistack.ko", module)
    return Result(module=module, release=release, log=output, tree=tree, warnings=tuple(warnings))


def _supported_note(release: str) -> str | None:
    """A warning when the kernel is outside META's tested range (the build may still work)."""
    meta = read_meta(ROOT / "META")
    try:
        found = kernels.line_of(release)
    except ValueError:
        return None
    if release_tuple(meta.linux_min) <= found <= release_tuple(meta.linux_max):
        return None
    return f"kernel {release} is outside the tested range {meta.linux_min}..{meta.linux_max}"


def run(session: nox.Session, posargs: Sequence[str]) -> None:
    """The build-linux session: build locally, or in a VM with --vm NAME."""
    args = list(posargs)
    if "--vm" in args:
        # Everything else is for the VM's build: the host need not have any kernel headers.
        at = args.index("--vm")
        if at + 1 >= len(args):
            raise BuildError(f"--vm needs a VM name. {USAGE}")
        name = args[at + 1]
        module = vm.build_linux_in_vm(name, args[:at] + args[at + 2 :])
        session.log(f"built {module} in VM {name}")
        return
    request = parse_args(posargs, os.environ)
    note = _supported_note(kernel_release(request.ksrc))
    if note:
        session.warn(note)
    result = build(request)
    session.log(result.log)
    session.log(f"built {result.module} for Linux {result.release} (W=1, no warnings)")
