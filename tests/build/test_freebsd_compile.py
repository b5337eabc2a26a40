"""Compile the FreeBSD module's sources (glue and core) against real FreeBSD kernel headers.

This machine is not FreeBSD, so clang cross-compiles each file for x86_64-unknown-freebsd
with the flags bsd.kmod.mk uses for a kld (-D_KERNEL -DKLD_MODULE -nostdinc, kernel code
model, no FPU) plus -Wall -Wextra -Werror, into objects that are thrown away. It needs a
FreeBSD `sys/` tree: set MS_FREEBSD_SYSDIR=<path to sys>; without one the test skips.

The tree's own sys/dev/netmap is the netmap compiled against, as on FreeBSD; with
MS_NETMAP_SRC=<an upstream netmap tree> the files are compiled a second time with that
netmap's sys/ headers in front, as a FreeBSD whose netmap was updated would have. Trees older
than FreeBSD 13 lack the 13+ spelling of the net-epoch macros (NET_EPOCH_ENTER(et),
NET_EPOCH_CALL, ...); for those the test force-includes a small mapping onto the older
spelling, so that everything else is still checked against the real headers.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from buildsys import freebsd  # noqa: E402

SOURCES = sorted((REPO / "kernel" / "freebsd").glob("*.c")) + sorted((REPO / "common").glob("*.c"))

# The net-epoch macros as FreeBSD 13 spells them, for a FreeBSD 12 tree (whose if_var.h
# has NET_EPOCH_ENTER() without an argument and epoch_call(epoch, ctx, fn)).
EPOCH_SHIM_FOR_12 = """\
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/lock.h>
#include <sys/rwlock.h>
#include <sys/socket.h>
#include <sys/epoch.h>
#include <net/if.h>
#include <net/if_var.h>
#undef NET_EPOCH_ENTER
#undef NET_EPOCH_EXIT
typedef void epoch_callback_t(epoch_context_t);
#define NET_EPOCH_ENTER(et) epoch_enter_preempt(net_epoch_preempt, &(et))
#define NET_EPOCH_EXIT(et) epoch_exit_preempt(net_epoch_preempt, &(et))
#define NET_EPOCH_CALL(f, c) epoch_call(net_epoch_preempt, (c), (f))
#define NET_EPOCH_DRAIN_CALLBACKS() epoch_drain_callbacks(net_epoch_preempt)
"""


def _sysdir() -> Path:
    value = os.environ.get("MS_FREEBSD_SYSDIR")
    if not value:
        pytest.skip("no FreeBSD kernel headers: set MS_FREEBSD_SYSDIR=<a FreeBSD sys/ tree>")
    sysdir = Path(value)
    if not (sysdir / "conf" / "newvers.sh").is_file() or not (sysdir / "amd64").is_dir():
        pytest.skip(f"MS_FREEBSD_SYSDIR={sysdir} is not a FreeBSD sys/ tree with amd64")
    return sysdir


def _clang() -> str:
    for name in ("clang", "clang-14", "clang-15", "clang-16"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("clang is not installed (Debian: apt-get install clang)")


def _major(sysdir: Path) -> int:
    match = re.match(r"([0-9]+)\.", freebsd.freebsd_release(sysdir))
    assert match, "newvers.sh has no REVISION"
    return int(match.group(1))


@pytest.fixture(scope="module", params=[False, True], ids=["no-sctp", "sctp"])
def include_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What bsd.kmod.mk would put in the object folder: machine links and opt_*.h."""
    sysdir = _sysdir()
    inc = tmp_path_factory.mktemp("fbsd-inc")
    (inc / "machine").symlink_to(sysdir / "amd64" / "include")
    (inc / "x86").symlink_to(sysdir / "x86" / "include")
    (inc / "opt_inet.h").write_text("#define INET 1\n", encoding="utf-8")
    (inc / "opt_inet6.h").write_text("#define INET6 1\n", encoding="utf-8")
    (inc / "opt_sctp.h").write_text(freebsd.render_opt_sctp(REPO, request.param), "utf-8")
    epoch = (sysdir / "sys" / "epoch.h").read_text(encoding="utf-8", errors="replace")
    if "NET_EPOCH_CALL" not in epoch:
        (inc / "epoch_shim.h").write_text(EPOCH_SHIM_FOR_12, encoding="utf-8")
    return inc


def _netmap_variants() -> list[str]:
    return (
        ["base-netmap", "upstream-netmap"] if os.environ.get("MS_NETMAP_SRC") else ["base-netmap"]
    )


@pytest.mark.parametrize("netmap", _netmap_variants())
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_compiles_against_freebsd_headers(
    source: Path, netmap: str, include_dir: Path, tmp_path: Path
) -> None:
    sysdir = _sysdir()
    netmap_first: list[str] = []
    if netmap == "upstream-netmap":
        upstream = Path(os.environ["MS_NETMAP_SRC"]) / "sys"
        if not (upstream / "dev" / "netmap" / "netmap_kern.h").is_file():
            pytest.skip(f"MS_NETMAP_SRC has no sys/dev/netmap/netmap_kern.h: {upstream}")
        netmap_first = ["-isystem", str(upstream)]
    command = [
        _clang(),
        "-target",
        f"x86_64-unknown-freebsd{_major(sysdir)}",
        "-c",
        "-o",
        str(tmp_path / "out.o"),
        "-O2",
        "-std=gnu99",
        "-D_KERNEL",
        "-DKLD_MODULE",
        '-DMS_VERSION="test"',
        "-nostdinc",
        f"-I{include_dir}",
        f"-I{REPO / 'kernel' / 'freebsd' / 'include'}",
        f"-I{REPO / 'kernel' / 'freebsd'}",
        f"-I{REPO / 'common' / 'include'}",
        # The kernel's own headers are system headers: their warnings are FreeBSD's.
        *netmap_first,
        "-isystem",
        str(sysdir),
        "-isystem",
        str(sysdir / "contrib" / "ck" / "include"),
        "-fno-common",
        "-ffreestanding",
        "-fwrapv",
        "-mcmodel=kernel",
        "-mno-red-zone",
        "-mno-mmx",
        "-mno-sse",
        "-msoft-float",
        "-D__printf__=__freebsd_kprintf__",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-Wstrict-prototypes",
        "-Wmissing-prototypes",
        "-Wpointer-arith",
        "-Wcast-qual",
        "-Wundef",
        "-Werror",
    ]
    if (include_dir / "epoch_shim.h").exists():
        command += ["-include", str(include_dir / "epoch_shim.h")]
    proc = subprocess.run([*command, str(source)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.o").stat().st_size > 0
