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
        "given registrations. libpcap reads the capture and the MultiStack core decides, in "
        "batches, in C. Each selected packet is one line on standard output, as tcpdump "
        "writes them: its number (from 1, as Wireshark counts), the local time of day, the "
        "protocol, source > destination (ports after a dot), then the verdict (port, host, "
        "all, nic, drop), the destination port for a port verdict, and the reason. A summary "
        "(packets read, classified, selected; packets per verdict and reason) follows on "
        "standard error.",
    )
    classify.add_arguments(classify_parser)
    classify_parser.set_defaults(run=classify.main)
    status_parser = commands.add_parser(
        "status",
        help="show the loaded module's registrations and counters",
        description="Show the registrations and non-zero counters of the loaded module, read "
        "from /proc/net/multistack (Linux) or the sysctl net.multistack.status (FreeBSD), as "
        "tables.",
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
