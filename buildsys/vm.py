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

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
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
    # A box `nox -s vagrant-box -- NAME` builds from Debian's mirror alone (libvirt only).
    local_box: str | None = None

    @property
    def root(self) -> Path:
        return VAGRANT_DIR / self.name


def load_machines(path: Path = VAGRANT_DIR / "machines.json") -> dict[str, Machine]:
    """The machines the Vagrantfiles define, by name."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: Machine(
            name=name,
            os=spec["os"],
            boxes=spec["boxes"],
            guest_tree=data["guest_tree"],
            local_box=spec.get("local_box"),
        )
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


@dataclass(frozen=True)
class BoxChoice:
    """The box a VM boots, and why that one (said in the output)."""

    box: str
    why: str
    local: bool = False  # the machine's local box, which vagrant_box.ensure() provides


def vagrant_cloud_reachable(box: str, timeout: float = 5.0) -> bool:
    """Whether Vagrant Cloud answers for `box` (where `vagrant box add` would fetch it)."""
    url = f"https://vagrantcloud.com/api/v2/box/{box}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # it answered, even if to refuse
    except (OSError, ValueError):
        return False


def choose_box(
    vm: Machine,
    provider: str,
    environ: Mapping[str, str],
    installed: Iterable[tuple[str, str]],
    reachable: Callable[[str], bool],
    want_local: bool = False,
) -> BoxChoice:
    """MS_VAGRANT_BOX if set; the local box if asked for (`--local-box`, or MS_VAGRANT_BOX
    naming it); else the public box of machines.json if installed; else the local box when the
    public one cannot be fetched from here. Otherwise BuildError naming `vagrant box add`."""
    named = environ.get("MS_VAGRANT_BOX")
    local_ok = vm.local_box is not None and provider == "libvirt"
    if named:
        if named == vm.local_box and local_ok:
            return BoxChoice(named, "MS_VAGRANT_BOX names the local box", local=True)
        require_box(named, provider, installed)
        return BoxChoice(named, "MS_VAGRANT_BOX names it")
    if want_local:
        if not local_ok:
            raise BuildError(
                f"no local box for {vm.name} with {provider}: local boxes are built for "
                f"libvirt, of {', '.join(sorted(load_local_machines()))}"
            )
        assert vm.local_box is not None
        return BoxChoice(vm.local_box, "--local-box asks for it", local=True)
    public = vm.boxes[provider]
    installed = set(installed)
    if (public, provider) in installed:
        return BoxChoice(public, "the public box of machines.json is installed")
    if local_ok and not reachable(public):
        assert vm.local_box is not None
        return BoxChoice(
            vm.local_box,
            f"the public box {public} is not installed and Vagrant Cloud cannot be reached "
            "from here",
            local=True,
        )
    hint = (
        f", or build the local box (`nox -s vagrant-box -- {vm.name}`, then `--local-box`)"
        if local_ok
        else ""
    )
    require_box(public, provider, installed, hint)
    raise AssertionError("require_box raises")  # pragma: no cover


def load_local_machines() -> list[str]:
    """The machines that have a local box."""
    return [name for name, m in load_machines().items() if m.local_box]


def require_box(
    box: str, provider: str, installed: Iterable[tuple[str, str]], hint: str = ""
) -> None:
    """BuildError naming `vagrant box add` unless (box, provider) is among the installed boxes."""
    if (box, provider) not in set(installed):
        raise BuildError(
            f"the Vagrant box {box} for {provider} is not installed: run "
            f"`vagrant box add {box} --provider {provider}` (it needs network access once)" + hint
        )


@dataclass(frozen=True)
class Preflight:
    """What a VM build will use."""

    provider: str
    box: str
    why: str = ""
    local: bool = False


def preflight(
    vm: Machine,
    environ: Mapping[str, str],
    which: Which,
    plugins: Callable[[], Iterable[str]],
    boxes: Callable[[], Iterable[tuple[str, str]]],
    reachable: Callable[[str], bool] = vagrant_cloud_reachable,
    want_local: bool = False,
) -> Preflight:
    """Check, in order, Vagrant, a provider and the box; each missing one is a BuildError."""
    require_vagrant(which)
    provider = choose_provider(environ, plugins(), which)
    choice = choose_box(vm, provider, environ, boxes(), reachable, want_local)
    return Preflight(provider=provider, box=choice.box, why=choice.why, local=choice.local)


def _vagrant(vm: Machine, env: Mapping[str, str]) -> Any:
    """A python-vagrant handle on the machine's folder (imported late: only VM builds need it)."""
    try:
        import vagrant
    except ImportError as err:
        raise BuildError("python-vagrant is missing: pip install -r requirements/dev.txt") from err
    return vagrant.Vagrant(  # type: ignore[no-untyped-call]
        root=str(vm.root), quiet_stdout=False, quiet_stderr=False, env=dict(env)
    )


