"""buildsys/vagrant_box.py without building a whole box: what decides a rebuild, and the disk
image (partition, file system, GRUB) made from a small tree."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from buildsys import vagrant_box

DEBIAN = vagrant_box.RECIPES["debian12"]
MIRRORS = (vagrant_box.DEFAULT_MIRROR, vagrant_box.DEFAULT_SECURITY_MIRROR)


def test_version_follows_the_inputs() -> None:
    same = vagrant_box.inputs_hash(DEBIAN, *MIRRORS)
    assert vagrant_box.inputs_hash(DEBIAN, *MIRRORS) == same
    more = dataclasses.replace(DEBIAN, packages=(*DEBIAN.packages, "strace"))
    assert vagrant_box.inputs_hash(more, *MIRRORS) != same
    assert vagrant_box.inputs_hash(DEBIAN, "http://mirror.example/debian", MIRRORS[1]) != same
    version = vagrant_box.box_version(same)
    # Vagrant compares versions as numbers separated by dots.
    assert [part.isdigit() for part in version.split(".")] == [True, True, True]
    assert version != vagrant_box.box_version(vagrant_box.inputs_hash(more, *MIRRORS))


def test_recipe_holds_what_boot_and_build_need() -> None:
    for package in (
        "linux-image-amd64",
        "linux-headers-amd64",
        "openssh-server",
        "sudo",
        "rsync",
        "build-essential",
        "python3-jinja2",
        "systemd-sysv",
    ):
        assert package in DEBIAN.packages


def test_box_vagrantfile_names_its_own_key() -> None:
    text = vagrant_box.BOX_VAGRANTFILE
    assert 'config.ssh.private_key_path = File.expand_path("vagrant_key", __dir__)' in text
    assert "config.ssh.insert_key = false" in text


def test_catalog_gives_the_local_box_a_version(tmp_path: Path) -> None:
    box = tmp_path / "debian12.box"
    box.write_bytes(b"not really a box")
    catalog = vagrant_box._catalog(DEBIAN, box, "0.0.7")
    assert catalog["name"] == "multistack/debian12"
    (version,) = catalog["versions"]  # type: ignore[misc]
    assert version["version"] == "0.0.7"
    (provider,) = version["providers"]
    assert provider["name"] == "libvirt"
    assert provider["url"] == box.as_uri()
    assert provider["checksum"] == hashlib.sha256(b"not really a box").hexdigest()


def disk_tools_missing() -> str | None:
    for tool, package in (
        ("sfdisk", "fdisk"),
        ("mke2fs", "e2fsprogs"),
        ("debugfs", "e2fsprogs"),
        ("grub-mkimage", "grub-common"),
    ):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install {package})"
    if not (vagrant_box.GRUB_DIR / "boot.img").is_file():
        return "GRUB's BIOS images are not installed (apt-get install grub-pc-bin)"
    return None


def test_disk_image_boots_grub_from_its_partition(tmp_path: Path) -> None:
    reason = disk_tools_missing()
    if reason:
        pytest.skip(reason)
    root = tmp_path / "root"
    (root / "boot" / "grub").mkdir(parents=True)
    (root / "boot" / "grub" / "grub.cfg").write_text("set timeout=0\n")
    disk = tmp_path / "disk.raw"
    vagrant_box.make_disk(root, disk, tmp_path, size=64 << 20)

    table = json.loads(
        subprocess.run(
            ["sfdisk", "--json", str(disk)], capture_output=True, text=True, check=True
        ).stdout
    )["partitiontable"]
    assert table["label"] == "dos"
    (part,) = table["partitions"]
    assert part["start"] * 512 == vagrant_box.PARTITION_START
    assert part.get("bootable") is True
    # The file system is at the partition's offset and holds the tree.
    cat = subprocess.run(
        [
            "debugfs",
            "-R",
            "cat /boot/grub/grub.cfg",
            f"{disk}?offset={vagrant_box.PARTITION_START}",
        ],
        capture_output=True,
        text=True,
    )
    assert cat.stdout == "set timeout=0\n"
    # GRUB's code in the MBR (the partition table after it stays), its core image from sector 1.
    image = disk.read_bytes()[: vagrant_box.PARTITION_START]
    boot = (vagrant_box.GRUB_DIR / "boot.img").read_bytes()
    assert image[:440] == boot[:440]
    assert image[510:512] == b"\x55\xaa"
    core = (tmp_path / "core.img").read_bytes()
    assert image[512 : 512 + len(core)] == core
