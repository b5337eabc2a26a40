"""`nox -s tests`: C unit tests (plain, sanitized), the module for the guest, then pytest."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import nox

from buildsys import fuzz, linux, userspace
from buildsys.paths import ROOT

DOUBLE = ROOT / "tests" / "netmap_double"


def _has_image_and_headers(release: str) -> bool:
    return (Path("/boot") / f"vmlinuz-{release}").is_file() and (
        Path("/lib/modules") / release / "build"
    ).is_dir()


def _debian_default_release() -> str | None:
    """The release Debian's linux-image-amd64 points at: what a fresh machine boots."""
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f=${Depends}", "linux-image-amd64"],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"linux-image-(\S+)", proc.stdout)
    return match.group(1) if proc.returncode == 0 and match else None


def guest_kernel_release() -> str | None:
    """The kernel the guest boots: MS_GUEST_KREL, else Debian's default, else the newest.

    Other kernels (a backport installed by hand, say) are tested by naming them, so that a
    test run does not change with whatever else happens to be installed.
    """
    for wanted in (os.environ.get("MS_GUEST_KREL"), _debian_default_release()):
        if wanted and _has_image_and_headers(wanted):
            return wanted
    releases = [
        p.name.removeprefix("vmlinuz-")
        for p in Path("/boot").glob("vmlinuz-*")
        if _has_image_and_headers(p.name.removeprefix("vmlinuz-"))
    ]
    return sorted(releases)[-1] if releases else None


def module_release(module: Path) -> str:
    """The kernel release a built module is for, from its vermagic."""
    vermagic = subprocess.run(
        ["modinfo", "-F", "vermagic", str(module)], check=True, capture_output=True, text=True
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
        release: str | None = module_release(nbuild / "netmap.ko")
    else:
        release = guest_kernel_release()
    if release is None:
        session.warn("no Debian kernel image with headers: the guest tests will skip")
        return
    ksrc = Path("/lib/modules") / release / "build"
    request = linux.Request(
        ksrc=ksrc, nsrc=nsrc.resolve(), nbuild=nbuild, out=None, vm=None, rest=()
    )
    try:
        result = linux.build(request)
    except linux.BuildError as err:
        session.error(str(err))
    session.log(f"built {result.module} against {nsrc} for the guest kernel {release}")


def run_tests(session: nox.Session, posargs: list[str]) -> None:
    for variant in ("user", "asan"):
        builddir = userspace.build(session, variant)
        userspace.meson_test(session, builddir)
    # A short fuzz run by count, not time: the seed captures plus a few hundred thousand
    # mutations under ASan/UBSan and the target's own invariants (nox -s fuzz runs millions).
    fuzz.run(session, ["-runs=300000"])
    build_module_for_guest(session)
    session.run("pytest", *(posargs or [str(ROOT / "tests")]), external=True)
