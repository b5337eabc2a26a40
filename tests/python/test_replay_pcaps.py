"""Every frame of every shared capture through the ASan/UBSan core, and spot checks of verdicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from capturekit import pcap_dir
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Ether

from multistack import core as ms
from multistack.capture import open_capture
from multistack.linktypes import to_ethernet

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("replay_worker.py")
ASAN_LIB = REPO / "build" / "asan" / "lib" / "libmultistack_core.so"


def _pcaps_or_skip() -> Path:
    directory = pcap_dir()
    if not directory.is_dir() or not any(directory.iterdir()):
        pytest.skip(f"no captures at {directory} (set MULTISTACK_PCAPS to the pcaps directory)")
    return directory


def _sanitizer_env() -> dict[str, str]:
    if not ASAN_LIB.is_file():
        pytest.skip(
            f"the ASan/UBSan core {ASAN_LIB} is not built "
            "(meson setup build/asan -Db_sanitize=address,undefined && ninja -C build/asan)"
        )
    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("no cc to locate the ASan runtime with -print-file-name")
    runtime = subprocess.run(
        [cc, "-print-file-name=libasan.so"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not Path(runtime).exists():
        pytest.skip(f"the ASan runtime {runtime} is not installed")
    env = dict(os.environ)
    env.update(
        # The worker imports the tools from the checkout, as the tests do.
        PYTHONPATH=os.pathsep.join([str(REPO / "tools"), env.get("PYTHONPATH", "")]),
        LD_PRELOAD=runtime,
        # Leaks of the interpreter itself are not ours to report.
        ASAN_OPTIONS="halt_on_error=1:detect_leaks=0:abort_on_error=0",
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
        # Every Python allocation through malloc, so ASan sees them all.
        PYTHONMALLOC="malloc",
        MULTISTACK_CORE_LIB=str(ASAN_LIB),
    )
    return env


def test_sanitizer_harness_reports_an_overread() -> None:
    """The instrumented core and the preloaded runtime are live: an overread kills the child.

    ms_tuple_valid() reads a whole struct ms_tuple; handing it a 2-byte heap
    block must end in an ASan report, or the replay below could not fail.
    """
    env = _sanitizer_env()
    snippet = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None)  # ASan's malloc, as the binding uses\n"
        "libc.malloc.restype = ctypes.c_void_p\n"
        "p = libc.malloc(2)\n"
        "ctypes.memmove(p, bytes([4, 17]), 2)  # family 4, proto udp: the rest is read\n"
        "core = ctypes.CDLL(os.environ['MULTISTACK_CORE_LIB'])\n"
        "core.ms_tuple_valid.argtypes = [ctypes.c_void_p]\n"
        "core.ms_tuple_valid(p)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", snippet], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "AddressSanitizer: heap-buffer-overflow" in result.stderr, result.stderr[-2000:]


def test_replay_every_capture_under_sanitizers() -> None:
    directory = _pcaps_or_skip()
    env = _sanitizer_env()
    result = subprocess.run(
        [sys.executable, str(WORKER), str(directory)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Sanitizer" not in result.stderr, result.stderr[-4000:]
    assert "runtime error" not in result.stderr, result.stderr[-4000:]
    assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-4000:])
    summary = json.loads(result.stdout)
    assert summary["library"] == str(ASAN_LIB)
    assert summary["problem_count"] == 0, summary["problems"]
    assert summary["files"] == len([p for p in directory.iterdir() if p.is_file()])
    counts = summary["counts"]
    # The captures exercise hits, host traffic, broadcasts and malformed frames alike.
    for key in (
        "ingress/port/wildcard_hit",
        "ingress/all/arp",
        "ingress/host/no_match",
        "egress/nic/wildcard_hit",
        "egress/drop/not_owner",
        "egress/drop/mac_spoof",
        "egress/nic/arp",
        "ingress/host/bad_length",
    ):
        assert counts.get(key, 0) > 0, key


def _frames(directory: Path) -> Iterator[tuple[str, int, bytes]]:
    for path in sorted(directory.iterdir()):
        for packet in open_capture(str(path)):
            if packet.linktype == 1:
                frame = to_ethernet(packet.linktype, packet.data)
                assert frame is not None
                yield path.name, packet.index, frame


def _well_formed_flow(frame: bytes) -> Ether | None:
    """An untagged, unfragmented TCP/UDP datagram whose headers are all present and sane."""
    eth = Ether(frame)
    if eth.type == 0x0800 and IP in eth and not isinstance(eth[IP].payload, ICMP):
        ip = eth[IP]
        wire = frame[14:]
        if (
            ip.version == 4
            and ip.ihl == 5
            and 20 + 20 <= ip.len <= len(wire)
            and ip.frag == 0
            and not ip.flags.MF
            and ip.proto in (6, 17)
        ):
            return eth
    if eth.type == 0x86DD and IPv6 in eth:
        ip6 = eth[IPv6]
        if ip6.version == 6 and ip6.nh in (6, 17) and 20 <= ip6.plen <= len(frame) - 54:
            return eth
    return None


def _ports(eth: Ether) -> tuple[int, int, int, str, str]:
    layer = eth[TCP] if TCP in eth else eth[UDP]
    ip = eth[IP] if IP in eth else eth[IPv6]
    return (6 if TCP in eth else 17), layer.sport, layer.dport, ip.src, ip.dst


def test_well_formed_capture_frames_get_the_verdict_their_headers_call_for(
    lib: ms.Library,
) -> None:
    directory = _pcaps_or_skip()
    flows = arps = 0
    for name, index, frame in _frames(directory):
        if flows >= 30 and arps >= 5:
            break
        if len(frame) < 14:
            continue
        ethertype = int.from_bytes(frame[12:14], "big")
        if ethertype < 0x0600:
            continue  # 802.3 length field: scapy decodes it as Dot3, not Ether
        eth = Ether(frame)
        if ethertype == 0x0806 and ARP in eth and len(frame) >= 42 and arps < 5:
            arp = eth[ARP]
            if (arp.hwtype, arp.ptype, arp.hwlen, arp.plen) == (1, 0x0800, 6, 4):
                with ms.Core(lib) as core:
                    decision = core.ingress(frame)
                assert (decision.verdict, decision.reason) == ("all", "arp"), (name, index)
                arps += 1
            continue
        found = _well_formed_flow(frame) if flows < 30 else None
        if found is None:
            continue
        proto, sport, dport, src, dst = _ports(found)
        with ms.Core(lib) as core:
            core.set_nic_mac(frame[6:12])  # the capture's sender plays the NIC
            assert core.ingress(frame) == ms.Decision("host", "no_match", 0), (name, index)
            assert core.bind(ms.make_tuple(proto, dst, dport), 1) is ms.Status.OK
            assert core.ingress(frame) == ms.Decision("port", "tuple_hit", 1), (name, index)
            assert core.egress(frame, 2) == ms.Decision("drop", "no_match", 0), (name, index)
            if (src, sport) != (dst, dport):
                assert core.bind(ms.make_tuple(proto, src, sport), 2) is ms.Status.OK
                assert core.egress(frame, 2) == ms.Decision("nic", "tuple_hit", 0), (name, index)
                assert core.egress(frame, 1) == ms.Decision("drop", "not_owner", 0), (name, index)
        flows += 1
    assert flows >= 30 and arps >= 5, (flows, arps)
