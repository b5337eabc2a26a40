"""`multistack status`: the module's registrations and counters as tables or JSON.

Both kernels print one plain-text format (docs/design.md, "Status format"):
Linux in /proc/net/multistack, FreeBSD in the sysctl net.multistack.status.
It is meant to be read by people too: on a machine with only the module and a
shell, `cat /proc/net/multistack` (or `sysctl -n net.multistack.status`) shows
the same records this command tabulates.

Exit status: 0 success, 1 the module is not loaded or its text cannot be read
or parsed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

LINUX_STATUS = "/proc/net/multistack"
FREEBSD_SYSCTL = "net.multistack.status"
FORMAT_VERSION = 1
EXIT_BAD_INPUT = 1
EXIT_NOT_LOADED = 1
DEFAULT_INTERVAL = 2.0

_INT_KEYS = frozenset(
    {"family", "port", "index", "pid", "uid", "packets", "bytes", "registrations"}
)
# Keys the kernel writes as "-" for what the reader may not see (another
# namespace's process, say): kept as None (JSON null), shown as "-".
_HIDDEN_KEYS = frozenset({"pid", "uid"})
_REG_COLUMNS = (
    "family",
    "proto",
    "addr",
    "port",
    "owner",
    "index",
    "pid",
    "uid",
    "packets",
    "bytes",
)


class StatusError(Exception):
    """Status text that does not follow the format; the message is one sentence."""


class NotLoaded(Exception):
    """The module is not loaded (or this OS has no status source)."""


Value = int | str | None
Record = dict[str, Value]


@dataclass
class Status:
    version: int
    switches: list[Record] = field(default_factory=list)
    registrations: list[Record] = field(default_factory=list)
    counters: list[Record] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "switches": self.switches,
            "registrations": self.registrations,
            "counters": self.counters,
        }


def _tokens(line: str, number: int) -> Record:
    record: Record = {}
    for token in line.split(" ")[1:]:
        if not token:
            continue
        key, sep, value = token.partition("=")
        if not sep or not key:
            raise StatusError(f"line {number}: {token!r} is not a key=value token")
        if key in _HIDDEN_KEYS and value == "-":
            record[key] = None
        elif key in _INT_KEYS:
            if not value.isdigit():
                raise StatusError(f"line {number}: {key}={value!r} is not a number")
            record[key] = int(value)
        else:
            record[key] = value
    return record


def _require(record: Record, keys: tuple[str, ...], kind: str, number: int) -> None:
    missing = [key for key in keys if key not in record]
    if missing:
        raise StatusError(f"line {number}: {kind} record lacks {', '.join(missing)}")


def parse(text: str) -> Status:
    """Parse the status format; unknown record types and keys are kept or ignored, not fatal."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("multistack-status "):
        raise StatusError("the text does not start with a `multistack-status` line")
    version_text = lines[0].split(" ", 1)[1].strip()
    if not version_text.isdigit():
        raise StatusError(f"line 1: {version_text!r} is not a format version")
    version = int(version_text)
    if version != FORMAT_VERSION:
        raise StatusError(
            f"status format version {version} is not supported (this tool reads {FORMAT_VERSION})"
        )
    status = Status(version)
    switch: str | None = None
    for number, line in enumerate(lines[1:], start=2):
        kind = line.split(" ", 1)[0]
        if not line.strip():
            continue
        record = _tokens(line, number)
        if kind == "switch":
            # "switch name=valem: registrations=2": the name keeps its trailing colon.
            _require(record, ("name",), kind, number)
            switch = str(record["name"])
            status.switches.append(record)
        elif kind == "reg":
            _require(record, ("family", "proto", "addr", "port", "owner"), kind, number)
            if switch is not None:
                record["switch"] = switch
            status.registrations.append(record)
        elif kind == "counter":
            _require(record, ("dir", "reason", "verdict", "packets"), kind, number)
            if not isinstance(record["packets"], int):
                raise StatusError(f"line {number}: counter packets is not a number")
            status.counters.append(record)
    return status


