"""Build multistack.ko with FreeBSD's own bsd.kmod.mk from the Makefile buildsys renders.

bmake reads FreeBSD's share/mk and sys/conf/kmod.mk, so the rendered Makefile, opt_sctp.h
and every compile and link flag are FreeBSD's own; clang cross-compiles for
x86_64-unknown-freebsd and ld.lld links the kld. The result must be a FreeBSD relocatable
ELF object whose only unresolved symbols are the kernel's.

Needs bmake, clang, ld.lld and llvm-objcopy (Debian: apt-get install bmake clang lld llvm),
and a FreeBSD source tree with share/mk and sys: MS_FREEBSD_SRC=<tree> (or the parent of
MS_FREEBSD_SYSDIR). Skips without them, as in CI: FreeBSD's installed headers (what
test_freebsd_compile.py uses there) do not include its make files. Two things are adapted to
building off FreeBSD: kmod.mk's `xargs -J` (BSD only) gets a stand-in, and a tree older than
FreeBSD 13 gets the 13+ net-epoch spelling mapped onto its own (see test_freebsd_compile.py);
clang is told not to fail on warning flags an older kern.mk spells the way older clang did.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from buildsys import freebsd
from tests.build.test_freebsd_compile import EPOCH_SHIM_FOR_12

REPO = Path(__file__).resolve().parents[2]

BSD_XARGS = """\
#!{python}
# BSD `xargs -J REPL cmd ...`: the words read from stdin go where REPL stands.
import os, subprocess, sys
args = sys.argv[1:]
if args and args[0].startswith("-J"):
    repl, cmd = (args[0][2:], args[1:]) if len(args[0]) > 2 else (args[1], args[2:])
    words = sys.stdin.read().split()
    sys.exit(subprocess.call([w for c in cmd for w in (words if c == repl else [c])]))
os.execv({xargs!r}, ["xargs", *args])
"""


def _tool(*names: str) -> str:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(f"{names[0]} is not installed (Debian: apt-get install bmake clang lld llvm)")


def _source_tree() -> Path:
    value = os.environ.get("MS_FREEBSD_SRC")
    if not value and os.environ.get("MS_FREEBSD_SYSDIR"):
        value = str(Path(os.environ["MS_FREEBSD_SYSDIR"]).parent)
    if not value:
        pytest.skip(
            "no FreeBSD source tree: set MS_FREEBSD_SRC=<tree with share/mk and sys> "
            "(the installed headers the compile check uses carry no bsd.kmod.mk or kmod.mk)"
        )
    tree = Path(value)
    if (
        not (tree / "share" / "mk" / "bsd.kmod.mk").is_file()
        or not (tree / "sys" / "conf" / "kmod.mk").is_file()
    ):
        pytest.skip(f"{tree} lacks share/mk/bsd.kmod.mk or sys/conf/kmod.mk")
    return tree


@pytest.mark.parametrize("sctp", [False, True], ids=["no-sctp", "sctp"])
def test_kmod_builds_with_bsd_kmod_mk(sctp: bool, tmp_path: Path) -> None:
    tree = _source_tree()
    sysdir = tree / "sys"
    bmake = _tool("bmake")
    clang = _tool("clang", "clang-14", "clang-15", "clang-16")
    lld = _tool("ld.lld", "ld.lld-14", "ld.lld-15", "ld.lld-16")
    objcopy = _tool("llvm-objcopy", "llvm-objcopy-14", "llvm-objcopy-15", "llvm-objcopy-16")
    readelf = _tool("llvm-readelf", "llvm-readelf-14", "llvm-readelf-15", "llvm-readelf-16")
    nm = _tool("llvm-nm", "llvm-nm-14", "llvm-nm-15", "llvm-nm-16")
    major = int(freebsd.freebsd_release(sysdir).split(".")[0])

    tools = tmp_path / "tools"
    tools.mkdir()
    cc_flags = ["-target", f"x86_64-unknown-freebsd{major}", "-Wno-unknown-warning-option"]
    if "NET_EPOCH_CALL" not in (sysdir / "sys" / "epoch.h").read_text(errors="replace"):
        (tools / "epoch_shim.h").write_text(EPOCH_SHIM_FOR_12, encoding="utf-8")
        cc_flags += ["-include", str(tools / "epoch_shim.h")]
    (tools / "cc").write_text(f'#!/bin/sh\nexec {clang} {" ".join(cc_flags)} "$@"\n')
    xargs = shutil.which("xargs") or "/usr/bin/xargs"
    (tools / "xargs").write_text(BSD_XARGS.format(python=sys.executable, xargs=xargs))
    for name in ("cc", "xargs"):
        (tools / name).chmod(0o755)

    build = tmp_path / "build"
    freebsd.write_build_tree(REPO, build, sctp)
    env = dict(
        os.environ,
        PATH=f"{tools}{os.pathsep}{os.environ['PATH']}",
        MACHINE="amd64",
        MACHINE_ARCH="amd64",
        MAKEOBJDIR=str(build),
    )
    proc = subprocess.run(
        [
            bmake,
            "-m",
            str(tree / "share" / "mk"),
            f"SYSDIR={sysdir}",
            f"CC={tools / 'cc'}",
            "COMPILER_TYPE=clang",
            "COMPILER_VERSION=140000",
            "COMPILER_FEATURES=c++11 c++14 c++17 retpoline init-all",
            f"LD={lld}",
            "LINKER_TYPE=lld",
            "LINKER_VERSION=140000",
            f"OBJCOPY={objcopy}",
            "-j2",
        ],
        cwd=build,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    module = build / "multistack.ko"
    header = subprocess.run([readelf, "-h", str(module)], capture_output=True, text=True).stdout
    assert re.search(r"OS/ABI:\s+UNIX - FreeBSD", header)
    assert re.search(r"Type:\s+REL", header)

    undefined = set(
        subprocess.run([nm, "-u", str(module)], capture_output=True, text=True).stdout.split()
    ) - {"U"}
    # The module's own code (glue and core) resolves inside it; what is left is the kernel's.
    assert not {s for s in undefined if s.startswith(("ms_", "ms_os_"))}
    assert {"netmap_bdg_regops", "netmap_vale_create", "nm_is_bwrap", "fget"} <= undefined
