"""`multistack status` on the format of docs/design.md, and its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
    assert result.returncode == 2
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
    assert result.returncode == 2
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
