"""Replays every frame of every capture in a directory through ingress and egress.

Run by test_replay_pcaps.py in a child interpreter with the ASan/UBSan build
of the core and the sanitizer runtime preloaded, so a sanitizer report ends
this process with an error status.  Prints one JSON summary on stdout; exits 1
when a decision is not sane for its direction.

    python replay_worker.py PCAP_DIR
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from multistack import core as ms
from multistack.capture import CaptureError, open_capture
from multistack.linktypes import to_ethernet

OWNERS = (1, 2, 3)
# The NIC's address as the core is told it.  Egress runs each frame twice: as captured (its
# own source address: mac_spoof, unless it is this one) and rewritten to come from the NIC,
# so the checks past the Ethernet source see real frames too.
NIC_MAC = bytes([0x02, 0x00, 0x5E, 0x10, 0x00, 0x01])
ALLOWED = {ms.Direction.INGRESS: {"port", "host", "all"}, ms.Direction.EGRESS: {"nic", "drop"}}
# Well-known ports, registered on the wildcard address so real traffic hits them.
WILDCARD_PORTS = (
    20, 21, 22, 23, 25, 53, 67, 68, 69, 80, 88, 110, 111, 123, 137, 138, 139, 143, 161, 162,
    179, 389, 443, 445, 500, 514, 520, 521, 546, 547, 646, 1701, 1812, 1813, 2049, 3784, 4500,
    4789, 5060, 5353, 6081, 6633, 6653, 8080,
)  # fmt: skip


def _is_arp(frame: bytes) -> bool:
    return len(frame) >= 42 and frame[12:14] == b"\x08\x06"


def _source_address(frame: bytes) -> tuple[int, bytes] | None:
    """The IP (or ARP sender) address of an untagged frame, to claim it with a registration."""
    if _is_arp(frame):
        return 4, frame[28:32]
    if len(frame) >= 34 and frame[12:14] == b"\x08\x00" and frame[14] >> 4 == 4:
        return 4, frame[26:30]
    if len(frame) >= 54 and frame[12:14] == b"\x86\xdd" and frame[14] >> 4 == 6:
        return 6, frame[22:38]
    return None


def _setup(core: ms.Core, frames: list[bytes]) -> None:
    for i, port in enumerate(WILDCARD_PORTS):
        owner = OWNERS[i % len(OWNERS)]
        for proto in (ms.Proto.UDP, ms.Proto.TCP, ms.Proto.SCTP):
            for family in (4, 6):
                core.bind(ms.raw_tuple(family, proto, port, b""), owner)
    # Exact registrations on the senders' addresses give the ARP/ND/ICMP checks
    # claimed addresses to find; one in three goes to each owner.
    for i, frame in enumerate(frames):
        source = _source_address(frame)
        if source is not None:
            family, addr = source
            core.bind(ms.raw_tuple(family, ms.Proto.UDP, 9, addr), OWNERS[i % len(OWNERS)])


def _check(
    lib: ms.Library, direction: ms.Direction, decision: ms.Decision, where: str
) -> list[str]:
    problems = []
    if decision.verdict not in ALLOWED[direction]:
        problems.append(f"{where}: verdict {decision.verdict} on {direction.name.lower()}")
    if decision.reason not in lib.reason_number:
        problems.append(f"{where}: unknown reason {decision.reason}")
    elif lib.reason_verdict(decision.reason, direction) != decision.verdict:
        problems.append(
            f"{where}: reason {decision.reason} with verdict {decision.verdict} on "
            f"{direction.name.lower()}"
        )
    if decision.verdict == "port" and decision.owner not in OWNERS:
        problems.append(f"{where}: port verdict to unknown owner {decision.owner}")
    return problems


def _from_nic(frame: bytes) -> bytes:
    """The frame as a stack sends it: from the NIC's address (an ARP sender's too)."""
    if len(frame) < 12:
        return frame
    sent = frame[:6] + NIC_MAC + frame[12:]
    return sent[:22] + NIC_MAC + sent[28:] if _is_arp(frame) else sent


def _decide_all(core: ms.Core, frames: list[bytes], batched: bool) -> list[list[ms.Decision]]:
    """Ingress, then egress as captured for the first owner, then from the NIC for each owner."""
    sent = [_from_nic(f) for f in frames]
    core.set_nic_mac(NIC_MAC)
    if batched:
        results = [core.ingress_batch(frames), core.egress_batch(frames, OWNERS[0])]
        results.extend(core.egress_batch(sent, owner) for owner in OWNERS)
        return results
    results = [[core.ingress(f) for f in frames], [core.egress(f, OWNERS[0]) for f in frames]]
    results.extend([core.egress(f, owner) for f in sent] for owner in OWNERS)
    return results


def main(pcap_dir: str) -> int:
    lib = ms.load()
    summary: dict[str, object] = {"library": str(lib.path)}
    counts: Counter[str] = Counter()
    problems: list[str] = []
    files = sorted(p for p in Path(pcap_dir).iterdir() if p.is_file())
    frames_total = 0
    for path in files:
        frames: list[bytes] = []
        try:
            for packet in open_capture(str(path)):
                frame = to_ethernet(packet.linktype, packet.data)
                if frame is None:
                    counts["skipped_linktype"] += 1
                else:
                    frames.append(frame)
        except CaptureError as exc:
            counts["unreadable_files"] += 1
            problems.append(f"{path.name}: {exc}")
            continue
        frames_total += len(frames)
        runs = []
        for batched in (False, True):
            with ms.Core(lib) as core:
                _setup(core, frames)
                runs.append(_decide_all(core, frames, batched))
                core.quiesce()
        single, batch = runs
        for d_index, decisions in enumerate(single):
            direction = ms.Direction.INGRESS if d_index == 0 else ms.Direction.EGRESS
            for f_index, decision in enumerate(decisions):
                where = f"{path.name} frame {f_index + 1} ({direction.name.lower()})"
                problems.extend(_check(lib, direction, decision, where))
                counts[f"{direction.name.lower()}/{decision.verdict}/{decision.reason}"] += 1
                if batch[d_index][f_index] != decision:
                    problems.append(
                        f"{where}: batched {batch[d_index][f_index]} but single {decision}"
                    )
    summary.update(files=len(files), frames=frames_total, counts=dict(counts))
    summary["problems"] = problems[:50]
    summary["problem_count"] = len(problems)
    print(json.dumps(summary))
    sys.stdout.flush()
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
