"""buildsys/vm.py end to end against stand-ins for vagrant, virsh and scp on PATH: the order of
the Vagrant commands, what they are given, and where the module lands. No VM is started."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from buildsys import vm
from buildsys.errors import BuildError

REPO = Path(__file__).resolve().parents[2]

FAKE_VAGRANT = """\
#!{python}
import json, os, sys
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(json.dumps({{"args": args, "cwd": os.getcwd(),
                           "provider": os.environ.get("VAGRANT_DEFAULT_PROVIDER"),
                           "box": os.environ.get("MS_VAGRANT_BOX")}}) + "\\n")
if args[:2] == ["plugin", "list"]:
    print("1,,plugin-name,vagrant-libvirt")
    print("1,vagrant-libvirt,plugin-version,0.11.2%!(VAGRANT_COMMA) system")
elif args[:2] == ["box", "list"]:
    for box in {boxes!r}:
        print("1,,box-name," + box[0])
        print("1,,box-provider," + box[1])
        print("1,,box-version,1")
elif args[0] == "ssh" and args[-1] == "uname -r":
    print({release!r})
elif args[0] == "ssh":
    print("building...")
    if {fail!r}:
        sys.exit(3)
    print("multistack-built /home/vagrant/multistack/out/x/{release}/multistack.ko {release}")
elif args[0] == "status" and {running!r}:
    print("1,default,provider-name,libvirt")
    print("1,default,state,running")
elif args[0] == "ssh-config":
    print("Host default\\n  HostName 127.0.0.1\\n  User vagrant")
"""

FAKE_SCP = """\
#!{python}
import sys
with open(sys.argv[-1], "w") as out:
    out.write("module from " + sys.argv[-2])
"""

# The module that comes back says it is built for the release the VM runs.
FAKE_MODINFO = """\
#!/bin/sh
echo "{release} SMP preempt mod_unload modversions"
"""


def install_fakes(
    bin_dir: Path,
    log: Path,
    boxes: list[tuple[str, str]],
    release: str,
    fail: bool = False,
    running: bool = False,
) -> None:
    bin_dir.mkdir()
    scripts = {
        "vagrant": FAKE_VAGRANT.format(
            python=sys.executable,
            log=str(log),
            boxes=boxes,
            release=release,
            fail=fail,
            running=running,
        ),
        "scp": FAKE_SCP.format(python=sys.executable),
        "modinfo": FAKE_MODINFO.format(release=release),
        "virsh": "#!/bin/sh\nexit 0\n",
    }
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)


def calls(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def fake_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("VAGRANT_DEFAULT_PROVIDER", raising=False)
    monkeypatch.delenv("MS_VAGRANT_BOX", raising=False)
    return tmp_path


def test_linux_vm_build(fake_path: Path) -> None:
    log = fake_path / "vagrant.log"
    install_fakes(fake_path / "bin", log, [("debian/bookworm64", "libvirt")], "0.0.0-in-the-vm")
    out = fake_path / "out"
    module = vm.build_linux_in_vm("debian12", ["KSRC=/lib/modules/x/build", f"OUT={out}"])

    assert module == out / "multistack.ko"
    assert module.read_text() == (
        "module from default:/home/vagrant/multistack/out/x/0.0.0-in-the-vm/multistack.ko"
    )
    seen = calls(log)
    commands = [c["args"] for c in seen]
    assert commands[:2] == [
        ["plugin", "list", "--machine-readable"],
        ["box", "list", "--machine-readable"],
    ]
    # Not running yet, so it comes up. Provisioning installs; building (netmap's, the
    # module's) is run over ssh afterwards.
    assert commands[2] == ["status", "--machine-readable"]
    del commands[2]
    assert commands[2] == [
        "up",
        "--provider=libvirt",
        "--provision-with",
        "10-deps.sh,20-kernel-headers.sh",
    ]
    assert commands[3] == ["rsync"]
    assert commands[4] == ["ssh-config"]
    assert commands[5] == [
        "ssh",
        "--command",
        "sh /home/vagrant/multistack/vagrant/provision/linux/40-build.sh KSRC=/lib/modules/x/build",
    ]
    # The module's vermagic is compared with the kernel the VM runs.
    assert commands[6] == ["ssh", "--command", "uname -r"]
    assert {c["cwd"] for c in seen} == {str(REPO / "vagrant" / "debian12")}
    assert seen[3]["provider"] == "libvirt"
    assert seen[3]["box"] == "debian/bookworm64"


def test_freebsd_vm_build_lands_in_out(fake_path: Path) -> None:
    log = fake_path / "vagrant.log"
    install_fakes(fake_path / "bin", log, [("generic/freebsd14", "libvirt")], "14.1-RELEASE")
    out = fake_path / "out" / "freebsd" / "14.1-RELEASE"
    module = vm.build_freebsd_in_vm(["--with-sctp"], out=out)

    assert module == out / "multistack.ko"
    assert module.is_file()
    commands = [c["args"] for c in calls(log) if c["args"][0] != "status"]
    assert commands[2][3] == "10-deps.sh,20-kernel-sources.sh,30-netmap.sh"
    assert commands[5][2].endswith("/vagrant/provision/freebsd/40-build.sh --with-sctp")
    assert {c["cwd"] for c in calls(log)} == {str(REPO / "vagrant" / "freebsd14")}


def test_running_vm_is_not_brought_up_again(fake_path: Path) -> None:
    log = fake_path / "vagrant.log"
    boxes = [("debian/bookworm64", "libvirt")]
    install_fakes(fake_path / "bin", log, boxes, "6.1.0-vm", running=True)
    vm.build_linux_in_vm("debian12", [f"OUT={fake_path / 'out'}"], environ={})
    commands = [c["args"][0] for c in calls(log)]
    assert "up" not in commands
    assert commands[3:5] == ["rsync", "ssh-config"]


def test_wrong_vermagic_is_refused(fake_path: Path) -> None:
    log = fake_path / "vagrant.log"
    install_fakes(fake_path / "bin", log, [("debian/bookworm64", "libvirt")], "6.1.0-in-the-vm")
    (fake_path / "bin" / "modinfo").write_text('#!/bin/sh\necho "6.1.0-of-the-host SMP"\n')
    with pytest.raises(BuildError, match=r"built for 6\.1\.0-of-the-host, not for the VM's kernel"):
        vm.build_linux_in_vm("debian12", [f"OUT={fake_path / 'out'}"], environ={})


def test_host_netmap_tree_is_synced_and_built_in_the_vm(fake_path: Path) -> None:
    log = fake_path / "vagrant.log"
    install_fakes(fake_path / "bin", log, [("debian/bookworm64", "libvirt")], "6.1.0-vm")
    rsync_log = fake_path / "rsync.log"
    rsync = fake_path / "bin" / "rsync"
    rsync.write_text(f'#!/bin/sh\necho "$@" >> {rsync_log}\n')
    rsync.chmod(0o755)
    nsrc = fake_path / "netmap"
    (nsrc / "LINUX").mkdir(parents=True)
    (nsrc / "LINUX" / "configure").write_text("#!/bin/sh\n")
    vm.build_linux_in_vm(
        "debian12", [f"NSRC={nsrc}", "NBUILD=/host/build", f"OUT={fake_path / 'out'}"], environ={}
    )
    synced = rsync_log.read_text().split()
    assert synced[-2:] == [f"{nsrc}/", "default:/home/vagrant/netmap/src/"]
    assert "--exclude=.git/" in synced
    ssh = [c["args"][2] for c in calls(log) if c["args"][0] == "ssh"]
    assert ssh[0] == "mkdir -p /home/vagrant/netmap/src"
    assert ssh[1].startswith(
        "env NETMAP_SRC=/home/vagrant/netmap/src NETMAP_BUILD=/home/vagrant/netmap/build "
        "NETMAP_DIGEST="
    )
    assert ssh[1].endswith("sh /home/vagrant/multistack/vagrant/provision/linux/30-netmap-build.sh")
    # The host's NBUILD is for the host's kernel: the VM's own build of netmap is used.
    assert ssh[2].endswith(
        "40-build.sh NSRC=/home/vagrant/netmap/src NBUILD=/home/vagrant/netmap/build"
    )


def test_failed_build_in_vm(fake_path: Path) -> None:
    log = fake_path / "vagrant.log"
    install_fakes(fake_path / "bin", log, [("debian/bookworm64", "libvirt")], "6.1", fail=True)
    with pytest.raises(BuildError, match=r"the build in the debian12 VM failed \(exit 3\):"):
        vm.build_linux_in_vm("debian12", [f"OUT={fake_path / 'out'}"])
    assert [c["args"][0] for c in calls(log)][-1] == "ssh"


def test_missing_box_stops_before_up(fake_path: Path) -> None:
    log = fake_path / "vagrant.log"
    install_fakes(fake_path / "bin", log, [("other/box", "libvirt")], "6.1")
    with pytest.raises(BuildError, match=r"vagrant box add cloud-image/ubuntu-24\.04"):
        vm.build_linux_in_vm("ubuntu2404", [])
    assert "up" not in [c["args"][0] for c in calls(log)]
