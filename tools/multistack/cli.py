"""The `multistack` command: subcommands `classify` and `status`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from multistack import __version__, classify, status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="multistack", description="Tools for the MultiStack kernel module."
    )
    parser.add_argument("--version", action="version", version=f"multistack {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    classify_parser = commands.add_parser(
        "classify",
        help="classify the packets of a capture with the MultiStack core",
        description="Classify every packet of a pcap/pcapng capture as the kernel module would, "
        "given registrations. Packets are numbered from 1, as in Wireshark.",
    )
    classify.add_arguments(classify_parser)
    classify_parser.set_defaults(run=classify.main)
    status_parser = commands.add_parser(
        "status",
        help="show the loaded module's registrations and counters",
        description="Show the registrations and non-zero counters of the loaded module.",
    )
    status.add_arguments(status_parser)
    status_parser.set_defaults(run=status.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (`| head`) went away: stop quietly, as other Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130
    return code
