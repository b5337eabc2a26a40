"""Entry points for building, testing, benchmarking and releasing multistack.

Each session is a thin wrapper over a module in buildsys/ that does the work.
Sessions run in the current environment (./dev installs the pinned
requirements there), so no session downloads anything by itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import nox
import nox.virtualenv
from packaging.version import Version

from buildsys.errors import BuildError

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "tests"]
nox.options.error_on_missing_interpreters = True

# The sessions use no virtualenv, yet nox looks for a `uv` binary before it reads the backend
# and logs "uv binary not found." on every run. Giving it the answer its probe would reach
# (no uv) skips the probe and that line.
nox.virtualenv.HAS_UV = False
nox.virtualenv.UV = "uv"
nox.virtualenv.UV_VERSION = Version("0")

Body = Callable[[nox.Session], None]


def session(
    name: str, *, default: bool = True, tags: list[str] | None = None
) -> Callable[[Body], Body]:
    """nox.session, with a BuildError reported as the session's one line of failure."""

    def decorate(body: Body) -> Body:
        @functools.wraps(body)
        def run(session: nox.Session) -> None:
            try:
                body(session)
            except BuildError as err:
                session.error(str(err))

        registered: Body = nox.session(name=name, default=default, tags=tags)(run)
        return registered

    return decorate


@session(name="tests")
def tests(session: nox.Session) -> None:
    """Build the core (plain and ASan/UBSan), run C unit tests, pytest and guest tests."""
    from buildsys import testing

    testing.run_tests(session, session.posargs)


@session(name="lint")
def lint(session: nox.Session) -> None:
    """ruff, mypy and clang-format checks."""
    from buildsys import lint as lint_mod

    lint_mod.run(session)


@session(name="bench", default=False, tags=["slow"])
def bench(session: nox.Session) -> None:
    """Benchmarks of the classifier core; `-- --json PATH` writes machine-readable results."""
    from buildsys import bench as bench_mod

    bench_mod.run(session, session.posargs)


@session(name="bench-guest", default=False, tags=["slow"])
def bench_guest(session: nox.Session) -> None:
    """pkt-gen through VALE alone and VALE + multistack in a guest (needs NSRC/NBUILD)."""
    from buildsys import bench_guest as bench_guest_mod

    bench_guest_mod.run(session, session.posargs)


@session(name="man", default=False)
def man(session: nox.Session) -> None:
    """Regenerate docs/multistack.1 from the argparse definitions of the `multistack` command."""
    from buildsys import manpage

    manpage.run(session)


@session(name="fuzz", default=False, tags=["slow"])
def fuzz(session: nox.Session) -> None:
    """Fuzz the parser and decisions with libFuzzer; `-- -runs=N` is passed through."""
    from buildsys import fuzz as fuzz_mod

    fuzz_mod.run(session, session.posargs)


@session(name="build-linux", default=False)
def build_linux(session: nox.Session) -> None:
    """Build multistack.ko: `-- KSRC=<kernel dir> NSRC=<netmap tree> [NBUILD=...] [--vm NAME]`."""
    from buildsys import linux

    linux.run(session, session.posargs)


@session(name="vm-down", default=False)
def vm_down(session: nox.Session) -> None:
    """Destroy a build VM, and stop libvirt daemons a VM build started: `-- NAME`."""
    from buildsys import vm

    vm.run_down(session.posargs)


@session(name="kernel-matrix", default=False)
def kernel_matrix(session: nox.Session) -> None:
    """Build for every Debian kernel line: `-- [--guests] [--netmap NSRC:NBUILD] [--json PATH]`."""
    from buildsys import kmatrix

    kmatrix.run(session, session.posargs)


@session(name="vagrant-box", default=False)
def vagrant_box(session: nox.Session) -> None:
    """Build and register a local Vagrant box from Debian's mirror: `-- [--refresh] debian12`."""
    from buildsys import vagrant_box as vagrant_box_mod

    vagrant_box_mod.run(session, session.posargs)


@session(name="build-freebsd", default=False)
def build_freebsd(session: nox.Session) -> None:
    """Build multistack.ko for FreeBSD, natively or in the Vagrant VM: `-- [--with-sctp]`."""
    from buildsys import freebsd

    freebsd.run(session, session.posargs)


@session(name="dist", default=False)
def dist(session: nox.Session) -> None:
    """Reproducible release tarball of the current commit, with its .sha256."""
    from buildsys import dist as dist_mod

    dist_mod.run(session, session.posargs)


@session(name="release-check", default=False)
def release_check(session: nox.Session) -> None:
    """Unpack the release tarball in an empty directory and build and test from there."""
    from buildsys import dist as dist_mod

    dist_mod.release_check(session, session.posargs)
