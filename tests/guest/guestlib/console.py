"""Reads the agent's structured lines and kernel faults back out of the serial console.

The agent (tests/guest/agent/init) writes, one a line:
    MSBEGIN <scenario>
    MSCHECK {"check": ..., "ok": true|false, "detail": ...}   from the scenario's checks
    MSDATA {"key": ..., "value": ...}                          observations for the host
    MSKLOG <kernel log line>                                   the kernel log after the scenario
    MSEND {"scenario": ..., "rc": ..., "seconds": ...}
and MSDONE after the last scenario.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DONE_MARKER = "MSDONE"

# Anything the kernel says when it is unhappy.  A test fails on any of them.
FAULT = re.compile(
    r"WARNING: CPU:|WARNING: .* at |BUG: |BUG kmalloc|kernel BUG|Oops|general protection fault"
    r"|Kernel panic|KASAN|UBSAN|KFENCE|possible circular locking|possible recursive locking"
    r"|inconsistent lock state|lockdep|suspicious RCU usage|refcount_t: |list_add corruption"
    r"|list_del corruption|rcu_sched self-detected|rcu: INFO|soft lockup|hung_task|Call Trace:"
)

_LINE = re.compile(r"(MSBOOTED|MSBEGIN|MSCHECK|MSDATA|MSKLOG|MSEND|MSDONE)\b ?(.*)$")
# A kernel message on the console starts with its timestamp.
_KMSG = re.compile(r"\[ *\d+\.\d+\] ")


def _unsplice(lines: list[str]) -> list[str]:
    """Puts back together agent lines that a kernel console message cut in two.

    The kernel writes to the serial console as it logs (warnings and worse, at loglevel=5),
    in the middle of whatever line the agent is writing: "MSCHECK {"check"[ 9.03] multistack:
    ... refused" and then the rest of the agent's line on the next one.  The kernel's message
    becomes a line of its own (still read for faults), the agent's line is joined again.
    """
    out: list[str] = []
    lines = list(lines)
    for i, line in enumerate(lines):
        m = _LINE.search(line)
        if m and m.group(1) in ("MSCHECK", "MSDATA", "MSEND") and i + 1 < len(lines):
            k = _KMSG.search(line, m.start(2))
            if k and not _json(m.group(2), {}):
                lines[i + 1] = line[: k.start()] + lines[i + 1]
                out.append(line[k.start() :])
                continue
        out.append(line)
    return out


@dataclass
class ScenarioResult:
    name: str
    checks: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    rc: int | None = None
    seconds: float | None = None
    log: list[str] = field(default_factory=list)
    started: bool = True
    console_log: Path | None = None  # the whole boot's console, kept on disk
    boot_faults: list[str] = field(default_factory=list)  # faults outside any scenario

    @property
    def finished(self) -> bool:
        return self.rc is not None

    def failed_checks(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if not c.get("ok")]


@dataclass
class GuestRun:
    scenarios: dict[str, ScenarioResult] = field(default_factory=dict)
    boot_faults: list[str] = field(default_factory=list)
    done: bool = False
    console: str = ""
    booted_after: float | None = None  # guest seconds from power-on to the first scenario


def parse(console: str) -> GuestRun:
    """Splits console output into per-scenario results; faults go to the scenario they hit."""
    run = GuestRun(console=console)
    current: ScenarioResult | None = None
    for raw in _unsplice(console.splitlines()):
        m = _LINE.search(raw)
        kind, rest = (m.group(1), m.group(2)) if m else ("", raw)
        text = rest if kind == "MSKLOG" else raw
        if FAULT.search(text) and kind not in ("MSCHECK", "MSDATA"):
            (current.faults if current else run.boot_faults).append(text.strip())
        if current is not None:
            current.log.append(raw)
        if kind == "MSBEGIN":
            current = run.scenarios[rest.strip()] = ScenarioResult(rest.strip())
        elif kind == "MSCHECK" and current is not None:
            current.checks.append(_json(rest, {"check": rest, "ok": False}))
        elif kind == "MSDATA" and current is not None:
            item = _json(rest, {})
            if "key" in item:
                current.data[str(item["key"])] = item.get("value")
        elif kind == "MSEND" and current is not None:
            end = _json(rest, {})
            current.rc = int(end.get("rc", -1))
            current.seconds = float(end.get("seconds", 0))
            current = None
        elif kind == "MSBOOTED":
            run.booted_after = float(rest.strip() or 0)
        elif kind == "MSDONE":
            run.done = True
    return run


def _json(text: str, fallback: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return fallback
    return value if isinstance(value, dict) else fallback


def assert_passed(result: ScenarioResult) -> None:
    """Fails unless the scenario ran to its end, every check held and the kernel stayed quiet."""
    name = result.name
    where = f"(console: {result.console_log})"
    assert not result.boot_faults, f"kernel faults outside any scenario {where}:\n" + "\n".join(
        result.boot_faults[:20]
    )
    assert result.started, f"scenario {name} never started: the guest died earlier {where}"
    assert not result.faults, f"kernel faults during {name} {where}:\n" + "\n".join(
        result.faults[:40]
    )
    assert result.finished, f"scenario {name} did not finish (timeout or panic) {where}"
    failed = result.failed_checks()
    assert not failed, f"failed checks in {name} {where}:\n" + "\n".join(map(str, failed))
    assert result.rc == 0, f"scenario {name} exited with {result.rc} {where}"
    assert result.checks, f"scenario {name} reported no checks {where}"
