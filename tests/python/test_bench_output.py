"""The benchmark's machine-readable output: every case, size and order, against the baseline.

No timing is asserted here: figures belong to `nox -s bench`, not to tests.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from buildsys import bench
from buildsys.bench import evaluate_targets

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "build" / "user" / "bench" / "ms_bench"

CASES = {"ingress_ipv4_hit", "ingress_ipv4_miss", "ingress_ipv6_hit", "egress_ipv4"}
VARIANTS = ("core_per_frame", "core_ahead", "core_batched", "baseline", "floor")


@pytest.fixture(scope="module")
def lines() -> list[dict[str, object]]:
    if not BENCH.is_file():
        pytest.skip(f"the benchmark is not built ({BENCH}): run nox -s tests or meson/ninja")
    out = subprocess.run(
        [str(BENCH), "--sizes", "1,1000,2000", "--seconds", "0.03", "--rounds", "3"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_every_case_at_every_size_in_both_orders(lines: list[dict[str, object]]) -> None:
    results = [r for r in lines if "ratio_batched" in r]
    seen = {(r["case"], r["order"], r["tuples"]) for r in results}
    assert seen == {(c, o, n) for c in CASES for o in ("ring", "random") for n in (1, 1000, 2000)}
    for r in results:
        # As many distinct flows as tuples, and a pool that holds every one of them.
        assert r["flows"] == r["tuples"]
        assert isinstance(r["frames"], int) and r["frames"] >= r["tuples"]
        assert r["rounds"] == 3
        rounds = r["rounds_ns"]
        assert isinstance(rounds, dict)
        for v in VARIANTS:
            figures = sorted(rounds[v])
            assert len(figures) == 3 and all(x > 0 for x in figures)
            assert r[f"{v}_ns"] == pytest.approx(figures[1], abs=0.01)  # the median
        modes = (
            ("per_frame", "core_per_frame_ns"),
            ("ahead", "core_ahead_ns"),
            ("batched", "core_batched_ns"),
            ("ceiling", "floor_ns"),  # the most any classifier reading the frame could reach
        )
        for mode, divisor in modes:
            ratio = r["baseline_ns"] / r[divisor]  # type: ignore[operator]
            assert r[f"ratio_{mode}"] == pytest.approx(ratio, rel=0.02, abs=0.01)


def test_memory_of_both_designs_per_family(lines: list[dict[str, object]]) -> None:
    memory = {(m["family"], m["tuples"]): m for m in lines if m["case"] == "memory"}
    assert set(memory) == {(f, n) for f in (4, 6) for n in (1, 1000, 2000)}
    # The 2015 design's 16,384 bucket heads weigh on small tables, its entries on large ones.
    assert memory[(4, 1)]["baseline_bytes_per_tuple"] > 16384 * 8
    for m in memory.values():
        assert 0 < float(m["core_bytes_per_tuple"]) < 4096  # type: ignore[arg-type]
    rates = {r["tuples"]: r["ops_per_sec"] for r in lines if r["case"] == "bind_unbind"}
    assert set(rates) == {1, 1000, 2000} and all(v > 0 for v in rates.values())  # type: ignore[operator]


def test_without_probe_the_machine_is_not_measured(lines: list[dict[str, object]]) -> None:
    assert not [line for line in lines if line["case"] == "machine"]


def test_the_machine_is_measured_at_the_start_and_the_end() -> None:
    """--probe, as `nox -s bench` passes it: the machine's state goes into the report."""
    if not BENCH.is_file():
        pytest.skip(f"the benchmark is not built ({BENCH})")
    command = [str(BENCH), "--sizes", "1", "--seconds", "0.01", "--rounds", "1", "--probe"]
    command += ["--only", "ingress_ipv4_hit"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    lines = [json.loads(line) for line in output.splitlines()]
    # Before the first case and after the last line of the run.
    assert lines[0]["case"] == "machine" and lines[0]["when"] == "start"
    assert lines[-1]["case"] == "machine" and lines[-1]["when"] == "end"
    report = bench.make_report(command, output, None)
    probes = report["machine"]["probes"]
    assert [p["when"] for p in probes] == ["start", "end"]
    for p in probes:
        assert set(p) == {"case", "when", "chain_step_ns", "adds_per_ns", "dram_load_ns"}
        assert p["chain_step_ns"] > 0 and p["adds_per_ns"] > 0 and p["dram_load_ns"] > 0
        line = bench.probe_line(p)
        assert line.startswith(f"machine at the {p['when']}: a multiply-add chain step ")
    assert len(report["results"]) == 2  # the probes are not taken for results
    json.dumps(report)


def test_bad_arguments_are_refused() -> None:
    if not BENCH.is_file():
        pytest.skip(f"the benchmark is not built ({BENCH})")
    bad = (["--rounds", "0"], ["--seconds", "0"], ["--sizes", "0"], ["--frobnicate", "1"])
    for args in (*bad, ["--probe", "--rounds"], ["--sizes"]):
        proc = subprocess.run([str(BENCH), *args], capture_output=True, text=True, check=False)
        assert proc.returncode == 2 and "usage" in proc.stderr


def test_report_of_a_real_run_carries_floor_and_ceilings() -> None:
    """A short run at a size with a goal, through the report `nox -s bench` writes."""
    if not BENCH.is_file():
        pytest.skip(f"the benchmark is not built ({BENCH})")
    command = [str(BENCH), "--sizes", "65536", "--seconds", "0.04", "--rounds", "3"]
    command += ["--only", "ingress_ipv4_hit"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    report = bench.make_report(command, output, None)
    assert report["schema"] == 5 and len(report["machine"]["load_average"]) == 3
    assert report["machine"]["probes"] == []  # ms_bench measures the machine only with --probe
    assert {(r["order"], r["tuples"]) for r in report["results"]} == {
        ("ring", 65536),
        ("random", 65536),
    }
    ceilings = {}
    for r in report["results"]:
        assert r["floor_ns"] > 0 and len(r["rounds_ns"]["floor"]) == 3
        assert r["ratio_ceiling"] == pytest.approx(
            r["baseline_ns"] / r["floor_ns"], rel=0.02, abs=0.01
        )
        ceilings[r["order"]] = r["ratio_ceiling"]
    ratio_targets = [t for t in report["targets"] if "2015 design" in t["target"]]
    assert len(ratio_targets) == 6  # two orders, three modes
    for t in ratio_targets:
        order = t["target"].split()[1]
        assert t["ceiling"] == ceilings[order] and t["reachable"] == (t["ceiling"] >= 5.0)
        line = bench.goal_line(t)
        assert ("unreachable on this machine" in line) == (not t["met"] and not t["reachable"])
    json.dumps(report)  # as written to --json


def test_goal_lines_say_when_the_ceiling_is_below_the_goal() -> None:
    def target(value: float, ceiling: float) -> dict[str, object]:
        return {
            "target": "t",
            "value": value,
            "met": value >= 100,
            "ceiling": ceiling,
            "reachable": ceiling >= 100,
        }

    assert bench.goal_line(target(120.0, 400.0)) == "goal t: 120.00 (met)"
    assert bench.goal_line(target(30.0, 400.0)) == "goal t: 30.00 (NOT met; ceiling 400.0x)"
    assert bench.goal_line(target(30.0, 56.04)) == (
        "goal t: 30.00 (NOT met; unreachable on this machine: ceiling 56.0x)"
    )
    memory = {"target": "m", "value": 96.0, "met": False}
    assert bench.goal_line(memory) == "goal m: 96.00 (NOT met)"


def test_goals_are_evaluated_per_case_order_and_mode() -> None:
    def result(
        case: str, tuples: int, per_frame: float, ahead: float, batched: float
    ) -> dict[str, object]:
        return {
            "case": case,
            "order": "ring",
            "tuples": tuples,
            "ratio_per_frame": per_frame,
            "ratio_ahead": ahead,
            "ratio_batched": batched,
            "ratio_ceiling": 120.0,
        }

    results = [
        result("ingress_ipv4_hit", 1000, 1.0, 1.0, 1.0),  # no goal at this size
        result("ingress_ipv4_miss", 65536, 1.0, 1.0, 1.0),  # no goal for misses
        result("ingress_ipv4_hit", 65536, 4.0, 5.0, 6.0),
        result("egress_ipv4", 1000000, 150.0, 99.9, 99.0),
    ]
    memory = [
        {"family": 4, "tuples": 65536, "core_bytes_per_tuple": 60.0},
        {"family": 6, "tuples": 1000000, "core_bytes_per_tuple": 70.0},
        {"family": 4, "tuples": 1000, "core_bytes_per_tuple": 900.0},
    ]
    targets = evaluate_targets(results, memory)  # type: ignore[arg-type]
    met = {t["target"]: t["met"] for t in targets}
    reachable = {t["target"]: t.get("reachable") for t in targets}
    assert reachable["ingress_ipv4_hit ring batched at 65536: >= 5x the 2015 design"] is True
    assert reachable["egress_ipv4 ring batched at 1000000: >= 100x the 2015 design"] is True
    assert reachable["IPv4 at 65536: <= 64 bytes per tuple"] is None  # no ceiling for memory
    assert met == {
        "ingress_ipv4_hit ring per_frame at 65536: >= 5x the 2015 design": False,
        "ingress_ipv4_hit ring ahead at 65536: >= 5x the 2015 design": True,
        "ingress_ipv4_hit ring batched at 65536: >= 5x the 2015 design": True,
        "egress_ipv4 ring per_frame at 1000000: >= 100x the 2015 design": True,
        "egress_ipv4 ring ahead at 1000000: >= 100x the 2015 design": False,
        "egress_ipv4 ring batched at 1000000: >= 100x the 2015 design": False,
        "IPv4 at 65536: <= 64 bytes per tuple": True,
        "IPv6 at 1000000: <= 64 bytes per tuple": False,
    }
