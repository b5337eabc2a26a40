"""multistack.1, generated from the argparse definitions of the `multistack` command.

argparse-manpage (PyPI) renders the parser of tools/multistack/cli.py; the sections argparse
cannot express (exit status, files, examples, bugs) come from docs/multistack.1.include. The
page is committed as docs/multistack.1, installed by the package (pyproject data-files), and a
test regenerates it to prove it is up to date: `nox -s man` rewrites it after a CLI change.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nox

from buildsys import commands
from buildsys.paths import ROOT

PAGE = ROOT / "docs" / "multistack.1"
INCLUDE = ROOT / "docs" / "multistack.1.include"
TOOL = Path(sys.executable).parent / "argparse-manpage"


def version() -> str:
    """The package's version, as tools/multistack/__init__.py spells it."""
    text = (ROOT / "tools" / "multistack" / "__init__.py").read_text()
    found = re.search(r'^__version__ = "([^"]+)"', text, flags=re.M)
    if found is None:
        raise ValueError("tools/multistack/__init__.py has no __version__")
    return found.group(1)


def render() -> str:
    """The man page as argparse-manpage writes it, without a build date (so it is reproducible)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tools"), env.get("PYTHONPATH", "")])
    env["SOURCE_DATE_EPOCH"] = "0"
    result = commands.run(
        [
            TOOL,
            "--module",
            "multistack.cli",
            "--function",
            "build_parser",
            "--prog",
            "multistack",
            "--project-name",
            "multistack",
            "--version",
            version(),
            "--manual-title",
            "multistack manual",
            "--description",
            "tools for the MultiStack kernel module",
            "--include",
            INCLUDE,
        ],
        cwd=ROOT,
        env=env,
        output=commands.Output.CAPTURE,
    )
    # .TH's third field is a date; the page changes with the parser, not with the calendar.
    return re.sub(r'^(\.TH \S+ "1") "[^"]*"', r'\1 ""', result.stdout, count=1, flags=re.M)


def run(session: nox.Session) -> None:
    PAGE.write_text(render())
    session.log(f"wrote {PAGE.relative_to(ROOT)}")
