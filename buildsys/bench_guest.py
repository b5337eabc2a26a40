"""`nox -s bench-guest`: pkt-gen through VALE alone and VALE + multistack, in one TCG boot.

    nox -s bench-guest -- NSRC=<netmap tree> NBUILD=<its build dir> [--json PATH]

Real upstream netmap only (the test double forwards nothing): NSRC and NBUILD as for
build-linux (also from the environment), with netmap.ko, vale-ctl and pkt-gen built in NBUILD
by netmap's own make. The module is built against it into build/bench-guest/, the guest runs
tests/guest/scenarios/bench_vale.sh: pkt-gen sends through a VALE-alone switch and through
multistack's at the same time (one guest CPU each), so both see the same host load, and each
multistack run is printed as a ratio of its VALE partner: frames of no registered tuple (drop
path) and from a registered port on a switch without a NIC against port-to-port forwarding,
NIC-bound frames against VALE sending to a NIC of its own. Not part of the tests: figures
under TCG are noisy, and nothing is asserted.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import statistics
import sys
from pathlib import Path
from typing import Any

import nox

from buildsys import linux
from buildsys.errors import BuildError
from buildsys.paths import ROOT

GUEST_DIR = ROOT / "tests" / "guest"
SCENARIO = "bench_vale"
SCENARIO_TIMEOUT = 900.0
# multistack run -> the VALE-alone run of the same boot it is divided by.
RATIOS = {
    "ms_drop": "vale_ports_nic",
    "ms_no_nic": "vale_ports",
    "ms_nic": "vale_nic",
}
GOAL = 0.95
NEEDS_NETMAP = (
    "bench-guest needs real upstream netmap, built for the kernel the guest boots: pass "
    "NSRC=<netmap tree> NBUILD=<its build dir> (or set them in the environment). The netmap "
    "test double has no forwarding path, so there is nothing to measure without it"
)
_SENT = re.compile(r"MSBENCH run=(\w+) Sent (\d+) packets .*? in ([0-9.]+) seconds")


def parse_runs(console: str) -> dict[str, list[float]]:
    """Frames per second of every pkt-gen run the guest reported, by run name."""
    runs: dict[str, list[float]] = {}
    for name, frames, seconds in _SENT.findall(console):
        if float(seconds) > 0:
            runs.setdefault(name, []).append(int(frames) / float(seconds))
    return runs


def ratios(runs: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Each multistack run against the VALE-alone run made at the same time: the median of
    those ratios (the guest's speed drifts between rounds, not between partners), and the
    medians of each."""
    rows = []
    for name, base in RATIOS.items():
        if name not in runs or base not in runs:
            raise BuildError(f"the guest reported no {name if name not in runs else base} run")
        if len(runs[name]) != len(runs[base]):
            raise BuildError(f"{name} and {base} ran a different number of rounds")
        per_round = [ms / vale for ms, vale in zip(runs[name], runs[base], strict=True)]
        ratio = statistics.median(per_round)
        rows.append(
            {
                "case": name,
                "baseline": base,
                "multistack_pps": round(statistics.median(runs[name])),
                "vale_pps": round(statistics.median(runs[base])),
                "ratio": round(ratio, 3),
                "ratio_per_round": [round(r, 3) for r in per_round],
                "goal": GOAL,
                "met": ratio >= GOAL,
            }
        )
    return rows


def _netmap(posargs: list[str]) -> tuple[linux.Request, Path]:
    request = linux.parse_args(posargs, os.environ)
    if request.nsrc is None or request.nbuild is None:
        raise BuildError(NEEDS_NETMAP)
    missing = [
        path
        for path in (
            request.nbuild / "netmap.ko",
            request.nbuild / "build-apps" / "vale-ctl" / "vale-ctl",
            request.nbuild / "build-apps" / "pkt-gen" / "pkt-gen",
        )
        if not path.is_file()
    ]
    if missing:
        raise BuildError(
            f"{', '.join(map(str, missing))} missing: build netmap with its apps in "
            f"NBUILD={request.nbuild} (its own configure and make)"
        )
    return request, request.nbuild / "build-apps" / "pkt-gen" / "pkt-gen"


