"""`nox -s bench-guest` on the host side: what it reads from the guest's console, how it pairs
runs, and why it refuses to run without real netmap. No guest boots here (that needs NSRC)."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildsys import bench_guest
from buildsys.errors import BuildError


def _sent(name: str, frames: int, seconds: float, prefix: str = "") -> str:
    """One result line as the scenario prints it (pkt-gen's own summary after the name)."""
    return (
        f"{prefix}MSBENCH run={name} Sent {frames} packets {frames * 60} bytes 9000 events "
        f"60 bytes each in {seconds:.2f} seconds.\n"
    )


CONSOLE = (
    "+ pkt-gen -i vale1:a -f tx\n"
    + _sent("vale_ports", 1000000, 1.0)
    + _sent("ms_no_nic", 1000000, 0.5)
    + _sent("vale_ports", 500000, 1.0, prefix="[  12.3] ")
    + _sent("ms_no_nic", 1000000, 4.0)
    + _sent("vale_ports", 2000000, 1.0)
    + _sent("ms_no_nic", 2000000, 1.0)
)


def test_runs_are_frames_per_second_in_console_order() -> None:
    runs = bench_guest.parse_runs(CONSOLE)
    assert runs["vale_ports"] == [1e6, 5e5, 2e6]
    assert runs["ms_no_nic"] == [2e6, 2.5e5, 2e6]


def test_each_run_is_divided_by_its_partner_of_the_same_round() -> None:
    runs = bench_guest.parse_runs(CONSOLE)
    runs.update({"ms_drop": [1.0], "vale_ports_nic": [2.0], "ms_nic": [3.0], "vale_nic": [3.0]})
    rows = {r["case"]: r for r in bench_guest.ratios(runs)}
    # partners 2.0, 0.5 and 1.0: the median of the pairs, not the ratio of the medians (1.0)
    assert rows["ms_no_nic"]["ratio_per_round"] == [2.0, 0.5, 1.0]
    assert rows["ms_no_nic"]["ratio"] == 1.0
    assert rows["ms_no_nic"]["met"] is True
    assert rows["ms_drop"]["ratio"] == 0.5 and rows["ms_drop"]["met"] is False
    assert rows["ms_nic"]["baseline"] == "vale_nic"


def test_a_missing_or_unpaired_run_is_an_error() -> None:
    with pytest.raises(BuildError, match="no ms_drop run"):
        bench_guest.ratios({"vale_ports": [1.0]})
    with pytest.raises(BuildError, match="different number of rounds"):
        bench_guest.ratios(
            {
                "ms_drop": [1.0, 2.0],
                "vale_ports_nic": [1.0],
                "ms_no_nic": [1.0],
                "vale_ports": [1.0],
                "ms_nic": [1.0],
                "vale_nic": [1.0],
            }
        )


def test_without_real_netmap_it_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NSRC", raising=False)
    monkeypatch.delenv("NBUILD", raising=False)
    with pytest.raises(BuildError, match=r"needs real upstream netmap.*NSRC=.*NBUILD="):
        bench_guest._netmap([f"KSRC={tmp_path}"])


def test_a_netmap_build_without_pkt_gen_is_named(tmp_path: Path) -> None:
    (tmp_path / "netmap.ko").write_bytes(b"")
    with pytest.raises(BuildError, match="pkt-gen missing"):
        bench_guest._netmap([f"KSRC={tmp_path}", f"NSRC={tmp_path}", f"NBUILD={tmp_path}"])
