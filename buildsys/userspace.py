"""Builds the userspace parts (the core library, C tests, fuzz target, benchmark) with meson."""

from __future__ import annotations

import os
from pathlib import Path

import nox

from buildsys import commands
from buildsys.paths import BUILD, ROOT

# Each variant is a separate meson build directory under build/.
VARIANTS: dict[str, list[str]] = {
    "user": ["-Dbuildtype=release"],
    "asan": ["-Dbuildtype=debugoptimized", "-Db_sanitize=address,undefined", "-Db_lundef=false"],
    "fuzz": [
        "-Dbuildtype=debugoptimized",
        "-Db_sanitize=address,undefined",
        "-Db_lundef=false",
        "-Dfuzz=true",
    ],
}


def build(session: nox.Session, variant: str, env: dict[str, str] | None = None) -> Path:
    """Configures (once) and compiles one variant; returns its build directory."""
    builddir = BUILD / variant
    if not (builddir / "build.ninja").exists():
        commands.run(
            ["meson", "setup", builddir, ROOT, *VARIANTS[variant]],
            env={**os.environ, **(env or {})},
        )
    commands.run(["ninja", "-C", builddir])
    return builddir


def meson_test(session: nox.Session, builddir: Path) -> None:
    commands.run(["meson", "test", "-C", builddir, "--print-errorlogs"])
