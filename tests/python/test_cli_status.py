"""`multistack status` on the format of docs/design.md, and its errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SAMPLE = """multistack-status 1
switch name=valem: registrations=2
reg family=4 proto=udp addr=10.0.0.2 port=53 owner=vp0 index=2 pid=812 uid=0 packets=10 bytes=640
reg family=6 proto=tcp addr=* port=80 owner=vp1 index=3 pid=813 uid=1000 packets=0 bytes=0
counter dir=ingress reason=tuple_hit verdict=port packets=10
counter dir=ingress reason=no_match verdict=host packets=0
counter dir=egress reason=not_owner verdict=drop packets=3
"""


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tools"), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "multistack", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "status"
    path.write_text(SAMPLE)
    return path


def test_tables(sample: Path) -> None:
    result = run("status", "--file", str(sample))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "switch valem:: 2 registration(s)"
    header = lines.index(next(line for line in lines if line.startswith("family")))
    assert lines[header].split() == [
        "family", "proto", "addr", "port", "owner", "index", "pid", "uid", "packets", "bytes",
    ]  # fmt: skip
    assert lines[header + 1].split() == "4 udp 10.0.0.2 53 vp0 2 812 0 10 640".split()
    assert lines[header + 2].split() == "6 tcp * 80 vp1 3 813 1000 0 0".split()
    counters = [line.split() for line in lines[header + 3 :] if line.strip()]
    assert counters == [
        ["dir", "reason", "verdict", "packets"],
        ["ingress", "tuple_hit", "port", "10"],
        ["egress", "not_owner", "drop", "3"],
    ]


def test_json(sample: Path) -> None:
    result = run("status", "--json", "--file", str(sample))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["version"] == 1
    assert data["switches"] == [{"name": "valem:", "registrations": 2}]
    assert data["registrations"][0] == {
        "family": 4, "proto": "udp", "addr": "10.0.0.2", "port": 53, "owner": "vp0", "index": 2,
        "pid": 812, "uid": 0, "packets": 10, "bytes": 640, "switch": "valem:",
    }  # fmt: skip
    assert data["registrations"][1]["addr"] == "*"
    assert len(data["counters"]) == 3


def test_stdin_and_empty_module() -> None:
    result = run(
        "status", "--file", "-", stdin="multistack-status 1\nswitch name=valem: registrations=0\n"
    )
    assert result.returncode == 0, result.stderr
    assert "no registrations" in result.stdout
    assert "all counters are zero" in result.stdout


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "does not start"),
        ("hello\n", "does not start"),
        ("multistack-status 2\n", "version 2 is not supported"),
        ("multistack-status x\n", "not a format version"),
        (
            "multistack-status 1\nreg family=4 proto=udp\n",
            "line 2: reg record lacks addr, port, owner",
        ),
        (
            "multistack-status 1\ncounter dir=ingress reason=arp verdict=all packets=many\n",
            "line 2: packets='many' is not a number",
        ),
        ("multistack-status 1\nreg family=4 oops\n", "line 2: 'oops' is not a key=value token"),
    ],
)
def test_bad_status_text_is_one_sentence(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "status"
    path.write_text(text)
    result = run("status", "--file", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert words in result.stderr


def test_unknown_records_and_keys_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "status"
    path.write_text(
        SAMPLE + "frag entries=3\n" + "reg family=4 proto=udp addr=1.2.3.4 port=1 owner=x new=1\n"
    )
    result = run("status", "--json", "--file", str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["registrations"][-1]["new"] == "1"


def test_missing_file(tmp_path: Path) -> None:
    result = run("status", "--file", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.path.exists("/proc/net/multistack"),
    reason="needs a Linux host without the multistack module loaded",
)
def test_module_not_loaded() -> None:
    result = run("status")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "multistack status: the multistack module is not loaded: /proc/net/multistack does not "
        "exist (load it with `modprobe multistack` or `insmod multistack.ko`)"
    )


def test_hidden_pid_and_uid(tmp_path: Path) -> None:
    """Registrations of processes the reader may not see carry pid=- uid=-."""
    path = tmp_path / "status"
    path.write_text(
        "multistack-status 1\nswitch name=valem: registrations=1\n"
        "reg family=4 proto=udp addr=10.0.0.2 port=53 owner=vp0 index=2 pid=- uid=- "
        "packets=1 bytes=60\n"
    )
    as_json = run("status", "--json", "--file", str(path))
    assert as_json.returncode == 0, as_json.stderr
    reg = json.loads(as_json.stdout)["registrations"][0]
    assert reg["pid"] is None and reg["uid"] is None and reg["packets"] == 1
    table = run("status", "--file", str(path))
    row = next(line for line in table.stdout.splitlines() if line.startswith("4 "))
    assert row.split() == "4 udp 10.0.0.2 53 vp0 2 - - 1 60".split()


def test_a_hidden_count_is_still_an_error(tmp_path: Path) -> None:
    path = tmp_path / "status"
    path.write_text("multistack-status 1\ncounter dir=ingress reason=arp verdict=all packets=-\n")
    result = run("status", "--file", str(path))
    assert result.returncode == 1
    assert "packets='-' is not a number" in result.stderr


def _watch(*args: str, seconds: float) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tools"), env.get("PYTHONPATH", "")])
    proc = subprocess.Popen(
        [sys.executable, "-m", "multistack", "status", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(seconds)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_watch_refreshes_until_interrupted(sample: Path) -> None:
    result = _watch("-w", "0.2", "--file", str(sample), seconds=3.0)
    assert result.returncode == 0, result.stderr
    refreshes = [line for line in result.stdout.splitlines() if line.startswith("Every 0.2s:")]
    assert len(refreshes) >= 2, result.stdout
    assert result.stdout.count("switch valem:: 2 registration(s)") == len(refreshes)
    # Not a terminal: no screen-clearing escapes in a pipe.
    assert "\033" not in result.stdout
    assert "Traceback" not in result.stderr


def test_watch_json_is_one_object_per_refresh(sample: Path) -> None:
    result = _watch("-w", "0.2", "--json", "--file", str(sample), seconds=3.0)
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objects) >= 2
    assert all(o["switches"] == [{"name": "valem:", "registrations": 2}] for o in objects)


def test_watch_stops_at_the_first_error(tmp_path: Path) -> None:
    result = run("status", "-w", "0.2", "--file", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert "cannot read" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-w", "0"], "between 0.1 and 86400"),
        (["-w", "soon"], "not a number of seconds"),
        (["-w", "1", "--file", "-"], "cannot re-read standard input"),
        (["--no-such-option"], "usage:"),
    ],
)
def test_status_usage_errors_exit_2(args: list[str], words: str) -> None:
    result = run("status", *args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr
