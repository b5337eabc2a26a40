"""Build multistack.ko inside a Vagrant VM, for hosts that cannot build it themselves.

`nox -s build-freebsd` (off FreeBSD) and `nox -s build-linux -- --vm NAME` come here. The
machines are described once, in vagrant/machines.json, which the Vagrantfiles read too:

    freebsd14    FreeBSD 14 with netmap in base, kernel sources in /usr/src
    debian12     Debian 12 with its kernel headers and a netmap tree built in /opt/netmap
    ubuntu2404   Ubuntu 24.04, likewise

The steps: check that Vagrant, a provider (libvirt or VirtualBox) and the machine's box are
there; `vagrant up` (the first time it provisions: dependencies, kernel headers or sources,
netmap); `vagrant rsync` the tree; run the machine's 40-build.sh over ssh; copy the module
back to out/<os>/<release>/multistack.ko.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buildsys import commands
from buildsys.errors import BuildError
from buildsys.paths import ROOT

VAGRANT_DIR = ROOT / "vagrant"
PROVIDERS = ("libvirt", "virtualbox")
INSTALL_VAGRANT = (
    "Vagrant is not installed: install it (Debian/Ubuntu: apt-get install vagrant; "
    "elsewhere: https://developer.hashicorp.com/vagrant/install) to build in a VM"
)
INSTALL_PROVIDER = (
    "no Vagrant provider is usable: install libvirt with the vagrant-libvirt plugin "
    "(Debian/Ubuntu: apt-get install vagrant-libvirt libvirt-daemon-system) or VirtualBox "
    "(https://www.virtualbox.org), or set VAGRANT_DEFAULT_PROVIDER to one that is installed"
)
_BUILT = re.compile(r"^multistack-built (\S+) (\S+)\s*$", re.MULTILINE)

Which = Callable[[str], str | None]


@dataclass(frozen=True)
class Machine:
    """One VM of vagrant/machines.json."""

    name: str
    os: str  # "linux" or "freebsd"
    boxes: Mapping[str, str]  # provider -> box
    guest_tree: str

    @property
    def root(self) -> Path:
        return VAGRANT_DIR / self.name


def load_machines(path: Path = VAGRANT_DIR / "machines.json") -> dict[str, Machine]:
    """The machines the Vagrantfiles define, by name."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: Machine(name=name, os=spec["os"], boxes=spec["boxes"], guest_tree=data["guest_tree"])
        for name, spec in data["machines"].items()
    }


def machine(name: str, os_name: str) -> Machine:
    """The machine called `name`, which must run `os_name`."""
    machines = load_machines()
    known = sorted(n for n, m in machines.items() if m.os == os_name)
    if name not in machines or machines[name].os != os_name:
        raise BuildError(f"no {os_name} VM called {name!r}: choose one of {', '.join(known)}")
    return machines[name]


def require_vagrant(which: Which | None = None) -> str:
    """The vagrant executable, or BuildError naming how to install it."""
    path = (which or shutil.which)("vagrant")
    if path is None:
        raise BuildError(INSTALL_VAGRANT)
    return path


def provider_usable(provider: str, plugins: Iterable[str], which: Which | None = None) -> bool:
    """Whether `provider` can run: libvirt needs its plugin and virsh, VirtualBox VBoxManage."""
    which = which or shutil.which
    if provider == "libvirt":
        return "vagrant-libvirt" in set(plugins) and which("virsh") is not None
    if provider == "virtualbox":
        return which("VBoxManage") is not None
    return False


def choose_provider(
    environ: Mapping[str, str], plugins: Iterable[str], which: Which | None = None
) -> str:
    """VAGRANT_DEFAULT_PROVIDER if set and usable, else the first usable of libvirt, VirtualBox."""
    plugins = list(plugins)
    wanted = environ.get("VAGRANT_DEFAULT_PROVIDER")
    if wanted:
        if wanted not in PROVIDERS:
            raise BuildError(
                f"VAGRANT_DEFAULT_PROVIDER={wanted} is not supported: use libvirt or virtualbox"
            )
        if not provider_usable(wanted, plugins, which):
            hint = (
                "the vagrant-libvirt plugin and libvirt (apt-get install vagrant-libvirt "
                "libvirt-daemon-system)"
                if wanted == "libvirt"
                else "VirtualBox (https://www.virtualbox.org)"
            )
            raise BuildError(f"VAGRANT_DEFAULT_PROVIDER={wanted} is not usable: install {hint}")
        return wanted
    for provider in PROVIDERS:
        if provider_usable(provider, plugins, which):
            return provider
    raise BuildError(INSTALL_PROVIDER)


def box_for(vm: Machine, provider: str, environ: Mapping[str, str]) -> str:
    """The box the machine boots with this provider (MS_VAGRANT_BOX overrides it)."""
    return environ.get("MS_VAGRANT_BOX") or vm.boxes[provider]


