"""Local Vagrant boxes for the libvirt provider, built from Debian's mirror alone.

The public boxes (debian/bookworm64, ...) need Vagrant Cloud; a machine that reaches only
Debian's mirror can still build this one. `nox -s vagrant-box -- debian12` comes here:

1. `mmdebstrap` makes the root tree with the kernel, its headers and everything a module build
   needs, so that provisioning has nothing to install;
2. the tree gets a `vagrant` user (sudo without password) who accepts a key pair made for this
   box alone (its private half travels in the box, named by the box's own Vagrantfile), DHCP
   on the first NIC and an fstab;
3. `mke2fs -d` writes the tree as an ext4 file system at the first partition's offset of a raw
   disk image (no loop device, no mount); GRUB's boot sector and a core image holding a small
   grub.cfg of our own go in front of it;
4. `qemu-img convert` makes it qcow2; with metadata.json and the Vagrantfile that is the .box,
   which `vagrant box add` registers under a version derived from the hash of its inputs.

A box whose inputs have not changed is not built again: its version is already registered.
Debian moves its kernel every few weeks; `--refresh` builds again anyway. Boxes are kept in
MS_BOX_CACHE (default /var/cache/multistack/boxes/<name>/).

    python3 -m buildsys.vagrant_box [--refresh] debian12
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from buildsys import commands
from buildsys.errors import BuildError

if TYPE_CHECKING:
    import nox

DEFAULT_CACHE = Path("/var/cache/multistack/boxes")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEFAULT_SECURITY_MIRROR = "http://security.debian.org/debian-security"
LIBVIRT_URI = "qemu:///system"
GRUB_DIR = Path("/usr/lib/grub/i386-pc")
# Bump when the way a box is made changes in a way the texts below do not show.
FORMAT = 1
PARTITION_START = 1 << 20  # bytes: the first MiB holds the MBR and GRUB's core image
DISK_GIB = 8  # the guest's disk; the qcow2 image grows only with what is written

# The guest boots the root file system by device name: libvirt gives the box's disk to the
# guest as the first virtio disk. Classic interface names make the network file one line.
KERNEL_ARGS = "root=/dev/vda1 ro console=ttyS0,115200 net.ifnames=0 biosdevname=0"

# GRUB reads this from the image's /boot/grub; it names the kernel the box was made with.
GRUB_CFG = """\
# Written by buildsys/vagrant_box.py: boot the one kernel of this box at once.
set timeout=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
menuentry "multistack box" {{
    linux /boot/{vmlinuz} {args}
    initrd /boot/{initrd}
}}
"""

NETWORK = """\
# The NIC libvirt's management network gives the VM: Vagrant reaches it over ssh by DHCP.
[Match]
Name=eth0

[Network]
DHCP=yes
"""

FSTAB = "/dev/vda1 / ext4 errors=remount-ro 0 1\n"
SUDOERS = "vagrant ALL=(ALL) NOPASSWD: ALL\n"

# The box's own Vagrantfile: Vagrant merges it under a project's. It names the key made for
# this box, which therefore is never swapped for another.
BOX_VAGRANTFILE = """\
# Written by buildsys/vagrant_box.py: this box accepts only the key pair made with it.
Vagrant.configure("2") do |config|
  config.ssh.username = "vagrant"
  config.ssh.private_key_path = File.expand_path("vagrant_key", __dir__)
  config.ssh.insert_key = false
