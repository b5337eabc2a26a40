"""vagrant/ and buildsys/vm.py: Vagrantfiles validate, scripts pass shellcheck, and every
missing piece (Vagrant, a provider, the box) stops a VM build with a message saying what to
install. No VM is started here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from buildsys import libvirt_daemons, vagrant_box, vm
from buildsys.errors import BuildError

REPO = Path(__file__).resolve().parents[2]

MACHINES = vm.load_machines()
SCRIPTS = sorted((REPO / "vagrant" / "provision").glob("*/*.sh"))


def test_machines_match_folders() -> None:
    folders = {p.parent.name for p in (REPO / "vagrant").glob("*/Vagrantfile")}
    assert folders == set(MACHINES) == {"freebsd14", "debian12", "ubuntu2404"}
    for machine in MACHINES.values():
        assert set(machine.boxes) == set(vm.PROVIDERS)
        steps = sorted(p.name for p in (REPO / "vagrant" / "provision" / machine.os).glob("*.sh"))
        assert [s[:3] for s in steps] == ["10-", "20-", "30-", "40-"]


def provider_loadable(provider: str) -> bool:
    """Whether Vagrant can load the provider's plugin here (not whether VMs can run)."""
    if provider == "virtualbox":
        return shutil.which("VBoxManage") is not None
    plugins = subprocess.run(["vagrant", "plugin", "list"], capture_output=True, text=True)
    return "vagrant-libvirt" in plugins.stdout


