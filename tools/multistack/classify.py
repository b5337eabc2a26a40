"""`multistack classify`: run a capture through the C core with given registrations.

Users check their registrations against real traffic before deploying, and
outsiders test the classifier, with exactly the decisions the kernel module
would take: every frame goes through libmultistack_core, never a Python copy.
libpcap reads the capture and the core decides inside one C loop
(ms_capture.h); Python only selects what to print and prints it.

Exit status: 0 success, 1 bad input (a capture that cannot be read or is cut
short; what was read before is still counted), 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import re
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

from multistack.capture_loop import CaptureError, CaptureRun, Result, Selection
from multistack.classify_output import Formatter
from multistack.core import (
    Core,
    CoreUnavailable,
    Direction,
    Library,
    Status,
    load,
    make_tuple,
    parse_mac,
)
from multistack.linktypes import linktype_name
from multistack.progress import Progress
from multistack.rules import PROTOCOLS, Rule, RuleError, parse_rule, parse_rules_file

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
MAX_OWNER = 255
# Packets read per call into C: large enough that the call costs nothing per
# packet, small enough that the progress bar and -c stay responsive.  A pipe
# may be a live capture (tcpdump -w - | ...): lines must not wait for a batch.
READ_BUDGET = 65536
PIPE_BUDGET = 64
SELECTION_OWNER = 1

_TUPLE = re.compile(r"^[A-Za-z-]+:(\[[^\]]*\]|[^:\[\]=]*):[^:=]*$")


class UsageError(Exception):
    """A problem with the command line or the registrations; the message is one sentence."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-r",
        dest="read",
        metavar="FILE",
        help="read packets from FILE, a pcap or pcapng capture ('-' for standard input)",
    )
    parser.add_argument(
        "words",
        nargs="*",
        metavar="CAPTURE | TUPLE",
        help="the capture, when -r is not given; then any number of tuples PROTO:ADDR:PORT "
        "(e.g. udp:10.0.0.2:53, tcp:[::]:80): show only packets whose tuple looked up by the "
        "core (destination on ingress, source on egress) is one of them",
    )
    parser.add_argument(
        "--bind",
        action="append",
        default=[],
        metavar="PROTO:ADDR:PORT=NAME",
        help="a registration, e.g. udp:10.0.0.2:53=vp0 or tcp:[::]:80=vp1 (repeatable)",
    )
    parser.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="FILE",
        help="a file of registrations, one per line, # comments (repeatable)",
    )
    parser.add_argument(
        "--egress-from",
        metavar="PORTNAME",
        help="classify the packets as frames sent by this port of the registrations, "
        "instead of frames received from the NIC",
    )
    parser.add_argument(
        "--nic-mac",
        metavar="MAC",
        help="the NIC's Ethernet address, needed with --egress-from: frames from a stack "
        "leave only from it (also an ARP sender's and an ND link-layer option's)",
    )
    parser.add_argument(
        "--no-host-port",
        action="store_true",
        help="classify as a switch whose NIC is attached without its host port (vale-ctl -a): "
        "frames for the kernel are dropped (no_host_port)",
    )
    parser.add_argument(
        "-c",
        dest="count",
        type=_positive,
        metavar="N",
        help="stop after N selected packets (all packets when nothing is selected)",
    )
    parser.add_argument(
        "--verdict",
        action="append",
        default=[],
        metavar="VERDICT",
        help="show only packets with this verdict (port, host, all, nic, drop; repeatable)",
    )
    parser.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="PORTNAME",
        help="show only packets the core sends to this port of the registrations",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per selected packet on standard output (index, time, length, "
        "direction, verdict, port, destination, reason, proto, src, dst, sport, dport)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="show no packets, only the summary",
    )
    parser.add_argument(
        "--progress",
        choices=("auto", "never"),
        default="auto",
        help="a progress bar on standard error when it is a terminal and the capture takes "
        "more than a second (auto, the default), or never",
    )


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return int(text)


@dataclass
class Owners:
    """Port names to the small integers the core knows owners by (0 is never an owner)."""

    ids: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def id_of(self, name: str) -> int:
        if name not in self.ids:
            if len(self.ids) >= MAX_OWNER:
                raise UsageError(f"too many port names: at most {MAX_OWNER} are supported")
            self.ids[name] = len(self.ids) + 1
            self.names[self.ids[name]] = name
        return self.ids[name]

    def known(self, name: str, option: str) -> int:
        if name not in self.ids:
            ports = ", ".join(sorted(self.ids)) or "none"
            raise UsageError(f"{option} {name}: not a port of the registrations (ports: {ports})")
        return self.ids[name]


