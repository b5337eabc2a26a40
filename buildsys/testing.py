"""`nox -s tests`: C unit tests (plain, sanitized), the module for the guest, then pytest."""

from __future__ import annotations

import os
from pathlib import Path

import nox

from buildsys import commands, fuzz, kernels, linux, userspace
from buildsys.paths import ROOT

DOUBLE = ROOT / "tests" / "netmap_double"


def guest_kernel(wanted: str | None) -> kernels.Kernel | None:
    """The kernel the guest boots: `wanted` (MS_GUEST_KREL) if given, else the default kernel
    with an image and headers (kernels.default_kernel), so that a test run does not change
    with whatever else happens to be installed."""
    if wanted:
        kernel = kernels.find(wanted)
        return kernel if kernel and kernel.image and kernel.headers else None
    return kernels.default_kernel(need_headers=True, need_image=True)


def module_release(module: Path) -> str:
    """The kernel release a built module is for, from its vermagic."""
    vermagic = commands.run(
        ["modinfo", "-F", "vermagic", module], output=commands.Output.CAPTURE
    ).stdout
    return vermagic.split()[0]


def build_module_for_guest(session: nox.Session) -> None:
    """Builds multistack.ko against the netmap test double for the kernel the guest boots.

    Real upstream netmap is used instead when NSRC (and NBUILD) are set, as for build-linux;
    the guest then boots the kernel that netmap was built for.
    """
    nsrc = Path(os.environ["NSRC"]) if "NSRC" in os.environ else DOUBLE
    nbuild = Path(os.environ["NBUILD"]) if "NBUILD" in os.environ else None
    if nbuild is not None and (nbuild / "netmap.ko").is_file():
        kernel = guest_kernel(module_release(nbuild / "netmap.ko"))
    else:
        kernel = guest_kernel(os.environ.get("MS_GUEST_KREL"))
    if kernel is None or kernel.headers is None:
        session.warn("no kernel with both image and headers installed: the guest tests will skip")
        return
    release, ksrc = kernel.release, kernel.headers
    request = linux.Request(
        ksrc=ksrc, nsrc=nsrc.resolve(), nbuild=nbuild, out=None, vm=None, rest=()
    )
    result = linux.build(request)
    session.log(f"built {result.module} against {nsrc} for the guest kernel {release}")


def run_tests(session: nox.Session, posargs: list[str]) -> None:
    for variant in ("user", "asan"):
        builddir = userspace.build(session, variant)
        userspace.meson_test(session, builddir)
    # A short fuzz run by count, not time: the seed captures plus a few hundred thousand
    # mutations under ASan/UBSan and the target's own invariants (nox -s fuzz runs millions).
    fuzz.run(session, ["-runs=300000"])
    build_module_for_guest(session)
    commands.run(["pytest", *(posargs or [str(ROOT / "tests")])])
