"""Builds one initramfs for a list of scenarios, boots it, and parses what the guest reported."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from . import console, qemu
from .environment import BUILD_DIR, GUEST_DIR, GuestEnv
from .frames import encode
from .initramfs import Initramfs

# Debian modules every boot loads: veth pairs play the NIC.
BASE_MODULES = ["veth"]
# Host programs copied with their libraries: iproute2's ip makes veth pairs, busybox's cannot.
# Debian's busybox shell runs its own applets before PATH: lib.sh calls this one by path.
HOST_PROGRAMS = {"/usr/sbin/ip": "usr/sbin/ip"}
BOOT_TIMEOUT = 90.0  # seconds of wall time for booting and powering off under TCG
BOOT_ATTEMPTS = 2  # a boot that dies before any scenario starts is tried once more


@dataclass(frozen=True)
class GuestPlan:
    """What one boot carries and runs."""

    name: str
    scenarios: list[str]
    modules: dict[str, Path]  # guest name under /ms/ko -> host .ko
    programs: dict[str, Path]  # guest name under /ms/bin -> host executable
    scenario_timeout: float  # per scenario, enforced inside the guest
    frames: dict[str, list[bytes]]  # frame sets under /ms/frames/<name>.bin


@dataclass(frozen=True)
class Outcome:
    run: console.GuestRun
    boot: qemu.BootResult
    log: Path


def build_initramfs(env: GuestEnv, plan: GuestPlan, out: Path) -> None:
    img = Initramfs(env.modules_dir)
    for host, guest in HOST_PROGRAMS.items():
        img.add_binary(Path(host), guest)
    for name, path in plan.programs.items():
        img.add_binary(path, f"ms/bin/{name}")
    busybox = shutil.which("busybox")
    if busybox is None:
        raise FileNotFoundError("busybox is not installed (Debian: busybox-static)")
    img.add_busybox(Path(busybox))
    for mod in BASE_MODULES:
        img.add_kernel_module(mod)
    for name, path in plan.modules.items():
        img.add_host_file(path, f"ms/ko/{name}", 0o644)
    img.add_host_file(GUEST_DIR / "agent" / "init", "init", 0o755)
    img.add_host_file(GUEST_DIR / "agent" / "lib.sh", "ms/lib.sh", 0o644)
    img.add_host_file(GUEST_DIR / "agent" / "mscount", "ms/bin/mscount", 0o755)
    for name, frames in plan.frames.items():
        img.add_file(f"ms/frames/{name}.bin", encode(frames))
    for scenario in plan.scenarios:
        img.add_host_file(GUEST_DIR / "scenarios" / f"{scenario}.sh", f"ms/scenarios/{scenario}.sh")
    img.add_file("ms/plan", "".join(f"{s}\n" for s in plan.scenarios).encode())
    img.add_file("ms/backend", f"{env.backend}\n".encode())
    if env.churn is not None:
        img.add_file("ms/churn", "{} {}\n".format(*env.churn).encode())
    img.add_file("ms/scenario_timeout", f"{int(plan.scenario_timeout)}\n".encode())
    img.write(out)


def _probe_initrd(env: GuestEnv) -> Path:
    out = BUILD_DIR / "probe.cpio"
    if not out.exists():
        img = Initramfs(env.modules_dir)
        busybox = shutil.which("busybox")
        assert busybox is not None
        img.add_busybox(Path(busybox))
        img.add_file("init", b"#!/bin/sh\necho MSPROBE-OK\npoweroff -f\n", 0o755)
        img.write(out)
    return out


_accel: str | None = None


def accel(env: GuestEnv) -> str:
    """The accelerator to use, probed once per process."""
    global _accel
    if _accel is None:
        assert env.qemu is not None
        _accel = qemu.pick_accel(env.qemu, env.kernel_image, _probe_initrd(env), "MSPROBE-OK")
    return _accel


def boot(env: GuestEnv, plan: GuestPlan) -> Outcome:
    """Boots one guest for plan; the console log is kept in build/guest/<plan>.log."""
    assert env.qemu is not None
    initrd = BUILD_DIR / f"{plan.name}.cpio"
    build_initramfs(env, plan, initrd)
    log = BUILD_DIR / f"{plan.name}.log"
    timeout = BOOT_TIMEOUT + plan.scenario_timeout * len(plan.scenarios)
    for attempt in range(1, BOOT_ATTEMPTS + 1):
        result = qemu.boot(env.qemu, env.kernel_image, initrd, timeout, accel(env), log=log)
        run = console.parse(result.console)
        if not (run.boot_faults and not run.scenarios) or attempt == BOOT_ATTEMPTS:
            break
        # The kernel died before the first scenario, so before any module under test was
        # loaded: TCG occasionally trips Debian's kernel while it patches its own code at
        # boot.  Keep that log and boot again; a second such death fails every scenario.
        shutil.copy(log, log.with_suffix(f".attempt{attempt}.log"))
    return Outcome(run, result, log)