def require_box(box: str, provider: str, installed: Iterable[tuple[str, str]]) -> None:
    """BuildError naming `vagrant box add` unless (box, provider) is among the installed boxes."""
    if (box, provider) not in set(installed):
        raise BuildError(
            f"the Vagrant box {box} for {provider} is not installed: run "
            f"`vagrant box add {box} --provider {provider}` (it needs network access once)"
        )


@dataclass(frozen=True)
class Preflight:
    """What a VM build will use."""

    provider: str
    box: str


def preflight(
    vm: Machine,
    environ: Mapping[str, str],
    which: Which,
    plugins: Callable[[], Iterable[str]],
    boxes: Callable[[], Iterable[tuple[str, str]]],
) -> Preflight:
    """Check, in order, Vagrant, a provider and the box; each missing one is a BuildError."""
    require_vagrant(which)
    provider = choose_provider(environ, plugins(), which)
    box = box_for(vm, provider, environ)
    require_box(box, provider, boxes())
    return Preflight(provider=provider, box=box)


def _vagrant(vm: Machine, env: Mapping[str, str]) -> Any:
    """A python-vagrant handle on the machine's folder (imported late: only VM builds need it)."""
    try:
        import vagrant
    except ImportError as err:
        raise BuildError("python-vagrant is missing: pip install -r requirements/dev.txt") from err
    return vagrant.Vagrant(  # type: ignore[no-untyped-call]
        root=str(vm.root), quiet_stdout=False, quiet_stderr=False, env=dict(env)
    )


def _copy_back(handle: Any, guest_path: str, dest: Path) -> None:
    """scp the built module out of the VM, with the ssh settings Vagrant gives."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".ssh_config", delete=False) as cfg:
        cfg.write(handle.ssh_config())
    try:
        commands.run(
            ["scp", "-q", "-F", cfg.name, f"default:{guest_path}", dest],
            what=f"copying {guest_path} out of the VM",
        )
    finally:
        os.unlink(cfg.name)


def parse_built(output: str) -> tuple[str, str]:
    """(guest path, release) from the `multistack-built PATH RELEASE` line of 40-build.sh."""
    matches = _BUILT.findall(output)
    if not matches:
        raise BuildError("the build in the VM did not report a module: see its output above")
    path, release = matches[-1]
    return path, release


def build_in_vm(vm: Machine, args: Sequence[str], out: Path | None = None) -> Path:
    """Bring the VM up, sync the tree, build there, copy multistack.ko to out/<os>/<release>/."""
    environ = dict(os.environ)
    require_vagrant()
    handle = _vagrant(vm, environ)
    checks = preflight(
        vm,
        environ,
        shutil.which,
        plugins=lambda: [p.name for p in handle.plugin_list()],
        boxes=lambda: [(b.name, b.provider) for b in handle.box_list()],
    )
    environ.update(VAGRANT_DEFAULT_PROVIDER=checks.provider, MS_VAGRANT_BOX=checks.box)
    handle = _vagrant(vm, environ)
    setup = sorted(p.name for p in (VAGRANT_DIR / "provision" / vm.os).glob("[123]*.sh"))
    handle.up(provider=checks.provider, provision_with=setup)
    commands.run(["vagrant", "rsync"], cwd=vm.root, env=environ)
    script = f"{vm.guest_tree}/vagrant/provision/{vm.os}/40-build.sh"
    command = " ".join(["sh", shlex.quote(script), *(shlex.quote(a) for a in args)])
    try:
        output = handle.ssh(command=command)
    except subprocess.CalledProcessError as err:
        tail = "\n".join(str(err.output or "").splitlines()[-30:])
        raise BuildError(
            f"the build in the {vm.name} VM failed (exit {err.returncode}):\n{tail}"
        ) from err
    print(output, end="")
    guest_path, release = parse_built(output)
    module = (out or ROOT / "out" / vm.os / release) / "multistack.ko"
    _copy_back(handle, guest_path, module)
    return module


def build_freebsd_in_vm(args: Sequence[str], out: Path | None = None) -> Path:
    """`nox -s build-freebsd` off FreeBSD: build in the freebsd14 VM."""
    return build_in_vm(machine("freebsd14", "freebsd"), args, out)


def build_linux_in_vm(name: str, posargs: list[str]) -> Path:
    """`nox -s build-linux -- --vm NAME`: build against that VM's kernel and netmap.

    KSRC, NSRC and NBUILD default to the VM's own (its running kernel's headers and the netmap
    tree its provisioning built); OUT= is a folder on this host.
    """
    out: Path | None = None
    args: list[str] = []
    for arg in posargs:
        if arg.startswith("OUT="):
            out = Path(arg.split("=", 1)[1]).resolve()
        else:
            args.append(arg)
    return build_in_vm(machine(name, "linux"), args, out)
