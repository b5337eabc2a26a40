"""`nox -s build-freebsd`: build multistack.ko for FreeBSD.

    nox -s build-freebsd -- [--with-sctp | --without-sctp] [SYSDIR=<kernel sources>] [OUT=<dir>]

On FreeBSD the module is built here, against SYSDIR (default /usr/src/sys, whose
sys/dev/netmap is the netmap in base). Elsewhere the FreeBSD 14 VM of vagrant/freebsd14 is
brought up with Vagrant, the tree is synced into it, the module is built there the same way
and copied back. Either way the build tree is build/freebsd/<release>/ (the rendered Makefile
and opt_sctp.h) and the module lands in out/freebsd/<release>/multistack.ko.

SCTP support is on with --with-sctp, off with --without-sctp, and otherwise follows the target
kernel: on when its configuration has `options SCTP` or `options SCTP_SUPPORT`.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from buildsys import commands
from buildsys.errors import BuildError
from buildsys.meta import read_meta
from buildsys.paths import ROOT
from buildsys.templates import render
from buildsys.vm import build_freebsd_in_vm

if TYPE_CHECKING:
    import nox

GLUE = Path("kernel/freebsd")
MAKEFILE_TEMPLATE = GLUE / "Makefile.j2"
OPT_SCTP_TEMPLATE = GLUE / "opt_sctp.h.j2"
DEFAULT_SYSDIR = Path("/usr/src/sys")
USAGE = (
    "Usage: nox -s build-freebsd -- [--with-sctp | --without-sctp] "
    "[SYSDIR=<kernel sources>] [OUT=<dir>]"
)
_KEYS = ("SYSDIR", "OUT")
_SCTP_OPTION = re.compile(r"^\s*options\s+SCTP(_SUPPORT)?\b", re.MULTILINE)
_REVISION = re.compile(r'^REVISION="([0-9.]+)"', re.MULTILINE)
# BRANCH="RELEASE-p5", or BRANCH=${BRANCH_OVERRIDE:-STABLE} on stable branches.
_BRANCH = re.compile(r'^BRANCH="?(?:\$\{BRANCH_OVERRIDE:-([^}]*)\}|([^"$\n]+))"?', re.MULTILINE)


@dataclass(frozen=True)
class Request:
    """What to build, as given on the command line."""

    sctp: bool | None  # None: follow the target kernel's configuration
    sysdir: Path
    out: Path | None


def parse_args(posargs: Sequence[str]) -> Request:
    """Read --with-sctp/--without-sctp and KEY=VALUE arguments; anything else is an error."""
    sctp: bool | None = None
    values: dict[str, str] = {}
    for arg in posargs:
        if arg in ("--with-sctp", "--without-sctp"):
            wanted = arg == "--with-sctp"
            if sctp is not None and sctp != wanted:
                raise BuildError(f"--with-sctp and --without-sctp exclude each other. {USAGE}")
            sctp = wanted
        elif "=" in arg and arg.split("=", 1)[0] in _KEYS:
            key, value = arg.split("=", 1)
            values[key] = value
        else:
            raise BuildError(f"unknown argument {arg!r}. {USAGE}")
    out = values.get("OUT")
    return Request(
        sctp=sctp,
        sysdir=Path(values.get("SYSDIR", str(DEFAULT_SYSDIR))),
        out=Path(out).resolve() if out else None,
    )


def kernel_config_has_sctp(config_text: str) -> bool:
    """Whether a kernel configuration (a KERNCONF file or `sysctl kern.conftxt`) has SCTP."""
    return _SCTP_OPTION.search(config_text) is not None


def module_sources(repo_root: Path) -> tuple[list[str], list[str]]:
    """File names of the glue and of the core, sorted, as SRCS wants them."""
    glue = sorted(p.name for p in (repo_root / GLUE).glob("*.c"))
    core = sorted(p.name for p in (repo_root / "common").glob("*.c"))
    return glue, core


def render_makefile(repo_root: Path, glue_dir: str, core_dir: str) -> str:
    """The bsd.kmod.mk Makefile; glue_dir and core_dir are relative to the Makefile's folder."""
    meta = read_meta(repo_root / "META")
    glue, core = module_sources(repo_root)
    return render(
        repo_root,
        MAKEFILE_TEMPLATE,
        name=meta.name,
        version=meta.version,
        glue=glue,
        core=core,
        glue_dir=glue_dir,
        core_dir=core_dir,
    )