end
"""


@dataclass(frozen=True)
class BoxRecipe:
    """How to make one box: its Vagrant name, Debian suite and packages."""

    machine: str  # the machine of vagrant/machines.json it stands in for
    box: str  # the name Vagrant knows it by
    suite: str
    packages: tuple[str, ...]


# What the guest needs to boot under Vagrant (init, udev, ssh, sudo, the rsync synced folder)
# and to build netmap and multistack.ko (kernel, headers, compiler, Python with jinja2).
RECIPES: dict[str, BoxRecipe] = {
    "debian12": BoxRecipe(
        machine="debian12",
        box="multistack/debian12",
        suite="bookworm",
        packages=(
            "systemd-sysv",
            "udev",
            "dbus",
            "systemd-resolved",
            "iproute2",
            "kmod",
            "linux-image-amd64",
            "linux-headers-amd64",
            "initramfs-tools",
            "openssh-server",
            "sudo",
            "rsync",
            "build-essential",
            "bc",
            "python3",
            "python3-jinja2",
        ),
    ),
}


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    return Path(environ.get("MS_BOX_CACHE") or DEFAULT_CACHE)


def inputs_hash(recipe: BoxRecipe, mirror: str, security_mirror: str) -> str:
    """The hash of everything a box is made from but Debian's packages themselves."""
    inputs = {
        "format": FORMAT,
        "recipe": asdict(recipe),
        "mirrors": [mirror, security_mirror],
        "texts": [KERNEL_ARGS, GRUB_CFG, NETWORK, FSTAB, SUDOERS, BOX_VAGRANTFILE],
        "disk_gib": DISK_GIB,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def box_version(digest: str) -> str:
    """A Vagrant box version standing for one set of inputs (Vagrant wants numbers)."""
    return f"0.0.{int(digest[:12], 16)}"


def unavailable_reason(which: Callable[[str], str | None] | None = None) -> str | None:
    """Why this machine cannot build a box, or None."""
    which = which or shutil.which
    if os.geteuid() != 0:
        return "building a box needs root (mmdebstrap's root mode writes device nodes and owners)"
    needed = {
        "mmdebstrap": "mmdebstrap",
        "mke2fs": "e2fsprogs",
        "sfdisk": "fdisk",
        "qemu-img": "qemu-utils",
        "grub-mkimage": "grub-common",
        "ssh-keygen": "openssh-client",
        "vagrant": "vagrant",
    }
    missing = sorted({pkg for tool, pkg in needed.items() if which(tool) is None})
    if not (GRUB_DIR / "boot.img").is_file():
        missing.append("grub-pc-bin")
    if missing:
        return f"building a box needs {', '.join(missing)} (apt-get install {' '.join(missing)})"
    return None


def registered_versions(box: str) -> list[str]:
    """The versions of `box` Vagrant has for libvirt."""
    listing = commands.run(
        ["vagrant", "box", "list", "--machine-readable"], output=commands.Output.CAPTURE
    ).stdout
    versions: list[str] = []
    name = provider = ""
    for line in listing.splitlines():
        fields = line.split(",", 3)
        if len(fields) < 4:
            continue
        if fields[2] == "box-name":
            name = fields[3]
        elif fields[2] == "box-provider":
            provider = fields[3]
        elif fields[2] == "box-version" and name == box and provider == "libvirt":
            versions.append(fields[3])
    return versions


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def _only(root: Path, pattern: str) -> str:
    found = sorted(p.name for p in (root / "boot").glob(pattern))
    if len(found) != 1:
        raise BuildError(f"the box's /boot should hold one {pattern}, not {found or 'none'}")
    return found[0]


def make_root(recipe: BoxRecipe, root: Path, mirror: str, security_mirror: str) -> None:
    """The guest's root tree: Debian with the recipe's packages (its kernel's initrd holds
    virtio and ext4, as initramfs-tools' default takes most storage drivers)."""
    commands.run(
        [
            "mmdebstrap",
            "--variant=minbase",
            f"--include={','.join(recipe.packages)}",
            recipe.suite,
            root,
            f"deb {mirror} {recipe.suite} main",
            f"deb {security_mirror} {recipe.suite}-security main",
        ],
        what="mmdebstrap of the box's root tree",
    )


def _in_root(root: Path, *argv: str) -> None:
    commands.run(["chroot", root, *argv], what=f"{argv[0]} in the box's root tree")


def _owner(root: Path, user: str) -> tuple[int, int]:
    for line in (root / "etc" / "passwd").read_text(encoding="utf-8").splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return int(fields[2]), int(fields[3])
    raise BuildError(f"the box's root tree has no user {user}")


def set_up_root(root: Path, public_key: str) -> str:
    """Make the tree a Vagrant guest; returns the grub.cfg written into it."""
    _write(root / "etc" / "hostname", "multistack-box\n")
    _write(root / "etc" / "fstab", FSTAB)
    _write(root / "etc" / "systemd" / "network" / "10-eth0.network", NETWORK)
    # Each VM makes its own machine id at first boot (DHCP leases are keyed by it).
    _write(root / "etc" / "machine-id", "")
    _in_root(root, "systemctl", "enable", "systemd-networkd", "systemd-resolved", "ssh")
    _in_root(root, "useradd", "--create-home", "--shell", "/bin/bash", "vagrant")
    _write(root / "etc" / "sudoers.d" / "vagrant", SUDOERS, 0o440)
    ssh_dir = root / "home" / "vagrant" / ".ssh"
    _write(ssh_dir / "authorized_keys", public_key, 0o600)
    uid, gid = _owner(root, "vagrant")
    for path in (ssh_dir, ssh_dir / "authorized_keys"):
        os.chown(path, uid, gid)
    ssh_dir.chmod(0o700)
    # GRUB loads whatever module it lacks from here by name.
    shutil.copytree(GRUB_DIR, root / "boot" / "grub" / "i386-pc", dirs_exist_ok=True)
    grub_cfg = GRUB_CFG.format(
        vmlinuz=_only(root, "vmlinuz-*"), initrd=_only(root, "initrd.img-*"), args=KERNEL_ARGS
    )
    _write(root / "boot" / "grub" / "grub.cfg", grub_cfg)
    return grub_cfg


def install_grub(disk: Path, work: Path) -> None:
    """GRUB's boot sector in the MBR and its core image right after it.

    grub-bios-setup would first look for the disk's root file system among the host's own
    devices; this image is a file. So: `grub-mkimage` makes a core image that finds
    /boot/grub on the first partition, and it is written at sector 1, where the boot sector
    made by GRUB looks for it by default; grub-mkimage has already written the core image's
    length into the core image's first sector. The MBR keeps its partition table (bytes 440
    on) and takes GRUB's code (the first 440 bytes).
    """
    core = work / "core.img"
    commands.run(
        [
            "grub-mkimage",
            "--format=i386-pc",
            f"--output={core}",
            "--prefix=(hd0,msdos1)/boot/grub",
            "biosdisk",
            "part_msdos",
            "ext2",
        ]
    )
    code = core.read_bytes()
    if len(code) > PARTITION_START - 512:
        raise BuildError(f"GRUB's core image ({len(code)} bytes) does not fit before the partition")
    boot = (GRUB_DIR / "boot.img").read_bytes()
    with disk.open("r+b") as image:
        image.write(boot[:440])
        image.seek(512)
        image.write(code)


def make_disk(root: Path, disk: Path, work: Path, size: int = DISK_GIB << 30) -> None:
    """A raw disk of `size` bytes: one bootable partition from 1 MiB holding `root` as ext4,
    and GRUB."""
    with disk.open("wb") as image:
        image.truncate(size)
    commands.run(
        ["sfdisk", "--quiet", disk],
        what="partitioning the box's disk",
        stdin=f"label: dos\nstart={PARTITION_START // 512}, type=83, bootable\n",
    )
    blocks = (size - PARTITION_START) // 4096
    commands.run(
        [
            "mke2fs",
            "-q",
            "-F",
            "-t",
            "ext4",
            "-b",
            "4096",
            "-L",
            "root",
            "-d",
            root,
            "-E",
            f"offset={PARTITION_START}",
            disk,
            str(blocks),
        ],
        what="writing the box's root file system",
    )
    install_grub(disk, work)


def make_box(recipe: BoxRecipe, work: Path, mirror: str, security_mirror: str) -> Path:
    """Build the .box in `work` (which must be empty) and return it."""
    root = work / "root"
    staging = work / "box"
    staging.mkdir()
    make_root(recipe, root, mirror, security_mirror)
    key = staging / "vagrant_key"
    commands.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", recipe.box, "-f", key],
        what="making the box's key pair",
    )
    set_up_root(root, key.with_suffix(".pub").read_text(encoding="utf-8"))
    key.with_suffix(".pub").unlink()
    disk = work / "disk.raw"
    make_disk(root, disk, work)
    shutil.rmtree(root)
    commands.run(["qemu-img", "convert", "-O", "qcow2", disk, staging / "box.img"])
    disk.unlink()
    metadata = {"provider": "libvirt", "format": "qcow2", "virtual_size": DISK_GIB}
    _write(staging / "metadata.json", json.dumps(metadata) + "\n")
    _write(staging / "Vagrantfile", BOX_VAGRANTFILE)
    box = work / f"{recipe.machine}.box"
    commands.run(
        # Not compressed: gzip would take minutes of one core and save disk only.
        [
            "tar",
            "-C",
            staging,
            "-cf",
            box,
            "metadata.json",
            "Vagrantfile",
            "vagrant_key",
            "box.img",
        ],
        what="packing the .box",
    )
    shutil.rmtree(staging)
    return box


