"""The one way the build system runs a program: it prints the command line first, so that a
failure can be repeated by hand, and a failure is a BuildError that names the command."""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from enum import Enum
from pathlib import Path

from buildsys.errors import BuildError


class Output(Enum):
    """Where the program's output goes."""

    SHOW = "show"  # to the terminal, as it runs
    CAPTURE = "capture"  # stdout and stderr kept apart in the result
    MERGE = "merge"  # stdout and stderr interleaved in the result's stdout


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(
    command: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    output: Output = Output.SHOW,
    check: bool = True,
    what: str | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Print `$ command` and run it, with `stdin` as its input if given. With `check`, a
    non-zero exit is a BuildError naming `what` (default: the command) with the tail of the
    captured output; without, the caller decides. A program that is not installed is always a
    BuildError."""
    args = [str(part) for part in command]
    shown = shlex.join(args)
    _say(f"$ {shown}" + (f"    (in {cwd})" if cwd is not None else ""))
    try:
        proc = subprocess.run(
            args,
            cwd=cwd,
            env=None if env is None else dict(env),
            text=True,
            check=False,
            input=stdin,
            stdout=None if output is Output.SHOW else subprocess.PIPE,
            stderr={
                Output.SHOW: None,
                Output.CAPTURE: subprocess.PIPE,
                Output.MERGE: subprocess.STDOUT,
            }[output],
        )
    except FileNotFoundError as err:
        raise BuildError(f"{args[0]} is not installed (needed for `{shown}`)") from err
    if check and proc.returncode != 0:
        captured = (proc.stdout or "") + (proc.stderr or "")
        tail = "\n".join(captured.splitlines()[-30:])
        raise BuildError(
            f"{what or f'`{shown}`'} failed (exit {proc.returncode})"
            + (f":\n{tail}" if tail else "")
        )
    return proc
