"""Render kernel/linux/Kbuild from its jinja2 template.

The rendered Kbuild lists the module's glue (kernel/linux/*.c) and the core (common/*.c) and
is all that plain `make` needs, so a release tarball that carries it builds under DKMS without
Python. `nox -s build-linux` renders it into its build tree; packaging renders it into the
tarball:

    python3 -m buildsys.kbuild DEST   # writes DEST/Kbuild from this repository
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from buildsys.meta import read_meta
from buildsys.paths import ROOT
from buildsys.templates import render

TEMPLATE = Path("kernel/linux/Kbuild.j2")


def module_sources(repo_root: Path) -> tuple[list[str], list[str]]:
    """Object names of the glue and of the core, sorted, as Kbuild wants them."""
    glue = sorted(p.with_suffix(".o").name for p in (repo_root / "kernel/linux").glob("*.c"))
    core = sorted(p.with_suffix(".o").name for p in (repo_root / "common").glob("*.c"))
    return glue, core


def render_kbuild(repo_root: Path) -> str:
    """The text of Kbuild for the sources and META of `repo_root`."""
    meta = read_meta(repo_root / "META")
    glue, core = module_sources(repo_root)
    return render(repo_root, TEMPLATE, name=meta.name, version=meta.version, glue=glue, core=core)


def write_kbuild_tree(repo_root: Path, dest: Path) -> None:
    """Write the rendered Kbuild into `dest` (a copy of kernel/linux, or kernel/linux itself)."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "Kbuild").write_text(render_kbuild(repo_root), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="directory that receives Kbuild")
    parser.add_argument("--repo", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    write_kbuild_tree(args.repo, args.dest)


if __name__ == "__main__":
    main()