def _catalog(recipe: BoxRecipe, box: Path, version: str) -> dict[str, object]:
    """Vagrant's box catalog for one local file: the only way to give a local box a version."""
    digest = hashlib.sha256()
    with box.open("rb") as data:
        for chunk in iter(lambda: data.read(1 << 20), b""):
            digest.update(chunk)
    provider = {
        "name": "libvirt",
        "url": box.resolve().as_uri(),
        "checksum_type": "sha256",
        "checksum": digest.hexdigest(),
    }
    return {"name": recipe.box, "versions": [{"version": version, "providers": [provider]}]}


def forget_pool_volumes(box: str) -> None:
    """Delete libvirt's copies of `box` (vagrant-libvirt uploads a box to the storage pool once
    per name and version, and would go on using a copy of a box built before)."""
    listing = commands.run(
        ["virsh", "-c", LIBVIRT_URI, "vol-list", "--pool", "default"],
        output=commands.Output.CAPTURE,
        check=False,
    )
    if listing.returncode != 0:
        return  # no daemon or no pool: nothing uploaded that we could see
    prefix = box.replace("/", "-VAGRANTSLASH-") + "_vagrant_box_image_"
    for line in listing.stdout.splitlines():
        fields = line.split()
        if fields and fields[0].startswith(prefix):
            commands.run(["virsh", "-c", LIBVIRT_URI, "vol-delete", fields[0], "--pool", "default"])


