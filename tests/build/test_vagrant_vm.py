"""Real Vagrant VMs: the local Debian 12 box, `vagrant up` with libvirt, the module built in the
VM against its kernel and brought back, `vagrant destroy`. No stand-ins.

Cost, measured on a 2-core machine shared with other workers' qemu guests (load 9 to 14):
box build from Debian's mirror 8.5 min the first time (then reused while its inputs do not
change), `vagrant up` 8.5 min, the netmap test double and the module built W=1 under qemu's
emulation 16 min, load 15 s, destroy 7 s. On a machine doing nothing else it should take well
under that; TCG is 15 to 20 times slower than the host. The VM, the libvirt daemons started here
and the networks they ran are gone afterwards, also when a test fails.

They need root (the box is built with mmdebstrap's root mode, and libvirt's daemons are started
here when no systemd does), Vagrant with vagrant-libvirt, libvirt's daemons and Debian's mirror
(`./dev` installs the packages); without one of these they skip and say which.

The FreeBSD and Ubuntu machines have no box that can be made here: their Vagrantfiles and
provisioning are checked without a VM in tests/build/test_vagrant.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from buildsys import libvirt_daemons, vagrant_box, vm

pytestmark = pytest.mark.vm

DEBIAN = vm.machine("debian12", "linux")
# The test's VM has its own Vagrant state and libvirt name, apart from a user's debian12 VM.
PREFIX = "multistack-test-"


def missing() -> str | None:
    """Why the real VM tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root: the box is built with mmdebstrap's root mode and libvirtd is started"
    if shutil.which("vagrant") is None:
        return "vagrant is not installed (apt-get install vagrant vagrant-libvirt)"
    for tool, package in (("libvirtd", "libvirt-daemon-system"), ("virsh", "libvirt-clients")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install {package})"
    plugins = subprocess.run(["vagrant", "plugin", "list"], capture_output=True, text=True)
    if "vagrant-libvirt" not in plugins.stdout:
        return "the vagrant-libvirt plugin is missing (apt-get install vagrant-libvirt)"
    if not Path("/dev/kvm").exists() and shutil.which("qemu-system-x86_64") is None:
        return "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
    return vagrant_box.unavailable_reason()


@dataclass
class Timings:
    """Seconds per step, written to the run's output at the end of the module's tests."""

    steps: dict[str, float] = field(default_factory=dict)

    def report(self) -> str:
        parts = [f"{name} {seconds:.0f} s" for name, seconds in self.steps.items()]
        return "VM test timings: " + ", ".join(parts)


def _domains() -> set[str]:
    listing = subprocess.run(
        ["virsh", "-c", libvirt_daemons.URI, "list", "--all", "--name"],
        capture_output=True,
        text=True,
    )
    return {name for name in listing.stdout.split() if name.startswith(PREFIX)}


@pytest.fixture(scope="module")
def debian_vm(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Timings]:
    """libvirt running, the local box registered and the test's VM settings in the environment;
    afterwards the VM destroyed and the daemons started here stopped, whatever happened."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    timings = Timings()
    started = time.monotonic()
    daemons = libvirt_daemons.ensure()
    saved = {k: os.environ.get(k) for k in ("VAGRANT_DOTFILE_PATH", "MS_VAGRANT_PREFIX")}
    os.environ["VAGRANT_DOTFILE_PATH"] = str(tmp_path_factory.mktemp("vagrant-state"))
    os.environ["MS_VAGRANT_PREFIX"] = PREFIX
    try:
        step = time.monotonic()
        outcome = vagrant_box.ensure("debian12")
        timings.steps[f"box ({outcome.action})"] = time.monotonic() - step
        yield timings
    finally:
        step = time.monotonic()
        env = dict(
            os.environ, MS_VAGRANT_BOX=DEBIAN.local_box or "", VAGRANT_DEFAULT_PROVIDER="libvirt"
        )
        try:
            # What a user runs after a VM build: destroys the VM, stops the daemons started here.
            vm.take_down(DEBIAN, env)
        finally:
            timings.steps["destroy"] = time.monotonic() - step
            left = _domains()
            still_running = libvirt_daemons.recorded().started
            libvirt_daemons.stop(daemons)  # whatever take_down did not get to
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        timings.steps["total"] = time.monotonic() - started
        # Shown in the run's output even when pytest captures it (the cost of these tests).
        capture = request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print("\n" + timings.report(), flush=True)
        assert not left, f"libvirt domains left behind: {sorted(left)}"
        assert still_running == {}, f"vm-down left daemons it started: {still_running}"


def test_local_box_is_registered_once(debian_vm: Timings) -> None:
    """A second ensure() with the same inputs builds nothing."""
    again = vagrant_box.ensure("debian12")
    assert again.action == "present"
    assert again.version in vagrant_box.registered_versions(again.box)


def test_module_built_in_vm_carries_the_vms_kernel(
    debian_vm: Timings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    step = time.monotonic()
    vm.bring_up(DEBIAN, want_local=True)
    debian_vm.steps["vagrant up"] = time.monotonic() - step
    step = time.monotonic()
    # Up already: the build checks that, syncs the tree again and builds.
    module = vm.build_linux_in_vm("debian12", ["--local-box", f"OUT={tmp_path}"], environ={})
    debian_vm.steps["build"] = time.monotonic() - step
    assert module == tmp_path / "multistack.ko"
    said = capsys.readouterr().out
    assert "--local-box asks for it" in said
    assert "building against the netmap test double" in said
    # The release the VM reports running is the one in the module's vermagic.
    handle = vm._vagrant(DEBIAN, dict(os.environ, MS_VAGRANT_BOX=DEBIAN.local_box or ""))
    running = handle.ssh(command="uname -r").strip()
    assert vm.vermagic_release(module) == running
    assert f"vermagic {running}, the kernel the debian12 VM runs" in said
    assert "`nox -s vm-down -- debian12` destroys it" in said


def test_module_loads_in_the_vm(debian_vm: Timings) -> None:
    """The module built in the VM loads there after the netmap double and serves its switch."""
    handle = vm._vagrant(DEBIAN, dict(os.environ, MS_VAGRANT_BOX=DEBIAN.local_box or ""))
    tree = DEBIAN.guest_tree
    script = (
        "set -e; release=$(uname -r); "
        f"sudo insmod {tree}/build/netmap_double/$release/netmap.ko; "
        f"sudo insmod {tree}/out/linux/$release/multistack.ko; "
        "cat /proc/net/multistack; sudo rmmod multistack; sudo rmmod netmap; echo unloaded"
    )
    step = time.monotonic()
    output = handle.ssh(command=script)
    debian_vm.steps["load"] = time.monotonic() - step
    assert "multistack-status 1" in output
    assert "name=valem:" in output
    assert output.rstrip().endswith("unloaded")
