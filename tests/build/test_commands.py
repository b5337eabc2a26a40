"""buildsys.commands.run: the one command runner prints what it runs and fails with a
BuildError that names the command."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from buildsys import commands
from buildsys.errors import BuildError


def test_prints_the_command_and_runs_it(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    result = commands.run(
        ["sh", "-c", "echo out; echo err >&2", "name with space"],
        cwd=tmp_path,
        output=commands.Output.CAPTURE,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "out\n", "err\n")
    printed = capfd.readouterr().err
    assert printed == f"$ sh -c 'echo out; echo err >&2' 'name with space'    (in {tmp_path})\n"


def test_merge_interleaves_both_streams() -> None:
    result = commands.run(["sh", "-c", "echo a; echo b >&2"], output=commands.Output.MERGE)
    assert result.stdout == "a\nb\n"


def test_failure_is_a_build_error_with_the_output_tail() -> None:
    script = "for i in $(seq 1 50); do echo line$i; done; exit 3"
    with pytest.raises(BuildError) as info:
        commands.run(["sh", "-c", script], output=commands.Output.MERGE, what="counting")
    message = str(info.value)
    assert message.startswith("counting failed (exit 3):\n")
    assert "line50" in message and "line20" not in message  # the last 30 lines only


def test_unchecked_failure_is_returned() -> None:
    result = commands.run([sys.executable, "-c", "raise SystemExit(4)"], check=False)
    assert result.returncode == 4


def test_missing_program_is_a_build_error() -> None:
    with pytest.raises(BuildError, match=r"^no-such-program-here is not installed \(needed for"):
        commands.run(["no-such-program-here", "--version"])