def register(recipe: BoxRecipe, box: Path, version: str) -> None:
    """`vagrant box add` this version, after removing every registered version of the box."""
    for old in registered_versions(recipe.box):
        commands.run(
            [
                "vagrant",
                "box",
                "remove",
                recipe.box,
                "--provider",
                "libvirt",
                "--box-version",
                old,
                "--force",
            ],
        )
    forget_pool_volumes(recipe.box)
    catalog = box.with_suffix(".json")
    _write(catalog, json.dumps(_catalog(recipe, box, version), indent=1) + "\n")
    commands.run(["vagrant", "box", "add", "--force", "--provider", "libvirt", catalog])


@dataclass(frozen=True)
class Outcome:
    """What ensure() did."""

    box: str
    version: str
    action: str  # "built", "registered" (from the cached .box) or "present"


def ensure(name: str, refresh: bool = False, environ: Mapping[str, str] = os.environ) -> Outcome:
    """Make sure the box `name` is registered in the version of its current inputs: nothing to
    do if it is, register the cached .box if that version is cached, else build it."""
    if name not in RECIPES:
        raise BuildError(f"no local box recipe for {name!r}: choose one of {', '.join(RECIPES)}")
    recipe = RECIPES[name]
    mirror = environ.get("MS_DEBIAN_MIRROR") or DEFAULT_MIRROR
    security_mirror = environ.get("MS_DEBIAN_SECURITY_MIRROR") or DEFAULT_SECURITY_MIRROR
    version = box_version(inputs_hash(recipe, mirror, security_mirror))
    cache = cache_dir(environ) / name
    box = cache / f"{name}-{version}.box"
    if not refresh:
        if version in registered_versions(recipe.box):
            return Outcome(recipe.box, version, "present")
        if box.is_file():
            register(recipe, box, version)
            return Outcome(recipe.box, version, "registered")
    reason = unavailable_reason()
    if reason:
        raise BuildError(f"cannot build the box {recipe.box}: {reason}")
    cache.mkdir(parents=True, exist_ok=True)
    for stale in cache.glob("*.box"):
        stale.unlink()
        stale.with_suffix(".json").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="build-", dir=cache) as work:
        make_box(recipe, Path(work), mirror, security_mirror).rename(box)
    register(recipe, box, version)
    return Outcome(recipe.box, version, "built")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--refresh", action="store_true", help="build even if registered")
    parser.add_argument("names", nargs="+", choices=sorted(RECIPES))
    args = parser.parse_args(argv)
    for name in args.names:
        outcome = ensure(name, refresh=args.refresh)
        state = {
            "built": "built and registered",
            "registered": "registered from the cache",
            "present": "registered already, its inputs have not changed",
        }[outcome.action]
        print(f"box {outcome.box} {outcome.version}: {state}")
    return 0


def run(session: nox.Session, posargs: Sequence[str]) -> None:
    """The vagrant-box session."""
    main(list(posargs))


if __name__ == "__main__":
    raise SystemExit(main())
