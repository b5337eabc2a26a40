"""`nox -s lint`: ruff (lint and format), mypy, and clang-format over every C file we own."""

from __future__ import annotations

import subprocess

import nox

from buildsys.paths import ROOT

# Directories whose C is ours; the netmap test double's headers mimic netmap's names, not its style.
C_DIRS = (
    "common",
    "lib",
    "kernel",
    "tests/c",
    "tests/fuzz",
    "tests/guest",
    "tests/freebsd_shims",
    "bench",
    "tools",
)


def c_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--", *(f"{d}/*.[ch]" for d in C_DIRS)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return listed


def run(session: nox.Session) -> None:
    session.run("ruff", "check", str(ROOT), external=True)
    session.run("ruff", "format", "--check", str(ROOT), external=True)
    session.run("mypy", "--config-file", str(ROOT / "pyproject.toml"), external=True)
    files = c_files()
    if files:
        session.run("clang-format", "--dry-run", "--Werror", *files, external=True)
