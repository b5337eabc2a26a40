"""`multistack classify`'s C loop (lib/ms_capture.c) over every shared capture, under ASan/UBSan.

The loop's own code (link-type translation, the scratch frame, describing packets for the
output, the text lines of ms_cap_format) runs in the instrumented library here;
test_replay_pcaps holds the core itself to exact-size frames.
"""

from __future__ import annotations

import subprocess
import sys

from test_replay_pcaps import _pcaps_or_skip, _sanitizer_env

WORKER = """
import io, sys
from multistack import cli
from multistack.classify import classify

parser = cli.build_parser()
count = 0
for path in sys.argv[1:]:
    for extra in ([], ["--egress-from", "r", "--nic-mac", "02:00:00:00:00:01"]):
        argv = ["classify", "-r", path, "--bind", "udp:0.0.0.0:53=r", *extra]
        # Text lines (formatted in C), JSON, a tuple selection, counts only.
        for more in ([], ["--json", "udp:0.0.0.0:53"], ["--no-host-port", "-q"]):
            if extra and more and more[0] == "--no-host-port":
                continue
            code = classify(parser.parse_args(argv + more), io.StringIO(), io.StringIO())
            if code not in (0, 1):
                sys.exit(f"{path}: exit {code}")
            count += 1
print("ran", count)
"""


def test_every_shared_capture_through_the_sanitized_loop() -> None:
    directory = _pcaps_or_skip()
    env = _sanitizer_env()
    paths = sorted(str(p) for p in directory.iterdir() if p.suffix in {".pcap", ".pcapng"})
    result = subprocess.run(
        [sys.executable, "-c", WORKER, *paths],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "ERROR: AddressSanitizer" not in result.stderr
    assert "runtime error" not in result.stderr
    assert result.stdout.strip() == f"ran {len(paths) * 5}"
