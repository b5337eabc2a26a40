"""Fixtures of the guest tests: one boot per group of scenarios, shared by that group's tests.

Scenarios of a group run one after another in the same guest, each starting from a
clean state (no module of ours loaded) and leaving one behind, so a boot is shared
without making them depend on each other.  Only the scenarios of the selected tests
are run.  The console of each boot is kept in build/guest/<group>.log.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from guestlib import http_lwip, runner
from guestlib.attack_frames import attack_frame_sets
from guestlib.console import ScenarioResult
from guestlib.environment import BUILD_DIR, GUEST_DIR, REPO, GuestEnv
from guestlib.frames import frame_sets
from guestlib.programs import UAPI_INCLUDES, compile_static

# scenario -> group; a group is one boot.
GROUPS = {
    "load_unload": "core",
    "reload": "core",
    "ownership": "core",
    "datapath": "core",
    "churn": "core",
    "netmap_rules": "core",
    "nic_path": "core",
    "attack_ports": "attack",
    "attack_proof": "attack",
    "attack_requests": "attack",
    "attack_egress": "attack",
    "attack_unload": "attack",
    "attack_ahead": "attack",
    "netmap_smoke": "netmap",
    "udp_echo": "netmap",
    "http_lwip": "http",
}
# Scenarios that need our module (the others exercise only the harness and netmap).
NEEDS_MULTISTACK = {
    "load_unload",
    "reload",
    "ownership",
    "datapath",
    "churn",
    "nic_path",
    "udp_echo",
    "http_lwip",
}
SCENARIO_TIMEOUT = {"core": 150.0, "netmap": 120.0, "attack": 240.0, "http": 420.0}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scenario(name): the guest scenario a test asserts on")


class Guests:
    """Boots each group at most once, on first use, with the selected scenarios of that group."""

    def __init__(self, env: GuestEnv, selected: set[str]) -> None:
        self.env = env
        self.selected = selected
        self.outcomes: dict[str, runner.Outcome] = {}

    def skip_reason(self, scenario: str) -> str | None:
        reason = self.env.boot_skip_reason()
        if reason is None and GROUPS[scenario] == "netmap":
            reason = self.env.real_netmap_skip_reason()
        if reason is None and (
            scenario in NEEDS_MULTISTACK or GROUPS[scenario] in {"core", "attack"}
        ):
            reason = self.env.modules_skip_reason()
        if reason is None and GROUPS[scenario] == "http":
            reason = http_lwip.skip_reason(self.env)
        return reason

    def _programs(self, group: str) -> dict[str, Path]:
        agent = GUEST_DIR / "agent"
        includes = [*UAPI_INCLUDES, agent]
        headers = [agent / "mstest.h"]
        if self.env.netmap is not None:
            includes += self.env.netmap.includes
        else:
            double = REPO / "tests" / "netmap_double"
            includes += [double / "sys", double / "include"]
            headers.append(double / "include" / "netmap_double_uapi.h")
        sources = [
            agent / "mstest.c",
            agent / "mstest_proc.c",
            agent / f"mstest_port_{self.env.backend}.c",
        ]
        out = BUILD_DIR / f"mstest-{self.env.backend}"
        programs = {"mstest": compile_static(sources, out, includes, headers)}
        if self.env.netmap is not None:
            programs["vale-ctl"] = self.env.netmap.vale_ctl
        if group == "netmap" and self.env.netmap is not None:
            programs["udp_echo"] = compile_static(
                [REPO / "tools" / "examples" / "udp_echo" / "udp_echo.c"],
                BUILD_DIR / "udp_echo",
                includes,
                headers=[REPO / "lib" / "include" / "multistack" / "ms_app.h"],
                libs=[self.env.netmap.libnetmap],
            )
        if group == "http":
            programs.update(http_lwip.programs(self.env))
        return programs

    def result(self, scenario: str) -> tuple[ScenarioResult | None, runner.Outcome]:
        reason = self.skip_reason(scenario)
        if reason is not None:
            pytest.skip(reason)
        group = GROUPS[scenario]
        if group not in self.outcomes:
            scenarios = [
                s
                for s in GROUPS
                if GROUPS[s] == group and s in self.selected and self.skip_reason(s) is None
            ]
            modules = {"netmap.ko": self.env.netmap_ko}
            if self.env.multistack_ko.is_file():
                modules["multistack.ko"] = self.env.multistack_ko
            plan = runner.GuestPlan(
                name=group,
                scenarios=scenarios,
                modules=modules,
                programs=self._programs(group),
                scenario_timeout=SCENARIO_TIMEOUT[group],
                frames={**frame_sets(), **attack_frame_sets()},
            )
            start = time.monotonic()
            out = self.outcomes[group] = runner.boot(self.env, plan)
            times = ", ".join(f"{s.name} {s.seconds}s" for s in out.run.scenarios.values())
            print(
                f"\nguest {group}: {time.monotonic() - start:.1f}s wall, accel {out.boot.accel}, "
                f"booted in {out.run.booted_after}s guest time; {times}"
            )
        outcome = self.outcomes[group]
        return outcome.run.scenarios.get(scenario), outcome


@pytest.fixture(scope="session")
def guests(request: pytest.FixtureRequest) -> Iterator[Guests]:
    selected = {
        str(m.args[0]) for item in request.session.items for m in item.iter_markers("scenario")
    }
    yield Guests(GuestEnv.from_environ(), selected)


@pytest.fixture
def scenario(request: pytest.FixtureRequest, guests: Guests) -> ScenarioResult:
    """The result of the test's scenario (a stub if the guest died before it started).

    Tests call assert_passed() on it first: failures then show as test failures, not
    fixture errors.
    """
    marker = request.node.get_closest_marker("scenario")
    assert marker is not None, "guest tests name their scenario with @pytest.mark.scenario"
    name = str(marker.args[0])
    result, outcome = guests.result(name)
    if result is None:
        result = ScenarioResult(name, started=False)
    result.console_log = outcome.log
    result.boot_faults = outcome.run.boot_faults
    return result