@pytest.mark.parametrize("name", sorted(MACHINES))
@pytest.mark.parametrize("provider", vm.PROVIDERS)
def test_vagrantfile_validates(name: str, provider: str, tmp_path: Path) -> None:
    if shutil.which("vagrant") is None:
        pytest.skip("vagrant is not installed (Debian: apt-get install vagrant)")
    env = dict(os.environ, VAGRANT_DEFAULT_PROVIDER=provider, VAGRANT_DOTFILE_PATH=str(tmp_path))
    command = ["vagrant", "validate"]
    if not provider_loadable(provider):
        if provider == "libvirt":
            # The Vagrantfile configures this provider's plugin; without it nothing validates.
            pytest.skip("the vagrant-libvirt plugin is missing (apt-get install vagrant-libvirt)")
        # Vagrant refuses to load a provider that is not installed at all; the rest of the
        # Vagrantfile (box, sync, provisioners) is still checked.
        command.append("--ignore-provider")
    proc = subprocess.run(
        command, cwd=REPO / "vagrant" / name, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "validated successfully" in proc.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_provisioning_script_passes_shellcheck(script: Path) -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (Debian: apt-get install shellcheck)")
    proc = subprocess.run(["shellcheck", "-s", "sh", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
    assert os.access(script, os.X_OK)


def which_of(*present: str) -> vm.Which:
    return lambda name: f"/usr/bin/{name}" if name in present else None


DEBIAN = MACHINES["debian12"]


def run_preflight(
    which: vm.Which,
    plugins: list[str],
    boxes: list[tuple[str, str]],
    environ: dict[str, str] | None = None,
) -> vm.Preflight:
    return vm.preflight(
        DEBIAN, environ or {}, which, lambda: plugins, lambda: boxes, reachable=lambda box: True
    )


def test_missing_vagrant() -> None:
    with pytest.raises(BuildError, match=r"^Vagrant is not installed: install it \(Debian"):
        run_preflight(which_of("virsh"), ["vagrant-libvirt"], [])


def test_missing_provider() -> None:
    with pytest.raises(BuildError, match=r"^no Vagrant provider is usable: install libvirt"):
        run_preflight(which_of("vagrant"), [], [])


def test_libvirt_plugin_alone_is_not_a_provider() -> None:
    with pytest.raises(BuildError, match="no Vagrant provider is usable"):
        run_preflight(which_of("vagrant"), ["vagrant-libvirt"], [])


def test_chosen_provider_missing() -> None:
    environ = {"VAGRANT_DEFAULT_PROVIDER": "virtualbox"}
    with pytest.raises(BuildError, match=r"VAGRANT_DEFAULT_PROVIDER=virtualbox is not usable"):
        run_preflight(which_of("vagrant", "virsh"), ["vagrant-libvirt"], [], environ)
    with pytest.raises(BuildError, match="use libvirt or virtualbox"):
        run_preflight(which_of("vagrant"), [], [], {"VAGRANT_DEFAULT_PROVIDER": "docker"})


def test_missing_box_names_the_command() -> None:
    box = DEBIAN.boxes["libvirt"]
    with pytest.raises(BuildError) as info:
        run_preflight(which_of("vagrant", "virsh"), ["vagrant-libvirt"], [(box, "virtualbox")])
    assert str(info.value).startswith(f"the Vagrant box {box} for libvirt is not installed")
    assert f"`vagrant box add {box} --provider libvirt`" in str(info.value)


def test_all_present() -> None:
    box = DEBIAN.boxes["virtualbox"]
    checks = run_preflight(which_of("vagrant", "VBoxManage"), [], [(box, "virtualbox")])
    assert checks == vm.Preflight(
        provider="virtualbox", box=box, why="the public box of machines.json is installed"
    )
    override = run_preflight(
        which_of("vagrant", "virsh"),
        ["vagrant-libvirt"],
        [("my/box", "libvirt")],
        {"MS_VAGRANT_BOX": "my/box"},
    )
    assert override.provider == "libvirt"
    assert override.box == "my/box"
    assert not override.local


LIBVIRT = (which_of("vagrant", "virsh"), ["vagrant-libvirt"])


def choose(
    machine: vm.Machine,
    installed: list[tuple[str, str]],
    reachable: bool,
    environ: dict[str, str] | None = None,
    want_local: bool = False,
    provider: str = "libvirt",
) -> vm.BoxChoice:
    probed: list[str] = []

    def probe(box: str) -> bool:
        probed.append(box)
        return reachable

    choice = vm.choose_box(machine, provider, environ or {}, installed, probe, want_local)
    # Vagrant Cloud is asked only when the public box is missing and a local one could stand in.
    assert probed in ([], [machine.boxes[provider]])
    return choice


def test_public_box_when_installed() -> None:
    public = DEBIAN.boxes["libvirt"]
    choice = choose(DEBIAN, [(public, "libvirt")], reachable=False)
    assert (choice.box, choice.local) == (public, False)
    assert choice.why == "the public box of machines.json is installed"


def test_local_box_when_the_public_one_is_unreachable() -> None:
    choice = choose(DEBIAN, [], reachable=False)
    assert (choice.box, choice.local) == ("multistack/debian12", True)
    assert choice.why.startswith("the public box debian/bookworm64 is not installed")
    assert "Vagrant Cloud cannot be reached" in choice.why


def test_reachable_but_missing_public_box_names_both_ways() -> None:
    with pytest.raises(BuildError) as info:
        choose(DEBIAN, [], reachable=True)
    assert "`vagrant box add debian/bookworm64 --provider libvirt`" in str(info.value)
    assert "`nox -s vagrant-box -- debian12`, then `--local-box`" in str(info.value)


def test_local_box_when_named() -> None:
    public = DEBIAN.boxes["libvirt"]
    asked = choose(DEBIAN, [(public, "libvirt")], reachable=True, want_local=True)
    assert (asked.box, asked.local, asked.why) == (
        "multistack/debian12",
        True,
        "--local-box asks for it",
    )
    named = choose(
        DEBIAN,
        [(public, "libvirt")],
        reachable=True,
        environ={"MS_VAGRANT_BOX": "multistack/debian12"},
    )
    assert (named.box, named.local) == ("multistack/debian12", True)
    assert named.why == "MS_VAGRANT_BOX names the local box"


def test_no_local_box_for_other_machines_or_providers() -> None:
    ubuntu = MACHINES["ubuntu2404"]
    with pytest.raises(BuildError, match=r"vagrant box add cloud-image/ubuntu-24\.04"):
        choose(ubuntu, [], reachable=False)
    with pytest.raises(BuildError, match="no local box for debian12 with virtualbox"):
        choose(DEBIAN, [], reachable=False, want_local=True, provider="virtualbox")


def test_local_boxes_match_their_recipes() -> None:
    local = {name: m.local_box for name, m in MACHINES.items() if m.local_box}
    assert local == {name: recipe.box for name, recipe in vagrant_box.RECIPES.items()}


def test_not_a_netmap_tree_stops_before_vagrant(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"NSRC=.* is not a netmap source tree"):
        vm.build_linux_in_vm("debian12", [f"NSRC={tmp_path}"], environ={})


def test_unknown_machine() -> None:
    with pytest.raises(BuildError, match=r"no linux VM called 'freebsd14': choose one of debian12"):
        vm.machine("freebsd14", "linux")


def test_build_report_line() -> None:
    out = "make ...\nmultistack-built /home/vagrant/multistack/out/x.ko 14.1-RELEASE\n"
    assert vm.parse_built(out) == ("/home/vagrant/multistack/out/x.ko", "14.1-RELEASE")
    with pytest.raises(BuildError, match="did not report a module"):
        vm.parse_built("make: error\n")


def test_vm_build_without_vagrant_stops_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry points check for Vagrant before anything else happens."""
    monkeypatch.setattr(vm.shutil, "which", lambda name: None)
    with pytest.raises(BuildError, match=r"^Vagrant is not installed"):
        vm.build_linux_in_vm("debian12", ["KSRC=/x"])
    with pytest.raises(BuildError, match=r"^Vagrant is not installed"):
        vm.build_freebsd_in_vm([])


class _Session:
    def __init__(self) -> None:
        self.logged: list[str] = []

    def log(self, message: str) -> None:
        self.logged.append(message)


def test_build_linux_session_in_a_vm_needs_no_host_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    """`build-linux -- --vm NAME ...` hands every other argument to the VM's build and never
    looks for the host's kernel headers (a host without them is what VMs are for)."""
    from buildsys import kernels, linux

    def no_headers(**_: object) -> None:
        raise AssertionError("the host's kernel headers were looked up")

    handed: list[tuple[str, list[str]]] = []

    def build_in_vm(name: str, args: list[str]) -> Path:
        handed.append((name, args))
        return Path("/out/linux/7.0/multistack.ko")

    monkeypatch.setattr(kernels, "default_kernel", no_headers)
    monkeypatch.setattr(vm, "build_linux_in_vm", build_in_vm)
    session = _Session()
    linux.run(session, ["NSRC=/n", "--vm", "debian12", "--local-box"])  # type: ignore[arg-type]
    assert handed == [("debian12", ["NSRC=/n", "--local-box"])]
    assert session.logged == ["built /out/linux/7.0/multistack.ko in VM debian12"]
    with pytest.raises(BuildError, match="--vm needs a VM name"):
        linux.run(session, ["--vm"])  # type: ignore[arg-type]


def test_recorded_daemons_are_only_the_live_ones_still_running_as_themselves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`nox -s vm-down` stops what a build started; a pid since reused by another program, or
    gone, is never signalled."""
    record = tmp_path / "started.json"
    monkeypatch.setattr(libvirt_daemons, "STARTED_RECORD", record)
    assert libvirt_daemons.recorded().started == {}
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        # This test's own pid under libvirtd's name: reused; the sleeper as virtlogd: reused too.
        record.write_text(json.dumps({"libvirtd": os.getpid(), "virtlogd": sleeper.pid}))
        assert libvirt_daemons.recorded().started == {}
        assert libvirt_daemons.stop_recorded() == []
        assert sleeper.poll() is None, "a process that is not the daemon was signalled"
        assert not record.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_vm_down_names_the_machines_it_knows() -> None:
    with pytest.raises(BuildError, match="vm-down needs one VM name: debian12, freebsd14"):
        vm.run_down(["nosuchvm"])


def test_vm_down_leaves_the_daemons_to_other_running_vms(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stopping libvirtd would take down the networks of VMs that are still running."""
    ran: list[list[str]] = []
    monkeypatch.setattr(vm, "require_vagrant", lambda: "vagrant")
    monkeypatch.setattr(vm.commands, "run", lambda argv, **_: ran.append(list(argv)))
    monkeypatch.setattr(libvirt_daemons, "running_domains", lambda: ["other-vm"])
    monkeypatch.setattr(
        libvirt_daemons, "recorded", lambda: libvirt_daemons.Daemons("", {"libvirtd": 1})
    )
    stopped: list[bool] = []
    monkeypatch.setattr(libvirt_daemons, "stop_recorded", lambda: stopped.append(True) or [])
    vm.take_down(MACHINES["debian12"], {})
    assert ran == [["vagrant", "destroy", "--force"]]
    assert stopped == []
    assert "stay up for the VMs still running: other-vm" in capsys.readouterr().out