def render_opt_sctp(repo_root: Path, sctp: bool) -> str:
    """opt_sctp.h, defining SCTP or not."""
    return render(repo_root, OPT_SCTP_TEMPLATE, sctp=sctp)


def write_build_tree(repo_root: Path, dest: Path, sctp: bool) -> None:
    """Write Makefile and opt_sctp.h into dest, a folder inside repo_root."""
    dest.mkdir(parents=True, exist_ok=True)
    glue_dir = os.path.relpath(repo_root / GLUE, dest)
    core_dir = os.path.relpath(repo_root / "common", dest)
    (dest / "Makefile").write_text(render_makefile(repo_root, glue_dir, core_dir), encoding="utf-8")
    (dest / "opt_sctp.h").write_text(render_opt_sctp(repo_root, sctp), encoding="utf-8")


def freebsd_release(sysdir: Path) -> str:
    """The release the sources in SYSDIR build ("14.1-RELEASE"), from conf/newvers.sh."""
    newvers = sysdir / "conf" / "newvers.sh"
    if not newvers.is_file():
        raise BuildError(
            f"no FreeBSD kernel sources at SYSDIR={sysdir}: install the src component "
            "(vagrant/provision/freebsd/20-kernel-sources.sh shows how) "
            "or pass SYSDIR=<kernel sources>"
        )
    text = newvers.read_text(encoding="utf-8", errors="replace")
    revision = _REVISION.search(text)
    branch = _BRANCH.search(text)
    if revision is None or branch is None:
        raise BuildError(
            f"{newvers} names no REVISION or BRANCH: the kernel sources are incomplete"
        )
    return f"{revision.group(1)}-{branch.group(1) or branch.group(2)}"


def _detect_sctp(sysdir: Path) -> bool:
    """SCTP as the target kernel has it: the running kernel's config here, else GENERIC's."""
    if platform.system() == "FreeBSD" and sysdir == DEFAULT_SYSDIR:
        proc = commands.run(
            ["sysctl", "-n", "kern.conftxt"], output=commands.Output.CAPTURE, check=False
        )
        if proc.returncode == 0 and proc.stdout:
            return kernel_config_has_sctp(proc.stdout)
    generic = sysdir / platform.machine().replace("x86_64", "amd64") / "conf" / "GENERIC"
    if generic.is_file():
        return kernel_config_has_sctp(generic.read_text(encoding="utf-8", errors="replace"))
    return False


@dataclass(frozen=True)
class Result:
    """A built module and what the build printed."""

    module: Path
    release: str
    log: str


def build_native(request: Request) -> Result:
    """Build on this FreeBSD machine: render the build tree, run make, copy the module out."""
    if shutil.which("make") is None:
        raise BuildError("make is missing: this needs FreeBSD's base system make")
    release = freebsd_release(request.sysdir)
    sctp = request.sctp if request.sctp is not None else _detect_sctp(request.sysdir)
    tree = ROOT / "build" / "freebsd" / release
    if tree.exists():
        shutil.rmtree(tree)
    write_build_tree(ROOT, tree, sctp)
    proc = commands.run(
        ["make", "-C", tree, f"SYSDIR={request.sysdir}", "-j2"],
        # Objects and the module stay in the build tree, whatever obj-dir settings say.
        env={**os.environ, "MAKEOBJDIR": str(tree)},
        output=commands.Output.MERGE,
        what=f"make in {tree}",
    )
    out_dir = request.out or ROOT / "out" / "freebsd" / release
    out_dir.mkdir(parents=True, exist_ok=True)
    module = out_dir / "multistack.ko"
    shutil.copy2(tree / "multistack.ko", module)
    return Result(module=module, release=release, log=proc.stdout)


def vm_arguments(request: Request) -> list[str]:
    """The arguments the VM's build is given: the SCTP choice travels, paths do not."""
    if request.sctp is None:
        return []
    return ["--with-sctp" if request.sctp else "--without-sctp"]


def run(session: nox.Session, posargs: Sequence[str]) -> None:
    """The build-freebsd session: natively on FreeBSD, in the Vagrant VM elsewhere."""
    request = parse_args(posargs)
    if platform.system() == "FreeBSD":
        result = build_native(request)
        session.log(result.log)
        session.log(f"built {result.module} for FreeBSD {result.release}")
        return
    if request.sysdir != DEFAULT_SYSDIR:
        raise BuildError("SYSDIR= applies on FreeBSD only; the VM uses its own /usr/src/sys")
    module = build_freebsd_in_vm(vm_arguments(request), out=request.out)
    session.log(f"built {module} in the FreeBSD VM")