def run(session: nox.Session, posargs: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="nox -s bench-guest --")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args, rest = parser.parse_known_args(posargs)
    request, pkt_gen = _netmap(rest)
    nbuild = request.nbuild
    assert request.nsrc is not None and nbuild is not None
    # The guest library reads NSRC/NBUILD to pick the kernel netmap was built for.
    os.environ["NSRC"], os.environ["NBUILD"] = str(request.nsrc), str(nbuild)
    # The guest harness lives with the tests (tests/guest/guestlib), outside mypy's path.
    sys.path.insert(0, str(GUEST_DIR))
    runner: Any = importlib.import_module("guestlib.runner")
    console: Any = importlib.import_module("guestlib.console")
    environment: Any = importlib.import_module("guestlib.environment")
    programs: Any = importlib.import_module("guestlib.programs")

    env = environment.GuestEnv.from_environ()
    reason = env.boot_skip_reason() or env.real_netmap_skip_reason()
    if reason is not None:
        raise BuildError(f"cannot boot a guest: {reason}")
    kernel = env.kernel
    if kernel.headers is None:
        raise BuildError(f"kernel {env.release} has no headers to build the module against")
    out = ROOT / "build" / "bench-guest" / str(env.release)
    built = linux.build(
        linux.Request(
            ksrc=kernel.headers, nsrc=request.nsrc, nbuild=nbuild, out=out, vm=None, rest=()
        )
    )
    session.log(f"built {built.module} against {request.nsrc} for {built.release}")
    agent = GUEST_DIR / "agent"
    assert env.netmap is not None
    mstest = programs.compile_static(
        [agent / "mstest.c", agent / "mstest_proc.c", agent / "mstest_port_netmap.c"],
        environment.BUILD_DIR / "mstest-netmap",
        [*programs.UAPI_INCLUDES, agent, *env.netmap.includes],
        [agent / "mstest.h"],
    )
    plan = runner.GuestPlan(
        name="bench",
        scenarios=[SCENARIO],
        modules={"netmap.ko": env.netmap_ko, "multistack.ko": built.module},
        programs={"mstest": mstest, "vale-ctl": env.netmap.vale_ctl, "pkt-gen": pkt_gen},
        scenario_timeout=SCENARIO_TIMEOUT,
        frames={},
    )
    session.log(f"booting {env.release} under qemu ({runner.accel(env)}); this takes minutes")
    outcome = runner.boot(env, plan)
    text = outcome.log.read_text(errors="replace")
    result = outcome.run.scenarios.get(SCENARIO)
    if result is None:
        raise BuildError(f"the guest never started the benchmark; see {outcome.log}")
    result.console_log = outcome.log
    result.boot_faults = outcome.run.boot_faults
    try:
        console.assert_passed(result)
    except AssertionError as err:
        raise BuildError(f"the benchmark scenario failed: {err}") from err
    runs = parse_runs(text)
    rows = ratios(runs)
    for name, values in sorted(runs.items()):
        session.log(f"{name:<11} " + " ".join(f"{v / 1e6:.3f}" for v in values) + " Mpps")
    for r in rows:
        session.log(
            f"{r['case']:<10} {r['multistack_pps'] / 1e6:.3f} Mpps, {r['baseline']} "
            f"{r['vale_pps'] / 1e6:.3f} Mpps (medians); median ratio of the rounds "
            f"{r['ratio']:.3f} (goal >= {GOAL}: {'met' if r['met'] else 'NOT met'})"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {
            "schema": 1,
            "kernel": env.release,
            "accel": outcome.boot.accel,
            "netmap": str(request.nsrc),
            "runs_pps": {k: [round(v) for v in vs] for k, vs in runs.items()},
            "ratios": rows,
        }
        args.json.write_text(json.dumps(report, indent=1) + "\n")
        session.log(f"wrote {args.json}")