class _SshConfig:
    """Vagrant's ssh settings for the machine, in a file for scp and rsync (`-F`)."""

    def __init__(self, handle: Any) -> None:
        self.text = handle.ssh_config()

    def __enter__(self) -> str:
        with tempfile.NamedTemporaryFile("w", suffix=".ssh_config", delete=False) as cfg:
            cfg.write(self.text)
        self.path = cfg.name
        return self.path

    def __exit__(self, *exc: object) -> None:
        os.unlink(self.path)


def _copy_back(ssh_config: str, guest_path: str, dest: Path) -> None:
    """scp the built module out of the VM."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    commands.run(
        ["scp", "-q", "-F", ssh_config, f"default:{guest_path}", dest],
        what=f"copying {guest_path} out of the VM",
    )


def parse_built(output: str) -> tuple[str, str]:
    """(guest path, release) from the `multistack-built PATH RELEASE` line of 40-build.sh."""
    matches = _BUILT.findall(output)
    if not matches:
        raise BuildError("the build in the VM did not report a module: see its output above")
    path, release = matches[-1]
    return path, release


def vermagic_release(module: Path) -> str:
    """The kernel release in a module's vermagic (`modinfo -F vermagic`, first word)."""
    vermagic = commands.run(
        ["modinfo", "-F", "vermagic", module], output=commands.Output.CAPTURE
    ).stdout.split()
    if not vermagic:
        raise BuildError(f"{module} has no vermagic: it is not a Linux module")
    return vermagic[0]


# A host netmap tree goes into the VM without what a build left in it; the VM builds it anew.
NETMAP_EXCLUDES = (
    ".git/",
    "*.o",
    "*.ko",
    "*.mod",
    "*.mod.c",
    ".*.cmd",
    "Module.symvers",
    "modules.order",
)
GUEST_NETMAP_SRC = "/home/vagrant/netmap/src"
GUEST_NETMAP_BUILD = "/home/vagrant/netmap/build"


def tree_digest(tree: Path) -> str:
    """A digest of a tree's file names, sizes and times: changes when the tree is edited."""
    digest = hashlib.sha256()
    for path in sorted(tree.rglob("*")):
        rel = path.relative_to(tree).as_posix()
        if rel == ".git" or rel.startswith(".git/") or not path.is_file():
            continue
        stat = path.stat()
        digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def sync_netmap(handle: Any, ssh_config: str, nsrc: Path, vm: Machine) -> list[str]:
    """Copy the host's netmap tree NSRC into the VM and build it there for the VM's kernel;
    returns the build arguments that name it."""
    print(
        f"netmap: syncing the host's tree {nsrc} into the VM ({GUEST_NETMAP_SRC}), "
        "to build it there for the VM's kernel",
        flush=True,
    )
    handle.ssh(command=f"mkdir -p {GUEST_NETMAP_SRC}")
    excludes = [f"--exclude={pattern}" for pattern in NETMAP_EXCLUDES]
    commands.run(
        [
            "rsync",
            "-a",
            "--delete",
            *excludes,
            "-e",
            f"ssh -F {ssh_config}",
            f"{nsrc}/",
            f"default:{GUEST_NETMAP_SRC}/",
        ],
        what=f"syncing {nsrc} into the VM",
    )
    script = f"{vm.guest_tree}/vagrant/provision/linux/30-netmap-build.sh"
    env = f"NETMAP_SRC={GUEST_NETMAP_SRC} NETMAP_BUILD={GUEST_NETMAP_BUILD} "
    env += f"NETMAP_DIGEST={tree_digest(nsrc)}"
    print(_guest_run(handle, f"env {env} sh {script}", f"building netmap in the {vm.name} VM"))
    return [f"NSRC={GUEST_NETMAP_SRC}", f"NBUILD={GUEST_NETMAP_BUILD}"]


