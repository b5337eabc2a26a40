"""Boots the kernel with an initramfs under qemu and returns the serial console's text."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

# Any warning panics the guest, a panic ends qemu at once (-no-reboot): a fault cannot
# scroll past unnoticed, and a dead guest does not sit out the whole timeout.
KERNEL_ARGS = (
    "console=ttyS0 panic=-1 panic_on_warn=1 oops=panic softlockup_panic=1 "
    "loglevel=5 rdinit=/init net.ifnames=0 tsc=reliable no_timer_check"
)
MEMORY = "2G"
CPUS = "2"


@dataclass(frozen=True)
class BootResult:
    console: str
    seconds: float
    timed_out: bool
    accel: str


def _command(qemu: Path, kernel: Path, initrd: Path, accel: str, extra_args: str) -> list[str]:
    accel_args = (
        ["-accel", "kvm", "-cpu", "host"]
        if accel == "kvm"
        else [
            "-accel",
            "tcg,thread=multi",
            "-cpu",
            "max",
        ]
    )
    return [
        str(qemu), *accel_args, "-m", MEMORY, "-smp", CPUS,
        "-kernel", str(kernel), "-initrd", str(initrd),
        "-append", f"{KERNEL_ARGS} {extra_args}".strip(),
        "-nographic", "-no-reboot", "-monitor", "none", "-serial", "stdio",
        "-nic", "none", "-nodefaults",
    ]  # fmt: skip


def boot(
    qemu: Path,
    kernel: Path,
    initrd: Path,
    timeout: float,
    accel: str = "tcg",
    extra_args: str = "",
    log: Path | None = None,
) -> BootResult:
    """Runs the guest to its end (poweroff, panic) or until timeout seconds have passed."""
    start = time.monotonic()
    cmd = _command(qemu, kernel, initrd, accel, extra_args)
    timed_out = False
    try:
        proc = subprocess.run(
            cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False
        )
        out = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        timed_out = True
        out = (exc.stdout or b"") + (exc.stderr or b"")
    text = out.decode(errors="replace").replace("\r\n", "\n")
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(" ".join(cmd) + "\n\n" + text)
    return BootResult(text, time.monotonic() - start, timed_out, accel)


def pick_accel(qemu: Path, kernel: Path, probe_initrd: Path, marker: str) -> str:
    """KVM where a short probe boot reaches the marker, TCG otherwise.

    MS_GUEST_ACCEL=tcg|kvm skips the probe. Nested hypervisors often expose /dev/kvm yet
    cannot run a stock kernel (they hang or stop on some instructions), hence the probe.
    """
    forced = os.environ.get("MS_GUEST_ACCEL")
    if forced in ("tcg", "kvm"):
        return forced
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg"
    result = boot(qemu, kernel, probe_initrd, timeout=15, accel="kvm")
    return "kvm" if marker in result.console else "tcg"