def read_status_text(path: str | None) -> str:
    """The status text from `path` ("-" for stdin) or from the running kernel."""
    if path == "-":
        return sys.stdin.read()
    if path is not None:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except OSError as exc:
            raise StatusError(f"cannot read {path}: {exc.strerror}") from None
    system = platform.system()
    if system == "Linux":
        try:
            with open(LINUX_STATUS, encoding="utf-8") as handle:
                return handle.read()
        except FileNotFoundError:
            raise NotLoaded(
                f"the multistack module is not loaded: {LINUX_STATUS} does not exist "
                "(load it with `modprobe multistack` or `insmod multistack.ko`)"
            ) from None
        except OSError as exc:
            raise StatusError(f"cannot read {LINUX_STATUS}: {exc.strerror}") from None
    if system == "FreeBSD":
        result = subprocess.run(
            ["sysctl", "-n", FREEBSD_SYSCTL], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise NotLoaded(
                f"the multistack module is not loaded: sysctl {FREEBSD_SYSCTL} is unknown "
                "(load it with `kldload multistack`)"
            )
        return result.stdout
    raise NotLoaded(f"multistack runs on Linux and FreeBSD only, not on {system}")


def _table(rows: list[list[str]], header: list[str], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(),
            file=out,
        )


def _cell(value: Value) -> str:
    return "-" if value is None else str(value)


def render(status: Status, out: TextIO) -> None:
    for switch in status.switches:
        print(
            f"switch {switch['name']}: {switch.get('registrations', '?')} registration(s)", file=out
        )
    print(file=out)
    if status.registrations:
        rows = [[_cell(reg.get(col)) for col in _REG_COLUMNS] for reg in status.registrations]
        _table(rows, list(_REG_COLUMNS), out)
    else:
        print("no registrations", file=out)
    print(file=out)
    counters = [c for c in status.counters if c["packets"] != 0]
    if counters:
        rows = [
            [str(c["dir"]), str(c["reason"]), str(c["verdict"]), str(c["packets"])]
            for c in counters
        ]
        _table(rows, ["dir", "reason", "verdict", "packets"], out)
    else:
        print("all counters are zero", file=out)


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0.1 <= value <= 86400:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0.1 and 86400 seconds")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the status as one JSON object")
    parser.add_argument(
        "--file",
        metavar="PATH",
        help=f"read the status text from PATH ('-' for stdin) instead of {LINUX_STATUS} "
        f"or sysctl {FREEBSD_SYSCTL}",
    )
    parser.add_argument(
        "-w",
        "--watch",
        nargs="?",
        type=_interval,
        const=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help=f"refresh every SECONDS (default {DEFAULT_INTERVAL:g}) until interrupted, as "
        "watch(1) does; with --json, one compact JSON object per refresh",
    )


def show_once(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        status = parse(read_status_text(args.file))
    except NotLoaded as exc:
        print(f"multistack status: {exc}", file=err)
        return EXIT_NOT_LOADED
    except StatusError as exc:
        print(f"multistack status: {exc}", file=err)
        return EXIT_BAD_INPUT
    if args.json:
        indent = None if args.watch is not None else 2
        print(json.dumps(status.as_json(), indent=indent), file=out)
    else:
        render(status, out)
    return 0


def watch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Refresh until interrupted: on a terminal the screen is redrawn, elsewhere appended."""
    clear = out.isatty() and not args.json
    try:
        while True:
            if clear:
                out.write("\033[H\033[2J")
            if not args.json:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                print(f"Every {args.watch:g}s: multistack status    {stamp}\n", file=out)
            code = show_once(args, out, err)
            if code != 0:
                return code
            out.flush()
            time.sleep(args.watch)
    except KeyboardInterrupt:
        # Interrupting is how a watch ends, as with watch(1): not an error.
        return 0


def main(args: argparse.Namespace) -> int:
    if args.file == "-" and args.watch is not None:
        print("multistack status: -w cannot re-read standard input", file=sys.stderr)
        return 2
    if args.watch is not None:
        return watch(args, sys.stdout, sys.stderr)
    return show_once(args, sys.stdout, sys.stderr)
