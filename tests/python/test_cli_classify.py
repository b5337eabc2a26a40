"""`multistack classify`, run as a user runs it: a subprocess with arguments and files."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import capturekit as ck
import pytest
from capturekit import pcap_dir
from framekit import MAC_NIC, MAC_STACK, TCP, UDP, arp, flow, icmp_echo

from multistack import cli
from multistack import core as ms
from multistack.capture_loop import CaptureError, CaptureRun, Result, Selection
from multistack.classify import classify
from multistack.classify_output import Formatter

REPO = Path(__file__).resolve().parents[2]

INGRESS = [
    flow(UDP, "192.0.2.7", 4444, "10.0.0.2", 53),  # 1 exact vp0
    flow(TCP, "2001:db8:1::7", 5555, "2001:db8::9", 80),  # 2 wildcard vp1
    flow(UDP, "192.0.2.7", 4444, "10.0.0.2", 54),  # 3 nobody
    arp(1, "192.0.2.7", "10.0.0.2"),  # 4 broadcast
    icmp_echo("192.0.2.7", "10.0.0.2"),  # 5 no ports
    b"\x01\x02\x03",  # 6 malformed
]
BINDS = ["--bind", "udp:10.0.0.2:53=vp0", "--bind", "tcp:[::]:80=vp1"]
# capturekit stamps packet i at 1700000000 + i seconds and 500 microseconds.
EXPECTED_LINES = [
    "1 22:13:20.000500 udp 192.0.2.7.4444 > 10.0.0.2.53: port vp0 tuple_hit",
    "2 22:13:21.000500 tcp 2001:db8:1::7.5555 > 2001:db8::9.80: port vp1 wildcard_hit",
    "3 22:13:22.000500 udp 192.0.2.7.4444 > 10.0.0.2.54: host no_match",
    "4 22:13:23.000500 arp 192.0.2.7 > 10.0.0.2: all arp",
    "5 22:13:24.000500 icmp 192.0.2.7 > 10.0.0.2: host no_ports",
    "6 22:13:25.000500 malformed, 3 bytes: host truncated_l2",
]


def env_for(env: dict[str, str] | None = None) -> dict[str, str]:
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tools"), full_env.get("PYTHONPATH", "")])
    full_env["TZ"] = "UTC"
    return full_env


def run(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "multistack", *args],
        env=env_for(env),
        input=stdin,
        capture_output=True,
        timeout=120,
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode(), result.stderr.decode()
    )


@pytest.fixture
def capture(tmp_path: Path, lib: ms.Library) -> Path:
    path = tmp_path / "in.pcap"
    path.write_bytes(ck.pcap(INGRESS))
    return path


def summary_of(stderr: str) -> dict[tuple[str, str], int]:
    rows = [line.split() for line in stderr.splitlines() if line.startswith("  ")]
    return {(r[0], r[1]): int(r[2]) for r in rows[1:] if len(r) == 3 and r[2].isdigit()}


def assert_usage_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]
    assert result.stdout == ""


def test_text_output_and_summary(capture: Path) -> None:
    result = run("classify", "-r", str(capture), *BINDS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == EXPECTED_LINES
    lines = result.stderr.splitlines()
    assert lines[0] == "6 packets read, 6 classified (ingress), 6 selected"
    assert lines[1].split() == ["verdict", "reason", "packets"]
    assert summary_of(result.stderr) == {
        ("port", "tuple_hit"): 1,
        ("port", "wildcard_hit"): 1,
        ("host", "no_match"): 1,
        ("all", "arp"): 1,
        ("host", "no_ports"): 1,
        ("host", "truncated_l2"): 1,
    }


def test_capture_as_a_word_equals_dash_r(capture: Path) -> None:
    by_word = run("classify", str(capture), *BINDS)
    by_r = run("classify", "-r", str(capture), *BINDS)
    assert by_word.returncode == 0
    assert by_word.stdout == by_r.stdout


def test_json_output_is_one_object_per_packet(capture: Path) -> None:
    result = run("classify", "-r", str(capture), *BINDS, "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["index"], r["verdict"], r["port"], r["reason"]) for r in records] == [
        (1, "port", "vp0", "tuple_hit"),
        (2, "port", "vp1", "wildcard_hit"),
        (3, "host", None, "no_match"),
        (4, "all", None, "arp"),
        (5, "host", None, "no_ports"),
        (6, "host", None, "truncated_l2"),
    ]
    assert records[0] == {
        "index": 1, "time": "2023-11-14T22:13:20.000500000Z", "length": len(INGRESS[0]),
        "direction": "ingress", "verdict": "port", "port": "vp0", "destination": "vp0",
        "reason": "tuple_hit", "proto": "udp", "src": "192.0.2.7", "dst": "10.0.0.2",
        "sport": 4444, "dport": 53,
    }  # fmt: skip
    assert records[3]["proto"] == "arp" and "sport" not in records[3]
    assert records[5]["destination"] == "host" and "src" not in records[5]


def test_not_ip_shows_the_ethertype(tmp_path: Path, lib: ms.Library) -> None:
    lldp = bytes.fromhex("0180c200000e020000000002") + b"\x88\xcc" + bytes(30)
    path = tmp_path / "lldp.pcap"
    path.write_bytes(ck.pcap([lldp]))
    text = run("classify", "-r", str(path))
    assert text.stdout.split(": ")[0].endswith("ethertype 0x88cc"), text.stdout
    assert "host not_ip" in text.stdout
    as_json = json.loads(run("classify", "-r", str(path), "--json").stdout)
    assert as_json["ethertype"] == 0x88CC


def test_egress_from_a_port(tmp_path: Path, lib: ms.Library) -> None:
    frames = [
        flow(UDP, "10.0.0.2", 53, "192.0.2.7", 4444),  # vp0's own tuple
        flow(TCP, "2001:db8::2", 80, "2001:db8:1::7", 5555),  # vp1's wildcard
        flow(UDP, "10.0.0.2", 99, "192.0.2.7", 4444),  # nobody's
        arp(1, "10.0.0.2", "10.0.0.1"),  # vp0 claims 10.0.0.2
        arp(1, "10.0.0.3", "10.0.0.1"),  # nobody claims 10.0.0.3
    ]
    path = tmp_path / "out.pcap"
    path.write_bytes(ck.pcap(frames))
    result = run(
        "classify", "-r", str(path), *BINDS, "--egress-from", "vp0", "--nic-mac", MAC_NIC, "--json"
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["verdict"], r["port"], r["reason"]) for r in records] == [
        ("nic", None, "tuple_hit"),
        ("drop", None, "not_owner"),
        ("drop", None, "no_match"),
        ("nic", None, "arp"),
        ("drop", None, "arp_spoof"),
    ]
    assert {r["direction"] for r in records} == {"egress"}
    assert result.stderr.startswith("5 packets read, 5 classified (egress), 5 selected")
    assert summary_of(result.stderr)[("drop", "not_owner")] == 1


def test_egress_from_must_name_a_port_of_the_rules(capture: Path) -> None:
    result = run(
        "classify", "-r", str(capture), *BINDS, "--egress-from", "nosuch", "--nic-mac", MAC_NIC
    )
    assert_usage_error(result, "--egress-from nosuch", "vp0, vp1")


def test_egress_from_another_ethernet_address_is_mac_spoof(tmp_path: Path, lib: ms.Library) -> None:
    frames = [
        flow(UDP, "10.0.0.2", 53, "192.0.2.7", 4444),
        arp(1, "10.0.0.2", "10.0.0.1"),
        arp(1, "10.0.0.2", "10.0.0.1", hwsrc=MAC_STACK),
    ]
    path = tmp_path / "out.pcap"
    path.write_bytes(ck.pcap(frames))
    args = ("classify", "-r", str(path), *BINDS, "--egress-from", "vp0", "--json")
    records = [json.loads(line) for line in run(*args, "--nic-mac", MAC_NIC).stdout.splitlines()]
    assert [(r["verdict"], r["reason"]) for r in records] == [
        ("nic", "tuple_hit"),
        ("nic", "arp"),
        ("drop", "arp_spoof"),
    ]
    records = [json.loads(line) for line in run(*args, "--nic-mac", MAC_STACK).stdout.splitlines()]
    # Told another address, the tool refuses every frame sent from the NIC's.
    assert [(r["verdict"], r["reason"]) for r in records] == [("drop", "mac_spoof")] * 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "--egress-from needs --nic-mac"),
        (("--nic-mac", "02:00:00:00:01"), "--nic-mac: '02:00:00:00:01' is not an Ethernet address"),
    ],
)
def test_egress_needs_a_valid_nic_mac(
    capture: Path, lib: ms.Library, extra: tuple[str, ...], message: str
) -> None:
    result = run("classify", "-r", str(capture), *BINDS, "--egress-from", "vp0", *extra)
    assert_usage_error(result, message)


def test_no_host_port_drops_what_the_kernel_would_get(capture: Path, lib: ms.Library) -> None:
    with_host = run("classify", "-r", str(capture), *BINDS, "--json")
    without = run("classify", "-r", str(capture), *BINDS, "--json", "--no-host-port")
    assert without.returncode == 0, without.stderr
    before = [json.loads(line) for line in with_host.stdout.splitlines()]
    after = [json.loads(line) for line in without.stdout.splitlines()]
    assert len(before) == len(after) > 0
    for old, new in zip(before, after, strict=True):
        if old["verdict"] == "host":
            assert (new["verdict"], new["reason"]) == ("drop", "no_host_port")
        else:
            assert new == old
    assert any(r["verdict"] == "host" for r in before)
    assert summary_of(without.stderr)[("drop", "no_host_port")] == 3


def test_rules_file_equals_binds(capture: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("# two stacks\nudp:10.0.0.2:53=vp0   # dns\n\ntcp:[::]:80=vp1\n")
    by_file = run("classify", "-r", str(capture), "--rules", str(rules), "--json")
    by_args = run("classify", "-r", str(capture), *BINDS, "--json")
    assert by_file.returncode == 0, by_file.stderr
    assert by_file.stdout == by_args.stdout


def test_standard_input(capture: Path) -> None:
    result = run("classify", "-r", "-", *BINDS, stdin=capture.read_bytes())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == EXPECTED_LINES


def test_count_stops_after_n_selected_packets(capture: Path) -> None:
    result = run("classify", "-r", str(capture), *BINDS, "-c", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == EXPECTED_LINES[:2]
    assert result.stderr.startswith("2 packets read, 2 classified (ingress), 2 selected")
    selected = run("classify", "-r", str(capture), *BINDS, "-c", "1", "--verdict", "host")
    assert selected.stdout.splitlines() == EXPECTED_LINES[2:3]
    assert selected.stderr.startswith("3 packets read, 3 classified (ingress), 1 selected")


@pytest.mark.parametrize("count", ["0", "-3", "many"])
def test_count_must_be_positive(capture: Path, count: str) -> None:
    result = run("classify", "-r", str(capture), "-c", count)
    assert result.returncode == 2
    assert "-c" in result.stderr and "Traceback" not in result.stderr


def test_select_by_verdict(capture: Path) -> None:
    result = run("classify", "-r", str(capture), *BINDS, "--verdict", "port")
    assert result.stdout.splitlines() == EXPECTED_LINES[:2]
    both = run("classify", "-r", str(capture), *BINDS, "--verdict", "all", "--verdict", "port")
    assert both.stdout.splitlines() == [EXPECTED_LINES[i] for i in (0, 1, 3)]
    # Everything is still classified and counted.
    assert summary_of(result.stderr)[("host", "no_match")] == 1


def test_unknown_verdict_is_a_usage_error(capture: Path) -> None:
    assert_usage_error(
        run("classify", "-r", str(capture), "--verdict", "maybe"), "--verdict maybe", "port"
    )


def test_select_by_port(capture: Path) -> None:
    result = run("classify", "-r", str(capture), *BINDS, "--port", "vp1")
    assert result.stdout.splitlines() == EXPECTED_LINES[1:2]
    assert_usage_error(
        run("classify", "-r", str(capture), *BINDS, "--port", "vp9"), "--port vp9", "vp0"
    )
    assert_usage_error(
        run("classify", "-r", str(capture), *BINDS, "--port", "vp0", "--port", "vp1"), "--port"
    )


def test_select_by_tuple(capture: Path) -> None:
    exact = run("classify", "-r", str(capture), *BINDS, "udp:10.0.0.2:54")
    assert exact.returncode == 0, exact.stderr
    assert exact.stdout.splitlines() == EXPECTED_LINES[2:3]
    wildcard = run("classify", str(capture), "udp:0.0.0.0:53", "tcp:[::]:80")
    assert [line.split()[0] for line in wildcard.stdout.splitlines()] == ["1", "2"]
    # Selection and registrations are independent: nothing bound, still selected.
    assert "host no_match" in wildcard.stdout


def test_selections_combine(capture: Path) -> None:
    result = run("classify", "-r", str(capture), *BINDS, "udp:0.0.0.0:53", "--verdict", "host")
    assert result.stdout == ""
    assert result.stderr.startswith("6 packets read, 6 classified (ingress), 0 selected")


def test_select_by_source_tuple_on_egress(tmp_path: Path, lib: ms.Library) -> None:
    frames = [
        flow(UDP, "10.0.0.2", 53, "192.0.2.7", 4444),
        flow(UDP, "10.0.0.2", 99, "192.0.2.7", 53),
    ]
    path = tmp_path / "out.pcap"
    path.write_bytes(ck.pcap(frames))
    result = run(
        "classify",
        "-r",
        str(path),
        *BINDS,
        "--egress-from",
        "vp0",
        "--nic-mac",
        MAC_NIC,
        "udp:10.0.0.2:53",
    )
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["1"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["udp:10.0.0.300:53"], "not an IP address"),
        (["gre:10.0.0.2:53"], "protocol"),
        (["udp:10.0.0.2:0"], "port"),
        (["another.pcap"], "neither a tuple"),
    ],
)
def test_bad_selection_words(capture: Path, words: list[str], expected: str) -> None:
    assert_usage_error(run("classify", "-r", str(capture), *words), expected)


def test_no_capture_is_a_usage_error(lib: ms.Library) -> None:
    assert_usage_error(run("classify", "udp:10.0.0.2:53"), "no capture")


def test_quiet_prints_only_the_summary(capture: Path) -> None:
    result = run("classify", "-r", str(capture), *BINDS, "-q")
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr.startswith("6 packets read, 6 classified (ingress), 6 selected")


def test_unsupported_link_type_is_skipped_and_reported(tmp_path: Path, lib: ms.Library) -> None:
    path = tmp_path / "wifi.pcap"
    path.write_bytes(ck.pcap([bytes(30), bytes(30)], linktype=105))
    result = run("classify", "-r", str(path), *BINDS)
    assert result.returncode == 0
    assert result.stdout == ""
    assert "2 packets read, 0 classified" in result.stderr
    assert "skipped 2 packet(s) of unsupported link type 105 (IEEE802_11)" in result.stderr


@pytest.mark.parametrize(
    ("linktype", "packet"),
    [
        (101, INGRESS[0][14:]),  # raw IP
        (228, INGRESS[0][14:]),  # IPv4
        (113, bytes(14) + b"\x08\x00" + INGRESS[0][14:]),  # Linux cooked
        (276, b"\x08\x00" + bytes(18) + INGRESS[0][14:]),  # Linux cooked v2
        (0, b"\x02\x00\x00\x00" + INGRESS[0][14:]),  # BSD loopback, little-endian family
        (108, b"\x00\x00\x00\x02" + INGRESS[0][14:]),  # OpenBSD loopback, big-endian
    ],
)
def test_layer3_link_types_become_ethernet(
    tmp_path: Path, lib: ms.Library, linktype: int, packet: bytes
) -> None:
    path = tmp_path / "l3.pcap"
    path.write_bytes(ck.pcap([packet], linktype=linktype))
    result = run("classify", "-r", str(path), *BINDS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 2)[2] == EXPECTED_LINES[0].split(" ", 2)[2] + "\n"


def test_pcapng_and_nanosecond_pcap(tmp_path: Path, lib: ms.Library) -> None:
    ng = tmp_path / "in.pcapng"
    ng.write_bytes(ck.shb() + ck.idb(1) + ck.nrb() + ck.epb(0, INGRESS[0]) + ck.spb(INGRESS[2]))
    result = run("classify", "-r", str(ng), *BINDS, "--json")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["reason"] for line in result.stdout.splitlines()] == [
        "tuple_hit",
        "no_match",
    ]
    nano = tmp_path / "nano.pcap"
    nano.write_bytes(ck.pcap(INGRESS[:1], nanoseconds=True, order=">"))
    record = json.loads(run("classify", "-r", str(nano), *BINDS, "--json").stdout)
    assert record["time"] == "2023-11-14T22:13:20.000000500Z"


GOOD = ck.pcap(INGRESS)


def repeated(times: int) -> bytes:
    """INGRESS `times` over (capturekit's byte-by-byte writer is slow for large captures)."""
    return GOOD[:24] + GOOD[24:] * times


NG_TWO = ck.shb() + ck.idb(1) + ck.epb(0, INGRESS[0]) + ck.epb(0, INGRESS[2])


@pytest.mark.parametrize(
    ("content", "words", "read"),
    [
        (b"", ["not a capture libpcap can read", "truncated"], 0),
        (b"this is not a capture file at all\n", ["unknown file format"], 0),
        (GOOD[:-7], ["stopped after packet 5, at byte offset", "truncated"], 5),
        (GOOD[:30], ["stopped after packet 0, at byte offset 24", "truncated"], 0),
        (ck.shb() + ck.idb(1) + ck.epb(3, INGRESS[0]), ["interface 3"], 0),
        (NG_TWO[:-5], ["stopped after packet 1, at byte offset", "truncated pcapng"], 1),
        (ck.shb() + ck.idb(1) + ck.idb(101) + ck.epb(0, INGRESS[0]), ["different"], 0),
    ],
    ids=["empty", "text", "truncated pcap", "cut header", "bad pcapng", "truncated pcapng",
         "mixed link types"],
)  # fmt: skip
def test_bad_capture_is_one_sentence_status_1_and_counts(
    tmp_path: Path, lib: ms.Library, content: bytes, words: list[str], read: int
) -> None:
    path = tmp_path / "bad.pcap"
    path.write_bytes(content)
    result = run("classify", "-r", str(path), *BINDS)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    first, counts = result.stderr.splitlines()[:2]
    assert first.startswith(f"multistack classify: {path}: ")
    for word in words:
        assert word in first
    assert counts.startswith(f"{read} packets read, {read} classified")
    # Packets before the damage were still classified and printed.
    assert len(result.stdout.splitlines()) == read


def test_truncated_standard_input_names_it(lib: ms.Library) -> None:
    result = run("classify", "-r", "-", *BINDS, stdin=GOOD[:-7])
    assert result.returncode == 1
    assert result.stderr.startswith("multistack classify: standard input: stopped after packet 5")


def test_missing_capture_is_bad_input(tmp_path: Path, lib: ms.Library) -> None:
    result = run("classify", "-r", str(tmp_path / "nope.pcap"))
    assert result.returncode == 1
    assert "cannot open it: No such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_library_is_a_sentence(capture: Path, tmp_path: Path) -> None:
    env = dict(os.environ, MULTISTACK_CORE_LIB=str(tmp_path / "libnothing.so"))
    result = run("classify", str(capture), *BINDS, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "libnothing.so" in result.stderr and "does not exist" in result.stderr


@pytest.mark.parametrize(
    ("bind", "words"),
    [
        ("udp:10.0.0.2=vp0", ["'udp:10.0.0.2=vp0'"]),
        ("gre:10.0.0.2:53=vp0", ["'gre:10.0.0.2:53=vp0'", "protocol"]),
        ("udp:10.0.0.300:53=vp0", ["'udp:10.0.0.300:53=vp0'", "not an IP address"]),
        ("udp:10.0.0.2:70000=vp0", ["'udp:10.0.0.2:70000=vp0'", "port"]),
    ],
)
def test_bad_bind_is_one_sentence_naming_it(capture: Path, bind: str, words: list[str]) -> None:
    assert_usage_error(run("classify", str(capture), "--bind", bind), *words)


def test_conflicting_binds_are_refused(capture: Path) -> None:
    result = run(
        "classify", str(capture), "--bind", "udp:10.0.0.2:53=vp0", "--bind", "udp:10.0.0.2:53=vp1"
    )
    assert_usage_error(result, "conflicts", "vp1", "vp0")


def test_duplicate_bind_warns_and_continues(capture: Path) -> None:
    result = run("classify", str(capture), *BINDS, "--bind", "udp:10.0.0.2:53=vp0", "--json")
    assert result.returncode == 0
    assert "given twice" in result.stderr
    assert len(result.stdout.splitlines()) == len(INGRESS)


def test_usage_errors_exit_2() -> None:
    result = run("classify", "--no-such-option")
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_closed_pipe_is_quiet(tmp_path: Path, lib: ms.Library) -> None:
    path = tmp_path / "many.pcap"
    path.write_bytes(repeated(20000))
    proc = subprocess.Popen(
        [sys.executable, "-m", "multistack", "classify", "-r", str(path)],
        env=env_for(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=60)
    assert "Traceback" not in stderr and "Exception" not in stderr


def _run_on_terminal(capture: bytes, *args: str) -> str:
    """stderr on a pseudo-terminal, stdin fed slowly through a pipe: what the terminal shows."""
    master, slave = pty.openpty()
    # A terminal of 24 rows and 80 columns (a fresh pty has none: tqdm would draw nothing).
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "multistack", "classify", "-r", "-", "-q", *args],
        env=env_for(),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    assert proc.stdin is not None
    half = len(capture) // 2
    proc.stdin.write(capture[:half])
    proc.stdin.flush()
    # Long enough that the run takes more than the bar's one-second delay.
    time.sleep(2.5)
    proc.stdin.write(capture[half:])
    proc.stdin.close()
    shown = io.BytesIO()
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown.write(chunk)
    proc.wait(timeout=60)
    os.close(master)
    assert proc.returncode == 0
    return shown.getvalue().decode(errors="replace")


def test_progress_bar_on_a_terminal_for_a_long_run(lib: ms.Library) -> None:
    shown = _run_on_terminal(repeated(2000))
    assert "packets/s" in shown, shown
    assert "12000 packets read" in shown


def test_no_progress_bar_when_asked_or_in_a_pipe(lib: ms.Library) -> None:
    shown = _run_on_terminal(repeated(2000), "--progress", "never")
    assert "packets/s" not in shown and "12000 packets read" in shown
    result = run("classify", "-r", "-", "-q", stdin=repeated(2000))
    assert "packets/s" not in result.stderr and "\r" not in result.stderr


def test_every_shared_capture_without_a_traceback(lib: ms.Library) -> None:
    """Every capture of ../shared/pcaps, both directions, in-process: exit 0 or 1, one sentence."""
    paths = sorted(p for p in pcap_dir().glob("*") if p.suffix in {".pcap", ".pcapng"})
    if not paths:
        pytest.skip(f"no shared captures under {pcap_dir()} (set MULTISTACK_PCAPS)")
    parser = cli.build_parser()
    classified = 0
    for path in paths:
        for extra in ([], ["--egress-from", "r", "--nic-mac", MAC_NIC]):
            argv = ["classify", "-r", str(path), "--bind", "udp:0.0.0.0:53=r", "--json", *extra]
            out, err = io.StringIO(), io.StringIO()
            code = classify(parser.parse_args(argv), out, err)
            assert code in (0, 1), (path, err.getvalue())
            lines = err.getvalue().splitlines()
            if code == 1:
                assert lines[0].startswith(f"multistack classify: {path}: "), lines
            for line in out.getvalue().splitlines():
                json.loads(line)
                classified += 1
    assert classified > 10000


def test_text_from_c_equals_the_python_formatter(lib: ms.Library) -> None:
    """ms_cap_format writes exactly what Formatter.line() would, on every shared capture."""
    paths = sorted(p for p in pcap_dir().glob("*") if p.suffix in {".pcap", ".pcapng"})
    if not paths:
        pytest.skip(f"no shared captures under {pcap_dir()} (set MULTISTACK_PCAPS)")
    paths.append(Path(__file__))  # not a capture: opening fails, nothing to compare
    names = {1: "r", 2: "vp1"}
    compared = 0
    for path in paths:
        with ms.Core(lib) as core:
            core.bind(ms.make_tuple(ms.Proto.UDP, "0.0.0.0", 53), 1)
            core.bind(ms.make_tuple(ms.Proto.TCP, "::", 80), 2)
            formatter = Formatter(lib, names, ms.Direction.INGRESS, as_json=False)
            fd = os.open(path, os.O_RDONLY)
            try:
                run = CaptureRun(lib, fd)
            except CaptureError:
                os.close(fd)
                continue
            with run:
                while True:
                    result, kept = run.run(
                        core, ms.Direction.INGRESS, 0, False, Selection(), 4096, 4096
                    )
                    expected = "".join(formatter.line(row) for row in run.rows())
                    assert run.text(names) == expected, path
                    compared += kept
                    if result is not Result.MORE:
                        break
            os.close(fd)
    assert compared > 0