@dataclass
class Request:
    """The command line, checked: where to read, what to bind, what to show."""

    capture: str
    rules: list[Rule]
    tuples: list[Rule]


def parse_words(args: argparse.Namespace) -> Request:
    capture: str | None = args.read
    tuples: list[Rule] = []
    for word in args.words:
        if _TUPLE.match(word):
            try:
                tuples.append(parse_rule(f"{word}=select"))
            except RuleError as exc:
                message = str(exc).replace("=select", "").replace("registration", "tuple")
                raise UsageError(message) from None
            continue
        if capture is None:
            capture = word
            continue
        raise UsageError(
            f"{word!r} is neither a tuple PROTO:ADDR:PORT nor the capture (already {capture!r})"
        )
    if capture is None:
        raise UsageError("no capture: give one with -r FILE ('-' for standard input)")
    try:
        rules = [rule for path in args.rules for rule in parse_rules_file(path)]
        rules.extend(parse_rule(text) for text in args.bind)
    except RuleError as exc:
        raise UsageError(str(exc)) from None
    return Request(capture, rules, tuples)


def nic_mac(args: argparse.Namespace) -> bytes | None:
    """The --nic-mac address; egress cannot be classified without one."""
    if args.nic_mac is None:
        if args.egress_from:
            raise UsageError(
                "--egress-from needs --nic-mac: frames from a stack leave only from the NIC's "
                "Ethernet address"
            )
        return None
    try:
        return parse_mac(args.nic_mac)
    except ValueError as exc:
        raise UsageError(f"--nic-mac: {exc}") from None


def install(core: Core, rules: list[Rule], owners: Owners) -> list[str]:
    """Bind every rule; returns warnings, raises UsageError on a conflict."""
    warnings: list[str] = []
    holder: dict[tuple[int, str, int], Rule] = {}
    for rule in rules:
        key = (int(rule.proto), str(rule.addr), rule.port)
        status = core.bind(
            make_tuple(rule.proto, rule.addr, rule.port), owners.id_of(rule.port_name)
        )
        if status is Status.EXISTS:
            warnings.append(f"registration {rule} is given twice; the second is ignored")
        elif status is Status.INUSE:
            raise UsageError(
                f"registration {rule} conflicts with {holder[key]}: one port per tuple"
            )
        elif status is not Status.OK:
            raise UsageError(f"the core refused registration {rule}: {status.name}")
        holder.setdefault(key, rule)
    return warnings


def build_selection(
    args: argparse.Namespace, lib: Library, owners: Owners, tuples: Core | None
) -> Selection:
    verdicts: set[int] = set()
    for name in args.verdict:
        if name not in lib.verdict_number:
            raise UsageError(f"--verdict {name}: not a verdict (one of {', '.join(lib.verdicts)})")
        verdicts.add(lib.verdict_number[name])
    owner = None
    if args.port:
        if len(args.port) > 1:
            raise UsageError("--port is given more than once: a packet goes to one port")
        owner = owners.known(args.port[0], "--port")
    return Selection(frozenset(verdicts), owner, tuples, SELECTION_OWNER)


@contextmanager
def open_input(name: str) -> Iterator[tuple[int, int | None]]:
    """The capture's file descriptor and its size when it is a regular file."""
    if name == "-":
        fd = sys.stdin.fileno()
        yield fd, _size(fd)
        return
    try:
        fd = os.open(name, os.O_RDONLY)
    except OSError as exc:
        raise CaptureError(f"cannot open it: {exc.strerror}") from None
    try:
        yield fd, _size(fd)
    finally:
        os.close(fd)


def _size(fd: int) -> int | None:
    try:
        info = os.fstat(fd)
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


