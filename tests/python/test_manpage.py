"""docs/multistack.1 is generated from the argparse definitions, up to date, and installed."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import pytest

from buildsys import manpage
from multistack import cli

REPO = Path(__file__).resolve().parents[2]


def test_committed_page_is_what_the_parser_generates() -> None:
    if not manpage.TOOL.exists():
        pytest.skip(f"argparse-manpage is not installed at {manpage.TOOL} (./dev installs it)")
    assert manpage.PAGE.read_text() == manpage.render(), (
        "docs/multistack.1 is out of date: run `./dev man` and commit it"
    )


def _options(parser: argparse.ArgumentParser) -> list[str]:
    # argparse-manpage leaves out -h/--help, as man pages do.
    return [
        flag
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction)
        for flag in action.option_strings
    ]


def test_every_option_of_every_command_is_documented() -> None:
    page = manpage.PAGE.read_text().replace("\\-", "-")
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == {"classify", "status"}
    for name, sub in commands.choices.items():
        assert f"COMMAND \\fI\\,'multistack {name}'" in page
        for flag in _options(sub):
            assert flag in page, (name, flag)
    for section in ("EXIT STATUS", "FILES", "EXAMPLES"):
        assert f".SH {section}" in page


def test_the_package_installs_the_page() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    data_files = config["tool"]["setuptools"]["data-files"]
    assert data_files["share/man/man1"] == ["docs/multistack.1"]
