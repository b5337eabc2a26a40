"""The benchmark's machine-readable output: every case, every size, the fields tools rely on.

No timing is asserted here: figures belong to `nox -s bench`, not to tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "build" / "user" / "bench" / "ms_bench"
sys.path.insert(0, str(REPO))

from buildsys.bench import evaluate_targets  # noqa: E402

CASES = {"ingress_ipv4_hit", "ingress_ipv4_miss", "ingress_ipv6_hit", "egress_validate"}


@pytest.fixture(scope="module")
def results() -> list[dict[str, object]]:
    if not BENCH.is_file():
        pytest.skip(f"the benchmark is not built ({BENCH}): run nox -s tests or meson/ninja")
    out = subprocess.run(
        [str(BENCH), "--sizes", "1,1000", "--seconds", "0.01", "--flows", "64"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_every_case_at_every_size_in_both_modes(results: list[dict[str, object]]) -> None:
    seen = {(r["case"], r.get("mode"), r["tuples"]) for r in results if "ns_per_pkt" in r}
    expected = {(c, m, n) for c in CASES for m in ("per_frame", "batched") for n in (1, 1000)}
    assert seen == expected
    for r in results:
        if "ns_per_pkt" in r:
            assert isinstance(r["ns_per_pkt"], float) and r["ns_per_pkt"] > 0
            assert r["mpps"] == pytest.approx(1000 / r["ns_per_pkt"], rel=0.01)


def test_memory_and_registration_rates_are_reported(results: list[dict[str, object]]) -> None:
    memory = {r["tuples"]: r["bytes_per_tuple"] for r in results if r["case"] == "memory"}
    rates = {r["tuples"]: r["ops_per_sec"] for r in results if r["case"] == "bind_unbind"}
    assert set(memory) == set(rates) == {1, 1000}
    # An entry, its share of the buckets and of its address claim: never tiny, never huge.
    assert 64 <= memory[1000] <= 1024
    assert all(isinstance(v, int | float) and v > 0 for v in rates.values())


def test_targets_compare_hits_within_one_run() -> None:
    def hit(tuples: int, ns: float) -> dict[str, object]:
        return {"case": "ingress_ipv4_hit", "mode": "per_frame", "tuples": tuples, "ns_per_pkt": ns}

    targets = evaluate_targets([hit(1000, 8.0), hit(65536, 9.0), hit(1000000, 30.0)])
    met = {t["target"]: t["met"] for t in targets}
    assert met == {
        "ns_per_hit_at_65536 <= 10": True,
        "ns_per_hit_at_1000000 <= 25": False,
        "growth_1000_to_65536 <= 1.5": True,
    }
