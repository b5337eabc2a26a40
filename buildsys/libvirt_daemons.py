"""libvirt's daemons for Vagrant's libvirt provider, on machines where nothing starts them.

Debian's libvirt-daemon-system starts libvirtd and virtlogd through systemd. Containers and CI
machines often run without systemd: then the daemons are started here by hand, each as its own
background daemon, and stop() ends exactly the ones started here (and the networks they brought
up, whose dnsmasq would otherwise outlive them). A VM build leaves them running for the next
build, so they are recorded, and `nox -s vm-down` (stop_recorded) ends them from a later process.
"""

from __future__ import annotations

import json
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
# The daemons ensure() started by hand (name -> pid), for a later `nox -s vm-down`. In /run: it
# means nothing after a reboot, and only root starts the daemons here.
STARTED_RECORD = Path("/run/multistack-libvirt-started.json")


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
    if started:
        STARTED_RECORD.write_text(json.dumps(started), encoding="utf-8")
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
    if daemons.started and recorded().started == {}:
        STARTED_RECORD.unlink(missing_ok=True)


def recorded() -> Daemons:
    """The daemons ensure() recorded as started by hand that still run as themselves (a pid
    reused by another program is not one of them)."""
    try:
        started = json.loads(STARTED_RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Daemons("libvirt: no daemon was started by hand")
    alive = {
        name: pid
        for name, pid in started.items()
        if name in PIDFILES and isinstance(pid, int) and _command_name(pid) == name
    }
    return Daemons("libvirt: daemons started by hand for a VM build", alive)


def running_domains() -> list[str]:
    """The VMs libvirt runs now (none when no daemon answers)."""
    proc = commands.run(
        ["virsh", "-c", URI, "list", "--name"], output=commands.Output.CAPTURE, check=False
    )
    return proc.stdout.split() if proc.returncode == 0 else []


def stop_recorded() -> list[str]:
    """Stop the daemons recorded by ensure() in some earlier process; what was stopped."""
    daemons = recorded()
    stop(daemons)
    STARTED_RECORD.unlink(missing_ok=True)
    return [f"{name} (pid {pid})" for name, pid in daemons.started.items()]


def _command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
