"""`nox -s bench`: the core against the 2015-design baseline; `-- --json PATH` writes JSON.

`bench/ms_bench` times the core (frame by frame, frame by frame with the kernel's look-ahead, and in
batches), the baseline and the floor (only
the frame bytes any classifier must read) interleaved, in one process, on the same frames, and
reports medians of several rounds; baseline / floor is the ceiling no classifier reading the frame
can beat on this machine. Only ratios from one run are compared (these machines are noisy); the
issue's goals are reported, never asserted, each ratio goal with the ceiling beside it. The
machine's state at the start and the end of the run (its clock, the issue width left to the
benchmark, the latency of memory: `bench/machine_probe.h`) goes into the report, so that runs can
be told apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path
from typing import Any

import nox

from buildsys import bench_classify, commands, userspace

Case = dict[str, Any]

# The goals of issue 13: how many times faster than the 2015 design, by table size.
RATIO_GOALS = {65536: 5.0, 1000000: 100.0}
BYTES_PER_TUPLE_GOAL = 64.0
GOAL_CASES = ("ingress_ipv4_hit", "ingress_ipv6_hit", "egress_ipv4")
# The report's layout; 3 added floor_ns and ratio_ceiling to results, ceiling to ratio targets;
# 4 added core_ahead_ns and ratio_ahead (frame by frame with the kernel's look-ahead); 5 added
# machine.probes.
SCHEMA = 5
# How the core was called: alone, as the kernel's lookup is (one frame, the next ones hinted), in
# batches (userspace callers holding a whole batch).
MODES = ("per_frame", "ahead", "batched")


def evaluate_targets(results: list[Case], memory: list[Case]) -> list[dict[str, Any]]:
    """Each goal against the figures of this run: ratios per case, order and mode; memory."""
    targets: list[dict[str, Any]] = []
    for r in results:
        goal = RATIO_GOALS.get(r["tuples"])
        if goal is None or r["case"] not in GOAL_CASES:
            continue
        ceiling = float(r["ratio_ceiling"])
        for mode in MODES:
            value = float(r[f"ratio_{mode}"])
            targets.append(
                {
                    "target": f"{r['case']} {r['order']} {mode} at {r['tuples']}: "
                    f">= {goal:g}x the 2015 design",
                    "value": value,
                    "met": value >= goal,
                    # baseline / floor: no classifier that reads the frame does better here
                    "ceiling": ceiling,
                    "reachable": ceiling >= goal,
                }
            )
    for m in memory:
        if m["tuples"] in RATIO_GOALS:
            value = float(m["core_bytes_per_tuple"])
            targets.append(
                {
                    "target": f"IPv{m['family']} at {m['tuples']}: "
                    f"<= {BYTES_PER_TUPLE_GOAL:g} bytes per tuple",
                    "value": value,
                    "met": value <= BYTES_PER_TUPLE_GOAL,
                }
            )
    return targets


def goal_line(target: dict[str, Any]) -> str:
    """One goal as printed: its value, met or not, and for a ratio not met whether it can be."""
    line = f"goal {target['target']}: {target['value']:.2f} "
    if target["met"]:
        return line + "(met)"
    if "ceiling" not in target:
        return line + "(NOT met)"
    if target["reachable"]:
        return line + f"(NOT met; ceiling {target['ceiling']:.1f}x)"
    return line + f"(NOT met; unreachable on this machine: ceiling {target['ceiling']:.1f}x)"


def probe_line(probe: Case) -> str:
    """One machine probe as printed."""
    step, adds, load = probe["chain_step_ns"], probe["adds_per_ns"], probe["dram_load_ns"]
    return (
        f"machine at the {probe['when']}: a multiply-add chain step {step:.3f} ns, "
        f"{adds:.2f} independent adds per ns, a DRAM load {load:.1f} ns"
    )


def _log_results(session: nox.Session, results: list[Case], memory: list[Case]) -> None:
    session.log(
        f"{'case':<18} {'order':<6} {'tuples':>8} {'core/frame':>11} {'core/ahead':>11} "
        f"{'core/batch':>11} {'2015':>10} {'floor':>7} {'x frame':>8} {'x ahead':>8} "
        f"{'x batch':>8} {'ceiling':>8}"
        "   (ns per frame, medians; ceiling = 2015 / floor)"
    )
    for r in results:
        session.log(
            f"{r['case']:<18} {r['order']:<6} {r['tuples']:>8} {r['core_per_frame_ns']:>11.2f} "
            f"{r['core_ahead_ns']:>11.2f} {r['core_batched_ns']:>11.2f} {r['baseline_ns']:>10.2f} "
            f"{r['floor_ns']:>7.2f} {r['ratio_per_frame']:>8.2f} {r['ratio_ahead']:>8.2f} "
            f"{r['ratio_batched']:>8.2f} {r['ratio_ceiling']:>8.2f}"
        )
    for m in memory:
        session.log(
            f"memory IPv{m['family']} tuples={m['tuples']:>8}: core "
            f"{m['core_bytes_per_tuple']:.1f} B/tuple, 2015 {m['baseline_bytes_per_tuple']:.1f}"
        )


def make_report(command: list[str], output: str, classify: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON report of one run: ms_bench's lines sorted by kind, and every goal evaluated."""
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    results = [c for c in lines if "ratio_batched" in c]
    memory = [c for c in lines if c["case"] == "memory"]
    targets = evaluate_targets(results, memory)
    if classify is not None:
        targets += classify["targets"]
    return {
        "schema": SCHEMA,
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            # figures from a loaded machine read differently: the 1, 5 and 15 minute load
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "probes": [c for c in lines if c["case"] == "machine"],
        },
        "command": command[1:],
        "results": results,
        "memory": memory,
        "bind_unbind": [c for c in lines if c["case"] == "bind_unbind"],
        "classify": classify,
        "targets": targets,
    }


def run(session: nox.Session, posargs: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="nox -s bench --")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--seconds", default="1", help="CPU time per case and order")
    parser.add_argument("--rounds", default="5", help="interleaved rounds; medians are reported")
    parser.add_argument("--sizes", default="1,1000,65536,1000000", help="table sizes")
    parser.add_argument("--only", help="one case (ingress_ipv4_hit, ...)")
    parser.add_argument(
        "--classify-packets",
        type=int,
        default=bench_classify.PACKETS,
        help="packets of the capture `multistack classify` is timed on (0: skip it)",
    )
    args = parser.parse_args(posargs)

    builddir = userspace.build(session, "user")
    command = [str(builddir / "bench" / "ms_bench"), "--seconds", args.seconds]
    command += ["--rounds", args.rounds, "--sizes", args.sizes, "--probe"]
    if args.only:
        command += ["--only", args.only]
    output = commands.run(command, output=commands.Output.CAPTURE).stdout
    classify = bench_classify.run(args.classify_packets) if args.classify_packets > 0 else None
    report = make_report(command, output, classify)
    _log_results(session, report["results"], report["memory"])
    if classify is not None:
        for mode, figures in classify["modes"].items():
            session.log(
                f"classify {mode:<10} {figures['packets_per_second_cpu'] or 0:>12,.0f} packets/s "
                f"(CPU), {figures['packets_per_second_wall']:>12,.0f} (wall)"
            )
    session.log("load average " + " ".join(f"{x:.2f}" for x in report["machine"]["load_average"]))
    for probe in report["machine"]["probes"]:
        session.log(probe_line(probe))
    for t in report["targets"]:
        session.log(goal_line(t))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n")
        session.log(f"wrote {args.json}")