def _guest_run(handle: Any, command: str, what: str) -> str:
    """Run `command` in the VM over ssh; its output, or BuildError with the output's tail."""
    try:
        output: str = handle.ssh(command=command)
    except subprocess.CalledProcessError as err:
        tail = "\n".join(str(err.output or "").splitlines()[-30:])
        raise BuildError(f"{what} failed (exit {err.returncode}):\n{tail}") from err
    return output


def _running(handle: Any) -> bool:
    """Whether the machine is up (python-vagrant's status: one entry per machine)."""
    return any(status.state == "running" for status in handle.status())


def bring_up(vm: Machine, want_local: bool = False) -> tuple[Any, Preflight]:
    """Check Vagrant, the provider and the box (building the local box if it is the one),
    start libvirt's daemons if none runs, bring the VM up and sync the tree into it."""
    environ = dict(os.environ)
    require_vagrant()
    handle = _vagrant(vm, environ)
    checks = preflight(
        vm,
        environ,
        shutil.which,
        plugins=lambda: [p.name for p in handle.plugin_list()],
        boxes=lambda: [(b.name, b.provider) for b in handle.box_list()],
        want_local=want_local,
    )
    print(
        f"vm: {vm.name} boots the box {checks.box} with {checks.provider}: {checks.why}", flush=True
    )
    if checks.local:
        from buildsys import vagrant_box

        outcome = vagrant_box.ensure(vm.name)
        print(f"vm: local box {outcome.box} {outcome.version}: {outcome.action}", flush=True)
    if checks.provider == "libvirt":
        from buildsys import libvirt_daemons

        print(libvirt_daemons.ensure().how, flush=True)
    environ.update(VAGRANT_DEFAULT_PROVIDER=checks.provider, MS_VAGRANT_BOX=checks.box)
    handle = _vagrant(vm, environ)
    setup = sorted(
        p.name for p in (VAGRANT_DIR / "provision" / vm.os).glob("*.sh") if "build" not in p.name
    )
    if _running(handle):
        print(f"vm: {vm.name} is running already (provisioned when it came up)", flush=True)
    else:
        handle.up(provider=checks.provider, provision_with=setup)
    commands.run(["vagrant", "rsync"], cwd=vm.root, env=environ)
    return handle, checks


def build_in_vm(
    vm: Machine,
    args: Sequence[str],
    out: Path | None = None,
    nsrc: Path | None = None,
    want_local: bool = False,
) -> Path:
    """Bring the VM up, sync the tree (and a host netmap tree NSRC), build there, copy
    multistack.ko to out/<os>/<release>/ and check that it is built for the VM's kernel."""
    if nsrc is not None and not (nsrc / "LINUX" / "configure").is_file():
        raise BuildError(f"NSRC={nsrc} is not a netmap source tree: it has no LINUX/configure")
    handle, _ = bring_up(vm, want_local)
    with _SshConfig(handle) as ssh_config:
        if nsrc is not None:
            args = [*sync_netmap(handle, ssh_config, nsrc, vm), *args]
        script = f"{vm.guest_tree}/vagrant/provision/{vm.os}/40-build.sh"
        command = " ".join(["sh", shlex.quote(script), *(shlex.quote(a) for a in args)])
        output = _guest_run(handle, command, f"the build in the {vm.name} VM")
        print(output, end="")
        guest_path, release = parse_built(output)
        running = _guest_run(handle, "uname -r", "asking the VM for its kernel").strip()
        module = (out or ROOT / "out" / vm.os / release) / "multistack.ko"
        _copy_back(ssh_config, guest_path, module)
    if vm.os == "linux":
        built_for = vermagic_release(module)
        if built_for != running:
            raise BuildError(
                f"{module} came back built for {built_for}, not for the VM's kernel {running}"
            )
        print(f"vm: {module}: vermagic {built_for}, the kernel the {vm.name} VM runs", flush=True)
    print(stays_up_message(vm), flush=True)
    return module


