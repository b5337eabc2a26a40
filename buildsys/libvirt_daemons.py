"""libvirt's daemons for Vagrant's libvirt provider, on machines where nothing starts them.

Debian's libvirt-daemon-system starts libvirtd and virtlogd through systemd. Containers and CI
machines often run without systemd: then the daemons are started here by hand, each as its own
background daemon, and stop() ends exactly the ones started here (and the networks they brought
up, whose dnsmasq would otherwise outlive them).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from buildsys import commands
from buildsys.errors import BuildError

URI = "qemu:///system"
# Where each daemon, started as root with -d, writes its pid.
PIDFILES = {"virtlogd": Path("/run/virtlogd.pid"), "libvirtd": Path("/run/libvirtd.pid")}


def reachable() -> bool:
    """Whether a libvirt daemon answers on the system URI."""
    proc = commands.run(["virsh", "-c", URI, "uri"], output=commands.Output.CAPTURE, check=False)
    return proc.returncode == 0


def systemd_runs() -> bool:
    return Path("/run/systemd/system").is_dir()


@dataclass
class Daemons:
    """What ensure() found or did, for the output and for stop()."""

    how: str  # one sentence for the user
    started: dict[str, int] = field(default_factory=dict)  # name -> pid, started here


def _pid(name: str) -> int | None:
    try:
        pid = int(PIDFILES[name].read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def _wait(condition: str, check: object, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.2)
    raise BuildError(f"libvirt: {condition} within {seconds:.0f} s")


def ensure() -> Daemons:
    """A libvirt daemon that answers: the one running, systemd's, or libvirtd and virtlogd
    started here when no systemd runs (the returned Daemons say which)."""
    if reachable():
        return Daemons("libvirt: a libvirt daemon is running already; using it")
    if systemd_runs():
        commands.run(["systemctl", "start", "virtlogd.socket", "libvirtd.service"])
        _wait("libvirtd did not answer after systemctl start", reachable)
        return Daemons("libvirt: started libvirtd and virtlogd through systemd")
    if os.geteuid() != 0:
        raise BuildError(
            "libvirt: no libvirt daemon runs and no systemd starts one: run `libvirtd -d` and "
            "`virtlogd -d` as root, or start them as your system does"
        )
    started: dict[str, int] = {}
    for name in ("virtlogd", "libvirtd"):
        if _pid(name) is None:
            commands.run([name, "-d"], what=f"starting {name}")
            _wait(f"{name} wrote no pid file", lambda n=name: _pid(n) is not None)
            pid = _pid(name)
            assert pid is not None
            started[name] = pid
    _wait("libvirtd did not answer", reachable)
    names = " and ".join(f"{n} (pid {p})" for n, p in started.items())
    return Daemons(f"libvirt: no systemd here, so started {names} by hand", started)


def stop(daemons: Daemons) -> None:
    """End the daemons ensure() started, after the networks they run (each with a dnsmasq)."""
    if "libvirtd" in daemons.started:
        active = commands.run(
            ["virsh", "-c", URI, "net-list", "--name"],
            output=commands.Output.CAPTURE,
            check=False,
        ).stdout.split()
        for network in active:
            commands.run(["virsh", "-c", URI, "net-destroy", network], check=False)
    for name in ("libvirtd", "virtlogd"):
        pid = daemons.started.get(name)
        if pid is None:
            continue
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        _wait(f"{name} (pid {pid}) did not stop", lambda p=pid: not _alive(p))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
