"""`multistack classify`: run a capture through the C core with given registrations.

Users check their registrations against real traffic before deploying, and
outsiders test the classifier, with exactly the decisions the kernel module
would take: every frame goes through libmultistack_core, never a Python copy.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from multistack.capture import CaptureError, open_capture
from multistack.core import (
    Core,
    CoreUnavailable,
    Decision,
    Direction,
    Status,
    load,
    make_tuple,
    parse_mac,
)
from multistack.linktypes import linktype_name, to_ethernet
from multistack.rules import Rule, RuleError, parse_rule, parse_rules_file

EXIT_USAGE = 2
EXIT_NO_CORE = 1
MAX_OWNER = 255


class ClassifyError(Exception):
    """A problem with the user's input; the message is one sentence."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("capture", metavar="CAPTURE", help="a pcap or pcapng file")
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
        help="classify the capture as frames sent by this port instead of received from the NIC",
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
        "--json",
        action="store_true",
        help="one JSON object per packet on stdout and nothing else",
    )


@dataclass
class Owners:
    """Port names to the small integers the core knows owners by (0 is never an owner)."""

    ids: dict[str, int] = field(default_factory=dict)

    def id_of(self, name: str) -> int:
        if name not in self.ids:
            if len(self.ids) >= MAX_OWNER:
                raise ClassifyError(f"too many port names: at most {MAX_OWNER} are supported")
            self.ids[name] = len(self.ids) + 1
        return self.ids[name]

    def name_of(self, owner: int) -> str | None:
        for name, number in self.ids.items():
            if number == owner:
                return name
        return None


def collect_rules(args: argparse.Namespace) -> list[Rule]:
    try:
        rules = [rule for path in args.rules for rule in parse_rules_file(path)]
        rules.extend(parse_rule(text) for text in args.bind)
    except RuleError as exc:
        raise ClassifyError(str(exc)) from None
    return rules


def install(core: Core, rules: list[Rule], owners: Owners) -> list[str]:
    """Bind every rule; returns warnings, raises ClassifyError on a conflict."""
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
            raise ClassifyError(
                f"registration {rule} conflicts with {holder[key]}: one port per tuple"
            )
        elif status is not Status.OK:
            raise ClassifyError(f"the core refused registration {rule}: {status.name}")
        holder.setdefault(key, rule)
    return warnings


def destination(decision: Decision, owners: Owners) -> str:
    if decision.verdict == "port":
        return owners.name_of(decision.owner) or f"owner {decision.owner}"
    return decision.verdict


class Report:
    """Prints decisions as they come and keeps the counts for the summary."""

    def __init__(self, out: TextIO, as_json: bool, owners: Owners, direction: str) -> None:
        self.out = out
        self.as_json = as_json
        self.owners = owners
        self.direction = direction
        self.counts: Counter[tuple[str, str]] = Counter()
        self.skipped: Counter[int] = Counter()
        if not as_json:
            print(f"{'index':>7}  {'verdict':<7}  {'destination':<16}  reason", file=out)

    def decision(self, index: int, length: int, decision: Decision) -> None:
        self.counts[(decision.verdict, decision.reason)] += 1
        port = self.owners.name_of(decision.owner) if decision.verdict == "port" else None
        dest = destination(decision, self.owners)
        if self.as_json:
            record = {
                "index": index,
                "verdict": decision.verdict,
                "port": port,
                "reason": decision.reason,
                "destination": dest,
                "direction": self.direction,
                "length": length,
            }
            print(json.dumps(record), file=self.out)
        else:
            print(
                f"{index:>7}  {decision.verdict:<7}  {dest:<16}  {decision.reason}", file=self.out
            )

    def skip(self, linktype: int) -> None:
        self.skipped[linktype] += 1

    def summary(self, err: TextIO) -> None:
        for linktype, count in sorted(self.skipped.items()):
            print(
                f"multistack classify: skipped {count} packet(s) of unsupported link type "
                f"{linktype} ({linktype_name(linktype)})",
                file=err,
            )
        if self.as_json:
            return
        total = sum(self.counts.values())
        print(f"\n{'verdict':<7}  {'reason':<16}  {'packets':>8}", file=self.out)
        for (verdict, reason), count in sorted(
            self.counts.items(), key=lambda item: (-item[1], item[0])
        ):
            print(f"{verdict:<7}  {reason:<16}  {count:>8}", file=self.out)
        print(f"{'total':<7}  {'':<16}  {total:>8}", file=self.out)


def nic_mac(args: argparse.Namespace) -> bytes | None:
    """The --nic-mac address; egress cannot be classified without one."""
    if args.nic_mac is None:
        if args.egress_from:
            raise ClassifyError(
                "--egress-from needs --nic-mac: frames from a stack leave only from the NIC's "
                "Ethernet address"
            )
        return None
    try:
        return parse_mac(args.nic_mac)
    except ValueError as exc:
        raise ClassifyError(f"--nic-mac: {exc}") from None


def classify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    owners = Owners()
    try:
        rules = collect_rules(args)
        mac = nic_mac(args)
        lib = load()
    except ClassifyError as exc:
        print(f"multistack classify: {exc}", file=err)
        return EXIT_USAGE
    except CoreUnavailable as exc:
        print(f"multistack classify: {exc}", file=err)
        return EXIT_NO_CORE
    with Core(lib) as core:
        if mac is not None:
            core.set_nic_mac(mac)
        else:
            core.clear_nic_mac()
        try:
            for warning in install(core, rules, owners):
                print(f"multistack classify: {warning}", file=err)
            egress_owner = owners.id_of(args.egress_from) if args.egress_from else None
        except ClassifyError as exc:
            print(f"multistack classify: {exc}", file=err)
            return EXIT_USAGE
        direction = "ingress" if egress_owner is None else "egress"
        report = Report(out, args.json, owners, direction)
        status = 0
        try:
            for packet in open_capture(args.capture):
                frame = to_ethernet(packet.linktype, packet.data)
                if frame is None:
                    report.skip(packet.linktype)
                    continue
                if egress_owner is None:
                    decision = core.ingress(frame)
                    if args.no_host_port and decision.verdict == "host":
                        decision = core.override(Direction.INGRESS, decision, "no_host_port")
                else:
                    decision = core.egress(frame, egress_owner)
                report.decision(packet.index, len(frame), decision)
        except CaptureError as exc:
            print(f"multistack classify: {args.capture}: {exc}", file=err)
            status = EXIT_USAGE
        report.summary(err)
        return status


def main(args: argparse.Namespace) -> int:
    return classify(args, sys.stdout, sys.stderr)