def stays_up_message(vm: Machine) -> str:
    """What the user is told after a build: the VM is kept, and how to end it."""
    from buildsys import libvirt_daemons

    daemons = libvirt_daemons.recorded().started
    also = " and stops the libvirt daemons started for it" if daemons else ""
    return (
        f"vm: the {vm.name} VM stays up, so the next build skips its boot; "
        f"`nox -s vm-down -- {vm.name}` destroys it{also}"
    )


def take_down(vm: Machine, environ: Mapping[str, str] = os.environ) -> None:
    """`nox -s vm-down -- NAME`: destroy the VM, then stop the libvirt daemons that a VM build
    started by hand (none where systemd or the user runs them: those are left alone)."""
    from buildsys import libvirt_daemons

    require_vagrant()
    env = dict(environ)
    # The Vagrantfile needs a box name to load at all, even to destroy.
    env.setdefault("MS_VAGRANT_BOX", vm.local_box or next(iter(vm.boxes.values()), ""))
    commands.run(["vagrant", "destroy", "--force"], cwd=vm.root, env=env)
    print(f"vm: {vm.name} destroyed", flush=True)
    others = libvirt_daemons.running_domains()
    if others and libvirt_daemons.recorded().started:
        # Stopping libvirtd would take their networks down with it.
        print(f"vm: libvirt's daemons stay up for the VMs still running: {', '.join(others)}")
        return
    stopped = libvirt_daemons.stop_recorded()
    if stopped:
        print(f"vm: stopped {' and '.join(stopped)}, started for VM builds", flush=True)


def run_down(posargs: Sequence[str]) -> None:
    """The vm-down session: `-- NAME` (a machine of vagrant/machines.json)."""
    machines = load_machines()
    if len(posargs) != 1 or posargs[0] not in machines:
        raise BuildError(f"vm-down needs one VM name: {', '.join(sorted(machines))}")
    chosen = machines[posargs[0]]
    take_down(chosen)


def build_freebsd_in_vm(args: Sequence[str], out: Path | None = None) -> Path:
    """`nox -s build-freebsd` off FreeBSD: build in the freebsd14 VM."""
    return build_in_vm(machine("freebsd14", "freebsd"), args, out)


def build_linux_in_vm(
    name: str, posargs: Sequence[str], environ: Mapping[str, str] = os.environ
) -> Path:
    """`nox -s build-linux -- --vm NAME [--local-box] [NSRC=...] [OUT=...]`: build against the
    VM's kernel.

    NSRC (argument or environment) is a netmap tree on this host: it is synced into the VM and
    built there (an NBUILD of the host's is for the host's kernel and is not used). Without
    NSRC the VM builds against the netmap test double. KSRC is a path in the VM; OUT= a folder
    on this host.
    """
    out: Path | None = None
    nsrc: Path | None = Path(environ["NSRC"]) if environ.get("NSRC") else None
    want_local = False
    args: list[str] = []
    for arg in posargs:
        if arg.startswith("OUT="):
            out = Path(arg.split("=", 1)[1]).resolve()
        elif arg.startswith("NSRC="):
            nsrc = Path(arg.split("=", 1)[1])
        elif arg.startswith("NBUILD="):
            print(f"vm: ignoring {arg}: netmap is built in the VM, for the VM's kernel")
        elif arg == "--local-box":
            want_local = True
        else:
            args.append(arg)
    if nsrc is not None and nsrc.resolve() == (ROOT / "tests" / "netmap_double").resolve():
        args.append("NSRC=tests/netmap_double")  # in the synced tree already
        nsrc = None
    elif nsrc is None:
        print(
            "vm: no NSRC given: the VM builds against the netmap test double (tests/netmap_double)",
            flush=True,
        )
    return build_in_vm(
        machine(name, "linux"), args, out, nsrc.resolve() if nsrc else None, want_local
    )
