"""`nox -s lint`: ruff (lint and format), mypy, and clang-format over every C file we own."""

from __future__ import annotations

import nox

from buildsys import commands
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
    patterns = [f"{d}/*.[ch]" for d in C_DIRS]
    listed = commands.run(
        ["git", "ls-files", "--", *patterns], cwd=ROOT, output=commands.Output.CAPTURE
    )
    return listed.stdout.split()


def run(session: nox.Session) -> None:
    commands.run(["ruff", "check", ROOT])
    commands.run(["ruff", "format", "--check", ROOT])
    commands.run(["mypy", "--config-file", ROOT / "pyproject.toml"])
    files = c_files()
    if files:
        commands.run(["clang-format", "--dry-run", "--Werror", *files], cwd=ROOT)
