"""`nox -s fuzz`: libFuzzer over the decisions, seeded with frames from the shared captures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

from buildsys import commands, userspace
from buildsys.fuzz_seeds import FUZZ_NIC_MAC, egress_seeds
from buildsys.paths import BUILD, SHARED

ETHERNET = 1


def _seed_corpus(corpus: Path) -> int:
    """One file per frame of every capture (ingress, egress as captured, egress from the
    fuzz target's NIC address), and the hand-built egress seeds; once."""
    if corpus.exists() and any(corpus.iterdir()):
        return sum(1 for _ in corpus.iterdir())
    from multistack.capture import CaptureError, open_capture  # the tools' own reader

    corpus.mkdir(parents=True, exist_ok=True)
    count = 0
    for seed in egress_seeds():
        (corpus / f"{count:06d}").write_bytes(seed)
        count += 1
    for capture in sorted((SHARED / "pcaps").rglob("*.pcap*")):
        try:
            frames = [p.data for p in open_capture(str(capture)) if p.linktype == ETHERNET]
        except CaptureError:
            continue  # the malformed captures are the reader's test data, not the fuzzer's
        for frame in frames[:50]:
            from_nic = frame[:6] + FUZZ_NIC_MAC + frame[12:] if len(frame) >= 12 else frame
            for seed in (b"\x00" + frame, b"\x81" + frame, b"\x81" + from_nic):
                (corpus / f"{count:06d}").write_bytes(seed)
                count += 1
    return count


def run(session: nox.Session, posargs: list[str]) -> None:
    if shutil.which("clang") is None:
        session.error("The fuzz session needs clang: apt-get install clang libclang-rt-14-dev")
    builddir = userspace.build(session, "fuzz", env={"CC": "clang"})
    corpus = BUILD / "fuzz-corpus"
    session.log(f"seed corpus: {_seed_corpus(corpus)} inputs in {corpus}")
    args = posargs or ["-runs=10000000"]
    env = {"ASAN_OPTIONS": "halt_on_error=1", "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"}
    artifacts = BUILD / "fuzz-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    commands.run(
        [
            builddir / "tests" / "fuzz" / "fuzz_decide",
            "-max_len=2048",
            f"-artifact_prefix={artifacts}/",
            *args,
            corpus,
        ],
        env={**os.environ, **env},
    )
