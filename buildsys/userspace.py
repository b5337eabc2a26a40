"""Builds the userspace parts (the core library, C tests, fuzz target, benchmark) with meson."""

from __future__ import annotations

from pathlib import Path

import nox

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
        session.run(
            "meson",
            "setup",
            str(builddir),
            str(ROOT),
            *VARIANTS[variant],
            env=env or {},
            external=True,
        )
    session.run("ninja", "-C", str(builddir), external=True)
    return builddir


def meson_test(session: nox.Session, builddir: Path) -> None:
    session.run("meson", "test", "-C", str(builddir), "--print-errorlogs", external=True)
