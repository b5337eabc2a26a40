"""Compile the FreeBSD module's sources (glue and core) against real FreeBSD kernel headers.

This machine is not FreeBSD, so clang cross-compiles each file for x86_64-unknown-freebsd<N>
with the flags bsd.kmod.mk uses for a kld (-D_KERNEL -DKLD_MODULE -nostdinc, kernel code
model, no FPU) plus -Wall -Wextra -Werror, with the generated opt_sctp.h with and without
SCTP, into objects that are thrown away.

The headers (see freebsd_headers.py): a FreeBSD sys/ tree when MS_FREEBSD_SYSDIR=<path to
sys> is set, whose own sys/dev/netmap is the netmap compiled against, as on FreeBSD; otherwise
FreeBSD 15's installed headers from the ziglang package that ./dev installs, with the
kernel-only headers FreeBSD does not install (netmap's kernel headers among them) taken from
the minimal shims in tests/freebsd_shims/. With MS_NETMAP_SRC=<an upstream netmap tree> the
files are compiled a second time with that netmap's sys/ headers in front, as a FreeBSD whose
netmap was updated would have (with ziglang's headers, this replaces the netmap shims by the
real thing). Trees older than FreeBSD 13 lack the 13+ spelling of the net-epoch macros
(NET_EPOCH_ENTER(et), NET_EPOCH_CALL, ...); for those the test force-includes a small mapping
onto the older spelling, so that everything else is still checked against the real headers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from buildsys import freebsd
from tests.build import freebsd_headers

REPO = Path(__file__).resolve().parents[2]

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


def _headers() -> freebsd_headers.FreebsdHeaders:
    try:
        return freebsd_headers.find()
    except freebsd_headers.HeadersMissing as missing:
        pytest.skip(str(missing))


def _clang() -> str:
    for name in ("clang", "clang-14", "clang-15", "clang-16"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("clang is not installed (Debian: apt-get install clang)")


def _object_folder(headers: freebsd_headers.FreebsdHeaders, inc: Path, sctp: bool) -> Path:
    """What bsd.kmod.mk would put in the object folder: machine links and opt_*.h."""
    for name, target in headers.links:
        (inc / name).symlink_to(target)
    (inc / "opt_inet.h").write_text("#define INET 1\n", encoding="utf-8")
    (inc / "opt_inet6.h").write_text("#define INET6 1\n", encoding="utf-8")
    (inc / "opt_sctp.h").write_text(freebsd.render_opt_sctp(REPO, sctp), "utf-8")
    epoch = headers.header("sys/epoch.h")
    assert epoch is not None, f"{headers.origin} has no sys/epoch.h"
    if "NET_EPOCH_CALL" not in epoch.read_text(encoding="utf-8", errors="replace"):
        (inc / "epoch_shim.h").write_text(EPOCH_SHIM_FOR_12, encoding="utf-8")
    return inc


def _kld_flags(
    headers: freebsd_headers.FreebsdHeaders, inc: Path, netmap_first: list[str]
) -> list[str]:
    """clang's flags for one file of the kld, as bsd.kmod.mk gives them, warnings as errors."""
    flags = [
        "-target",
        f"x86_64-unknown-freebsd{headers.major}",
        "-O2",
        "-std=gnu99",
        "-D_KERNEL",
        "-DKLD_MODULE",
        '-DMS_VERSION="test"',
        *(f"-D{define}" for define in headers.defines),
        "-nostdinc",
        f"-I{inc}",
        f"-I{REPO / 'kernel' / 'freebsd' / 'include'}",
        f"-I{REPO / 'kernel' / 'freebsd'}",
        f"-I{REPO / 'common' / 'include'}",
        # The kernel's own headers are system headers: their warnings are FreeBSD's.
        *netmap_first,
        *(arg for folder in headers.system_dirs for arg in ("-isystem", str(folder))),
        # Only for what no real header provides (kernel-only headers FreeBSD does not install).
        *(arg for folder in headers.shim_dirs for arg in ("-idirafter", str(folder))),
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
    if (inc / "epoch_shim.h").exists():
        flags += ["-include", str(inc / "epoch_shim.h")]
    return flags


@pytest.fixture(scope="module", params=[False, True], ids=["no-sctp", "sctp"])
def include_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _object_folder(_headers(), tmp_path_factory.mktemp("fbsd-inc"), request.param)


def _netmap_variants() -> list[str]:
    return (
        ["base-netmap", "upstream-netmap"] if os.environ.get("MS_NETMAP_SRC") else ["base-netmap"]
    )


@pytest.mark.parametrize("netmap", _netmap_variants())
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_compiles_against_freebsd_headers(
    source: Path, netmap: str, include_dir: Path, tmp_path: Path
) -> None:
    headers = _headers()
    netmap_first: list[str] = []
    if netmap == "upstream-netmap":
        upstream = Path(os.environ["MS_NETMAP_SRC"]) / "sys"
        if not (upstream / "dev" / "netmap" / "netmap_kern.h").is_file():
            pytest.skip(f"MS_NETMAP_SRC has no sys/dev/netmap/netmap_kern.h: {upstream}")
        netmap_first = ["-isystem", str(upstream)]
    command = [_clang(), *_kld_flags(headers, include_dir, netmap_first)]
    command += ["-c", "-o", str(tmp_path / "out.o"), str(source)]
    proc = subprocess.run(command, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.o").stat().st_size > 0


def _ziglang_headers() -> freebsd_headers.FreebsdHeaders:
    try:
        return freebsd_headers.from_ziglang()
    except freebsd_headers.HeadersMissing as missing:
        pytest.skip(str(missing))


@pytest.mark.parametrize("shim", freebsd_headers.shim_headers())
def test_shim_stands_for_a_header_freebsd_does_not_install(shim: str) -> None:
    """A shim may only fill a gap: once FreeBSD installs the header, the real one must be used."""
    headers = _ziglang_headers()
    assert headers.header(shim) is None, f"{headers.origin} has {shim}: delete the shim"


def test_every_shim_is_included_by_the_module(tmp_path: Path) -> None:
    """No shim outlives its use: each is reached from some source of the SCTP build."""
    headers = _ziglang_headers()
    inc = _object_folder(headers, tmp_path, sctp=True)
    used: set[str] = set()
    for source in SOURCES:
        deps = tmp_path / "deps.d"
        command = [_clang(), *_kld_flags(headers, inc, []), "-M", "-MF", str(deps), str(source)]
        proc = subprocess.run(command, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        used.update(word for word in deps.read_text(encoding="utf-8").split())
    shims = {str(freebsd_headers.SHIMS / name) for name in freebsd_headers.shim_headers()}
    assert shims - used == set()
