"""`multistack classify` timed as a user runs it, on a generated 1 M-packet capture.

The capture repeats a block of 64 Ethernet frames (IPv4 UDP and TCP to registered and
unregistered tuples, IPv6 TCP, ARP) a million times over. Each mode runs the whole command in a
subprocess (interpreter start-up included) and reports packets per second by wall-clock time and
by the child's CPU time (user + system): on a shared machine the CPU figure is the steadier one.
Goals are reported, never asserted.
"""

from __future__ import annotations

import os
import resource
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from buildsys.paths import BUILD, ROOT

PACKETS = 1_000_000
GOAL_PACKETS_PER_SECOND = 1_000_000.0
RULES = ("udp:10.0.0.2:53=vp0", "tcp:0.0.0.0:80=vp1", "tcp:[::]:443=vp2")
# What a user asks of a big capture: counts only; a selection that shows a few packets; every
# packet as a line (to /dev/null, so the terminal is not what is timed).
MODES: dict[str, tuple[str, ...]] = {
    "summary": ("-q",),
    "selected": ("--verdict", "all"),
    "every_line": (),
}
GOAL_MODES = ("summary", "selected")

_MAC_DST = bytes.fromhex("020000000001")
_MAC_SRC = bytes.fromhex("0200000000aa")


def _ipv4(proto: int, src: str, sport: int, dst: str, dport: int) -> bytes:
    l4 = struct.pack(">HH", sport, dport)
    l4 += (
        struct.pack(">HH", 8 + 18, 0)
        if proto == 17
        else struct.pack(">IIBBHHH", 1, 0, 0x50, 2, 8192, 0, 0)
    )
    l4 += bytes(18)
    header = struct.pack(
        ">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
        bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))),
    )  # fmt: skip
    return _MAC_DST + _MAC_SRC + b"\x08\x00" + header + l4


def _ipv6_tcp(sport: int, dport: int) -> bytes:
    l4 = struct.pack(">HHIIBBHHH", sport, dport, 1, 0, 0x50, 2, 8192, 0, 0)
    src = bytes.fromhex("20010db8000100000000000000000007")
    dst = bytes.fromhex("20010db8000000000000000000000009")
    header = struct.pack(">IHBB16s16s", 6 << 28, len(l4), 6, 64, src, dst)
    return _MAC_DST + _MAC_SRC + b"\x86\xdd" + header + l4


def _arp(sender: str, target: str) -> bytes:
    body = struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1) + _MAC_SRC + bytes(map(int, sender.split(".")))
    body += bytes(6) + bytes(map(int, target.split(".")))
    return b"\xff" * 6 + _MAC_SRC + b"\x08\x06" + body + bytes(18)


def frames() -> list[bytes]:
    """64 frames: hits, wildcard hits and misses in both families, and one ARP."""
    block: list[bytes] = []
    for i in range(63):
        kind = i % 4
        if kind == 0:
            block.append(_ipv4(17, "192.0.2.7", 4000 + i, "10.0.0.2", 53))
        elif kind == 1:
            block.append(_ipv4(6, "192.0.2.8", 5000 + i, "10.0.0.3", 80))
        elif kind == 2:
            block.append(_ipv4(17, "192.0.2.9", 6000 + i, "10.0.0.2", 5353))
        else:
            block.append(_ipv6_tcp(7000 + i, 443))
    block.append(_arp("192.0.2.7", "10.0.0.2"))
    return block


def write_capture(path: Path, packets: int) -> None:
    """A little-endian microsecond pcap of `packets` packets, written block by block."""
    block = frames()
    records = b"".join(
        struct.pack("<IIII", 1_700_000_000, i, len(frame), len(frame)) + frame
        for i, frame in enumerate(block)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        whole, rest = divmod(packets, len(block))
        for _ in range(whole):
            out.write(records)
        if rest:
            out.write(
                b"".join(
                    struct.pack("<IIII", 1_700_000_000, i, len(f), len(f)) + f
                    for i, f in enumerate(block[:rest])
                )
            )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_once(capture: Path, extra: tuple[str, ...]) -> tuple[float, float, str]:
    """Wall and CPU seconds of one `multistack classify` run, and its summary's first line."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tools"), env.get("PYTHONPATH", "")])
    rules: list[str] = [arg for rule in RULES for arg in ("--bind", rule)]
    command = [sys.executable, "-m", "multistack", "classify", "-r", str(capture), *rules, *extra]
    cpu_before = _children_cpu()
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        result = subprocess.run(
            command, env=env, stdout=sink, stderr=subprocess.PIPE, text=True, check=False
        )
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu_before
    if result.returncode != 0:
        raise RuntimeError(f"multistack classify failed: {result.stderr.strip()}")
    return wall, cpu, result.stderr.splitlines()[0]


def measure(capture: Path, packets: int, rounds: int = 3) -> dict[str, Any]:
    """Medians over `rounds` runs of each mode, as packets per second."""
    modes: dict[str, Any] = {}
    for name, extra in MODES.items():
        walls: list[float] = []
        cpus: list[float] = []
        summary = ""
        for _ in range(rounds):
            wall, cpu, summary = time_once(capture, extra)
            walls.append(wall)
            cpus.append(cpu)
        wall = statistics.median(walls)
        cpu = statistics.median(cpus)
        # The largest resident set of any child so far: flat memory shows as a few tens of MB.
        max_rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        modes[name] = {
            "arguments": list(extra),
            "wall_seconds": wall,
            "cpu_seconds": cpu,
            "packets_per_second_wall": packets / wall,
            "packets_per_second_cpu": packets / cpu if cpu > 0 else None,
            "summary": summary,
            "max_rss_kib": max_rss_kib,
        }
    return {"packets": packets, "rounds": rounds, "rules": list(RULES), "modes": modes}


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name in GOAL_MODES:
        value = report["modes"][name]["packets_per_second_cpu"] or 0.0
        found.append(
            {
                "target": f"classify {name} on {report['packets']} packets: "
                f">= {GOAL_PACKETS_PER_SECOND:,.0f} packets/s (CPU time, whole command)",
                "value": value,
                "met": value >= GOAL_PACKETS_PER_SECOND,
            }
        )
    return found


def run(packets: int = PACKETS, rounds: int = 3) -> dict[str, Any]:
    """Generate the capture (once per size) and time every mode; the JSON report's section."""
    capture = BUILD / "bench" / f"classify-{packets}.pcap"
    if not capture.exists():
        write_capture(capture, packets)
    report = measure(capture, packets, rounds)
    report["targets"] = targets(report)
    return report
