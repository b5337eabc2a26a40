"""The classify benchmark: its capture and report; no timing asserted (nox -s bench times it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from buildsys import bench_classify
from multistack import core as ms

REPO = Path(__file__).resolve().parents[2]


def test_generated_capture_classifies_as_designed(tmp_path: Path, lib: ms.Library) -> None:
    capture = tmp_path / "bench.pcap"
    bench_classify.write_capture(capture, 130)
    env = dict(os.environ, TZ="UTC")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tools"), env.get("PYTHONPATH", "")])
    rules = [arg for rule in bench_classify.RULES for arg in ("--bind", rule)]
    result = subprocess.run(
        [sys.executable, "-m", "multistack", "classify", "-r", str(capture), *rules, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["index"] for r in records] == list(range(1, 131))
    reasons = {(r["port"], r["reason"]) for r in records}
    assert reasons == {
        ("vp0", "tuple_hit"),
        ("vp1", "wildcard_hit"),
        ("vp2", "wildcard_hit"),
        (None, "no_match"),
        (None, "arp"),
    }


def test_report_has_every_mode_and_the_goal(tmp_path: Path, lib: ms.Library) -> None:
    capture = tmp_path / "bench.pcap"
    bench_classify.write_capture(capture, 1000)
    report = bench_classify.measure(capture, 1000, rounds=1)
    assert set(report["modes"]) == set(bench_classify.MODES)
    for figures in report["modes"].values():
        assert figures["summary"].startswith("1000 packets read, 1000 classified")
        assert figures["packets_per_second_wall"] > 0
    assert "15 selected" in report["modes"]["selected"]["summary"]
    targets = bench_classify.targets(report)
    assert [t["target"].split(" on ")[0] for t in targets] == [
        "classify summary",
        "classify selected",
    ]
