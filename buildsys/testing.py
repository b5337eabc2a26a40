"""`nox -s tests`: C unit tests (plain and sanitized), then every pytest suite."""

from __future__ import annotations

import nox

from buildsys import userspace
from buildsys.paths import ROOT


def run_tests(session: nox.Session, posargs: list[str]) -> None:
    for variant in ("user", "asan"):
        builddir = userspace.build(session, variant)
        userspace.meson_test(session, builddir)
    session.run("pytest", *(posargs or [str(ROOT / "tests")]), external=True)
