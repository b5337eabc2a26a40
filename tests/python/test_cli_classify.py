"""`multistack classify`, run as a user runs it: a subprocess with arguments and files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import capturekit as ck
import pytest
from capturekit import pcap_dir
from framekit import MAC_NIC, MAC_STACK, TCP, UDP, arp, flow, icmp_echo

from multistack import core as ms

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


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tools"), full_env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "multistack", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def capture(tmp_path: Path, lib: ms.Library) -> Path:
    path = tmp_path / "in.pcap"
    path.write_bytes(ck.pcap(INGRESS))
    return path


def assert_one_sentence_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


def test_text_output_and_summary(capture: Path) -> None:
    result = run("classify", str(capture), *BINDS)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["index", "verdict", "destination", "reason"]
    assert rows[1:7] == [
        ["1", "port", "vp0", "tuple_hit"],
        ["2", "port", "vp1", "wildcard_hit"],
        ["3", "host", "host", "no_match"],
        ["4", "all", "all", "arp"],
        ["5", "host", "host", "no_ports"],
        ["6", "host", "host", "truncated_l2"],
    ]
    summary = {(r[0], r[1]): int(r[2]) for r in rows[9:] if len(r) == 3}
    assert summary == {
        ("port", "tuple_hit"): 1,
        ("port", "wildcard_hit"): 1,
        ("host", "no_match"): 1,
        ("all", "arp"): 1,
        ("host", "no_ports"): 1,
        ("host", "truncated_l2"): 1,
    }
    assert rows[-1] == ["total", "6"]
    assert result.stderr == ""


def test_json_output_is_one_object_per_packet(capture: Path) -> None:
    result = run("classify", str(capture), *BINDS, "--json")
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
        "classify", str(path), *BINDS, "--egress-from", "vp0", "--nic-mac", MAC_NIC, "--json"
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


def test_egress_from_another_ethernet_address_is_mac_spoof(tmp_path: Path, lib: ms.Library) -> None:
    frames = [
        flow(UDP, "10.0.0.2", 53, "192.0.2.7", 4444),
        arp(1, "10.0.0.2", "10.0.0.1"),
        arp(1, "10.0.0.2", "10.0.0.1", hwsrc=MAC_STACK),
    ]
    path = tmp_path / "out.pcap"
    path.write_bytes(ck.pcap(frames))
    args = ("classify", str(path), *BINDS, "--egress-from", "vp0", "--json")
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
    result = run("classify", str(capture), *BINDS, "--egress-from", "vp0", *extra)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_no_host_port_drops_what_the_kernel_would_get(capture: Path, lib: ms.Library) -> None:
    with_host = run("classify", str(capture), *BINDS, "--json")
    without = run("classify", str(capture), *BINDS, "--json", "--no-host-port")
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


def test_rules_file_equals_binds(capture: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("# two stacks\nudp:10.0.0.2:53=vp0   # dns\n\ntcp:[::]:80=vp1\n")
    by_file = run("classify", str(capture), "--rules", str(rules), "--json")
    by_args = run("classify", str(capture), *BINDS, "--json")
    assert by_file.returncode == 0, by_file.stderr
    assert by_file.stdout == by_args.stdout


def test_pcapng_with_mixed_link_types(tmp_path: Path, lib: ms.Library) -> None:
    hit = flow(UDP, "192.0.2.7", 4444, "10.0.0.2", 53)
    data = (
        ck.shb()
        + ck.idb(1)
        + ck.idb(101)
        + ck.idb(105)
        + ck.epb(0, hit)
        + ck.epb(1, hit[14:])
        + ck.epb(2, bytes(30))
        + ck.epb(2, bytes(30))
        + ck.opb(1, hit[14:])
    )
    path = tmp_path / "mixed.pcapng"
    path.write_bytes(data)
    result = run("classify", str(path), *BINDS, "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["index"], r["port"], r["reason"]) for r in records] == [
        (1, "vp0", "tuple_hit"),
        (2, "vp0", "tuple_hit"),
        (5, "vp0", "tuple_hit"),
    ]
    skipped = [line for line in result.stderr.splitlines() if "skipped" in line]
    assert len(skipped) == 1
    assert "2 packet(s)" in skipped[0] and "105" in skipped[0] and "IEEE802_11" in skipped[0]


def test_a_shared_capture_classifies_every_supported_packet(lib: ms.Library) -> None:
    path = pcap_dir() / "dns_udp.pcap"
    if not path.is_file():
        path = next(iter(sorted(pcap_dir().glob("*.pcap"))), path)
    if not path.is_file():
        pytest.skip(f"no captures at {pcap_dir()} (set MULTISTACK_PCAPS to the pcaps directory)")
    result = run("classify", str(path), "--bind", "udp:0.0.0.0:53=resolver", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(r["verdict"] in {"port", "host", "all"} for r in records)


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
    assert_one_sentence_error(run("classify", str(capture), "--bind", bind), *words)


def test_conflicting_binds_are_refused(capture: Path) -> None:
    result = run(
        "classify", str(capture), "--bind", "udp:10.0.0.2:53=vp0", "--bind", "udp:10.0.0.2:53=vp1"
    )
    assert_one_sentence_error(result, "conflicts", "vp1", "vp0")


def test_duplicate_bind_warns_and_continues(capture: Path) -> None:
    result = run("classify", str(capture), *BINDS, "--bind", "udp:10.0.0.2:53=vp0", "--json")
    assert result.returncode == 0
    assert "given twice" in result.stderr
    assert len(result.stdout.splitlines()) == len(INGRESS)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "too short"),
        (b"this is not a capture file at all\n", "not a pcap or pcapng"),
        (ck.pcap(INGRESS)[:-7], "truncated"),
        (ck.shb() + ck.idb(1) + ck.epb(3, INGRESS[0]), "interface 3"),
    ],
    ids=["empty", "text", "truncated pcap", "bad pcapng"],
)
def test_bad_capture_is_one_sentence_and_status_2(
    tmp_path: Path, lib: ms.Library, content: bytes, words: str
) -> None:
    path = tmp_path / "bad.pcap"
    path.write_bytes(content)
    result = run("classify", str(path), *BINDS, "--json")
    assert_one_sentence_error(result, words, str(path))
    # Packets before the damage were still classified and printed.
    if words == "truncated":
        assert len(result.stdout.splitlines()) == len(INGRESS) - 1


def test_missing_capture(tmp_path: Path, lib: ms.Library) -> None:
    result = run("classify", str(tmp_path / "nope.pcap"))
    assert_one_sentence_error(result, "cannot open")


def test_missing_library_is_a_sentence(capture: Path, tmp_path: Path) -> None:
    env = dict(os.environ, MULTISTACK_CORE_LIB=str(tmp_path / "libnothing.so"))
    result = run("classify", str(capture), *BINDS, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "libnothing.so" in result.stderr and "does not exist" in result.stderr


def test_usage_errors_exit_2() -> None:
    result = run("classify")
    assert result.returncode == 2
    assert "CAPTURE" in result.stderr