class Summary:
    """Counts at the end, on standard error as tcpdump prints its own."""

    def __init__(self, lib: Library, core: Core, direction: Direction) -> None:
        self.lib = lib
        self.core = core
        self.direction = direction

    def print(self, run: CaptureRun | None, err: TextIO) -> None:
        read = run.read if run is not None else 0
        classified = run.classified if run is not None else 0
        selected = run.kept if run is not None else 0
        print(
            f"{read} packets read, {classified} classified ({self.direction.name.lower()}), "
            f"{selected} selected",
            file=err,
        )
        counts = [
            (self.lib.reason_verdict(reason, self.direction), reason, count)
            for (direction, reason), count in self.core.stats().items()
            if direction is self.direction and count
        ]
        counts.sort(key=lambda item: (-item[2], item[0], item[1]))
        if counts:
            print(f"  {'verdict':<7}  {'reason':<16}  {'packets':>10}", file=err)
            for verdict, reason, count in counts:
                print(f"  {verdict:<7}  {reason:<16}  {count:>10}", file=err)
        if run is not None:
            for linktype, count in sorted(run.skipped().items(), key=lambda i: i[0] or 1 << 32):
                what = (
                    f"link type {linktype} ({linktype_name(linktype)})"
                    if linktype is not None
                    else "further link types"
                )
                print(f"  skipped {count} packet(s) of unsupported {what}", file=err)


def write_kept(run: CaptureRun, formatter: Formatter, as_json: bool, out: TextIO) -> None:
    """Text lines come from C, straight to a binary stream when there is one; JSON from Python."""
    if as_json:
        out.write(formatter.lines(run.rows()))
        return
    binary = getattr(out, "buffer", None)
    if binary is None:
        out.write(run.text(formatter.port_names))
        return
    out.flush()
    binary.write(run.text_bytes(formatter.port_names))


def read_all(
    run: CaptureRun,
    core: Core,
    direction: Direction,
    egress_owner: int,
    selection: Selection,
    args: argparse.Namespace,
    bar: Progress,
    formatter: Formatter,
    out: TextIO,
) -> None:
    """Batches until the capture ends or -c is reached; CaptureError when it is damaged."""
    limit: int | None = args.count
    budget = READ_BUDGET if bar.by_bytes else PIPE_BUDGET
    while True:
        want: int | None
        if limit is None:
            want = None if args.quiet else budget
        else:
            want = limit - run.kept
        result, kept = run.run(
            core, direction, egress_owner, args.no_host_port, selection, budget, want
        )
        if kept and not args.quiet:
            with bar.writing():
                write_kept(run, formatter, args.json, out)
        bar.update(run.offset if bar.by_bytes else run.read)
        if result is Result.ERROR:
            raise CaptureError(run.error())
        if result is Result.END or (limit is not None and run.kept >= limit):
            return


def classify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    prog = "multistack classify"
    owners = Owners()
    try:
        request = parse_words(args)
        mac = nic_mac(args)
        lib = load()
    except UsageError as exc:
        print(f"{prog}: {exc}", file=err)
        return EXIT_USAGE
    except CoreUnavailable as exc:
        print(f"{prog}: {exc}", file=err)
        return EXIT_BAD_INPUT
    # The selection core knows the same NIC address: a core without one refuses every frame
    # from a stack before its tuple is looked at.
    with Core(lib) as core, Core(lib) as tuple_core:
        if mac is not None:
            core.set_nic_mac(mac)
            tuple_core.set_nic_mac(mac)
        else:
            core.clear_nic_mac()
        try:
            for warning in install(core, request.rules, owners):
                print(f"{prog}: {warning}", file=err)
            egress_owner = (
                owners.known(args.egress_from, "--egress-from") if args.egress_from else None
            )
            for rule in request.tuples:
                tuple_core.bind(make_tuple(rule.proto, rule.addr, rule.port), SELECTION_OWNER)
            selection = build_selection(args, lib, owners, tuple_core if request.tuples else None)
        except UsageError as exc:
            print(f"{prog}: {exc}", file=err)
            return EXIT_USAGE
        direction = Direction.INGRESS if egress_owner is None else Direction.EGRESS
        summary = Summary(lib, core, direction)
        formatter = Formatter(lib, owners.names, direction, args.json)
        name = "standard input" if request.capture == "-" else request.capture
        run: CaptureRun | None = None
        try:
            with open_input(request.capture) as (fd, size), CaptureRun(lib, fd) as run:
                with Progress(size, enabled=args.progress == "auto", out=out) as bar:
                    read_all(
                        run,
                        core,
                        direction,
                        egress_owner or 0,
                        selection,
                        args,
                        bar,
                        formatter,
                        out,
                    )
        except CaptureError as exc:
            out.flush()
            print(f"{prog}: {name}: {exc}", file=err)
            summary.print(run, err)
            return EXIT_BAD_INPUT
        out.flush()
        summary.print(run, err)
        return 0


def main(args: argparse.Namespace) -> int:
    return classify(args, sys.stdout, sys.stderr)


__all__ = ["PROTOCOLS", "add_arguments", "classify", "main"]
