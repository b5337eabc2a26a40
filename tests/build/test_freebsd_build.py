"""buildsys/freebsd.py: the generated Makefile and opt_sctp.h (golden), arguments, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from buildsys import freebsd
from buildsys.errors import BuildError

REPO = Path(__file__).resolve().parents[2]

META = """\
name = multistack
version = 9.8.7
license = BSD-2-Clause
netmap_api = 14
linux_min = 5.10
linux_max = 6.12
freebsd_min = 13.0
freebsd_max = 14.3
"""

GOLDEN_MAKEFILE = """\
# Generated from kernel/freebsd/Makefile.j2 by buildsys/freebsd.py (multistack 9.8.7): do not edit.
# A plain bsd.kmod.mk Makefile: `make` builds multistack.ko against the kernel
# sources in SYSDIR, whose sys/dev/netmap is the netmap the module links to.
SYSDIR?=\t/usr/src/sys

MS_GLUE=\t${.CURDIR}/../../../kernel/freebsd
MS_CORE=\t${.CURDIR}/../../../common
.PATH:\t${MS_GLUE} ${MS_CORE}

KMOD=\tmultistack
SRCS=\tms_a.c ms_b.c
SRCS+=\tcore_x.c core_y.c
# opt_inet*.h come from bsd.kmod.mk; opt_sctp.h was generated beside this file.
SRCS+=\topt_inet.h opt_inet6.h opt_sctp.h

CFLAGS+=\t-I${.CURDIR} -I${MS_GLUE}/include -I${MS_GLUE} -I${MS_CORE}/include
CFLAGS+=\t-DMS_VERSION=\\"9.8.7\\"

.include <bsd.kmod.mk>
"""

GOLDEN_OPT_SCTP_ON = """\
/* Generated from kernel/freebsd/opt_sctp.h.j2 by buildsys/freebsd.py: do not edit. */
/*
 * SCTP registrations on: BIND of an IPPROTO_SCTP tuple looks into the
 * socket's SCTP PCB.  Needs a kernel built with `options SCTP` or
 * `options SCTP_SUPPORT` (GENERIC has the latter; sctp.ko provides SCTP).
 */
#define SCTP 1
"""

GOLDEN_OPT_SCTP_OFF = """\
/* Generated from kernel/freebsd/opt_sctp.h.j2 by buildsys/freebsd.py: do not edit. */
/*
 * SCTP registrations off: BIND of an IPPROTO_SCTP tuple finds no socket the
 * module can read, and fails with EPERM.  Build with --with-sctp for them.
 */
"""


@pytest.fixture
def fake_repo(tmp_path: Path) -> Path:
    """A tree with the real templates, a fixed META and fixed source names."""
    (tmp_path / "kernel" / "freebsd").mkdir(parents=True)
    (tmp_path / "common").mkdir()
    for name in ("Makefile.j2", "opt_sctp.h.j2"):
        shutil.copy(REPO / "kernel" / "freebsd" / name, tmp_path / "kernel" / "freebsd" / name)
    (tmp_path / "META").write_text(META, encoding="utf-8")
    for name in ("ms_b.c", "ms_a.c", "ms_fbsd.h"):
        (tmp_path / "kernel" / "freebsd" / name).write_text("", encoding="utf-8")
    for name in ("core_y.c", "core_x.c", "core.h"):
        (tmp_path / "common" / name).write_text("", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("sctp", "golden"), [(True, GOLDEN_OPT_SCTP_ON), (False, GOLDEN_OPT_SCTP_OFF)]
)
def test_build_tree_matches_golden(fake_repo: Path, sctp: bool, golden: str) -> None:
    dest = fake_repo / "build" / "freebsd" / "14.1-RELEASE"
    freebsd.write_build_tree(fake_repo, dest, sctp)
    assert (dest / "Makefile").read_text(encoding="utf-8") == GOLDEN_MAKEFILE
    assert (dest / "opt_sctp.h").read_text(encoding="utf-8") == golden


def test_real_tree_lists_every_source() -> None:
    glue, core = freebsd.module_sources(REPO)
    text = freebsd.render_makefile(REPO, "../../../kernel/freebsd", "../../../common")
    srcs = " ".join(line for line in text.splitlines() if line.startswith("SRCS"))
    assert "ms_module.c" in glue and "ms_os_freebsd.c" in glue
    for name in glue + core:
        assert f" {name}" in srcs or f"\t{name}" in srcs


def test_args() -> None:
    assert freebsd.parse_args([]).sctp is None
    assert freebsd.parse_args(["--with-sctp"]).sctp is True
    request = freebsd.parse_args(["--without-sctp", "SYSDIR=/src/sys"])
    assert request.sctp is False
    assert request.sysdir == Path("/src/sys")
    assert freebsd.vm_arguments(freebsd.parse_args(["--with-sctp"])) == ["--with-sctp"]
    assert freebsd.vm_arguments(freebsd.parse_args([])) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--with-sctp", "--without-sctp"], "exclude each other"),
        (["--vm", "x"], "unknown argument '--vm'"),
        (["KSRC=/x"], "unknown argument 'KSRC=/x'"),
    ],
)
def test_bad_args(args: list[str], message: str) -> None:
    with pytest.raises(BuildError, match=message) as info:
        freebsd.parse_args(args)
    assert "Usage: nox -s build-freebsd" in str(info.value)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("ident GENERIC\noptions \tSCTP_SUPPORT\t# loadable sctp.ko\n", True),
        ("options SCTP\n", True),
        ("#options SCTP\noptions INET\n", False),
        ("options SCTPX\n", False),
        ("", False),
    ],
)
def test_sctp_detection(config: str, expected: bool) -> None:
    assert freebsd.kernel_config_has_sctp(config) is expected


@pytest.mark.parametrize(
    ("newvers", "release"),
    [
        ('TYPE="FreeBSD"\nREVISION="14.1"\nBRANCH="RELEASE-p5"\n', "14.1-RELEASE-p5"),
        ('REVISION="13.3"\nBRANCH=${BRANCH_OVERRIDE:-STABLE}\n', "13.3-STABLE"),
    ],
)
def test_release_from_newvers(tmp_path: Path, newvers: str, release: str) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "newvers.sh").write_text(newvers, encoding="utf-8")
    assert freebsd.freebsd_release(tmp_path) == release


def test_missing_sources_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"no FreeBSD kernel sources at SYSDIR=.*"):
        freebsd.freebsd_release(tmp_path / "sys")
