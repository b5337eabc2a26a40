"""`nox -s bench`: runs the core benchmark and reports it, optionally as JSON (`-- --json PATH`).

Figures from one run are compared with each other (growth ratios), because these machines are
noisy; absolute targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

import nox

from buildsys import userspace

Case = dict[str, Any]


def _hit_ns(cases: list[Case], tuples: int) -> float | None:
    for c in cases:
        if (
            c["case"] == "ingress_ipv4_hit"
            and c.get("mode") == "per_frame"
            and c["tuples"] == tuples
        ):
            return float(c["ns_per_pkt"])
    return None


def evaluate_targets(cases: list[Case]) -> list[dict[str, Any]]:
    """The issue's targets for IPv4 ingress hits, per frame on one core."""
    at_1k, at_64k, at_1m = (_hit_ns(cases, n) for n in (1000, 65536, 1000000))
    targets: list[dict[str, Any]] = []
    if at_64k is not None:
        targets.append(
            {"target": "ns_per_hit_at_65536 <= 10", "value": at_64k, "met": at_64k <= 10}
        )
    if at_1m is not None:
        targets.append(
            {"target": "ns_per_hit_at_1000000 <= 25", "value": at_1m, "met": at_1m <= 25}
        )
    if at_1k and at_64k is not None:
        ratio = at_64k / at_1k
        targets.append(
            {"target": "growth_1000_to_65536 <= 1.5", "value": ratio, "met": ratio <= 1.5}
        )
    return targets


def _print_table(session: nox.Session, cases: list[Case]) -> None:
    for c in cases:
        if "ns_per_pkt" in c:
            session.log(
                f"{c['case']:<20} {c['mode']:<9} tuples={c['tuples']:>8} "
                f"{c['ns_per_pkt']:>8.2f} ns/pkt {c['mpps']:>7.1f} Mpps"
            )
        elif "ops_per_sec" in c:
            session.log(
                f"{'bind_unbind':<30} tuples={c['tuples']:>8} {c['ops_per_sec']:>12.0f} ops/s"
            )
        else:
            session.log(
                f"{'memory':<30} tuples={c['tuples']:>8} {c['bytes_per_tuple']:>8.1f} B/tuple"
            )


def run(session: nox.Session, posargs: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="nox -s bench --")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--seconds", default="1", help="time per case (split in 5 rounds)")
    parser.add_argument("--flows", default="1024", help="distinct flows the frames cycle over")
    parser.add_argument("--sizes", default="1,1000,65536,1000000", help="table sizes")
    args = parser.parse_args(posargs)

    builddir = userspace.build(session, "user")
    command = [
        str(builddir / "bench" / "ms_bench"),
        "--seconds",
        args.seconds,
        "--flows",
        args.flows,
        "--sizes",
        args.sizes,
    ]
    session.log(" ".join(command))
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    cases = [json.loads(line) for line in output.splitlines() if line.strip()]
    _print_table(session, cases)
    targets = evaluate_targets(cases)
    for t in targets:
        session.log(f"target {t['target']}: {t['value']:.2f} ({'met' if t['met'] else 'NOT met'})")
    if args.json:
        result = {
            "schema": 1,
            "machine": {
                "cpu": platform.processor() or platform.machine(),
                "python": platform.python_version(),
            },
            "cases": cases,
            "targets": targets,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
        session.log(f"wrote {args.json}")
