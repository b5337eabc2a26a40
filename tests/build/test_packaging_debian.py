"""The Debian sketch: a multistack-dkms .deb built with dh_dkms from the release tarball."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from buildsys.dist import build_release
from buildsys.meta import read_meta

REPO = Path(__file__).resolve().parents[2]

for tool, package in (
    ("dpkg-buildpackage", "dpkg-dev"),
    ("dh", "debhelper"),
    ("dh_dkms", "dh-dkms"),
    ("fakeroot", "fakeroot"),
):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is missing (apt-get install {package})", allow_module_level=True)


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the .deb, the unpacked release) built as the packaging README says."""
    tmp = tmp_path_factory.mktemp("debian")
    repo = tmp / "repo"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(repo)], check=True)
    release = build_release(repo, tmp / "out")
    build_dir = tmp / "build"
    with tarfile.open(release.tarball) as tar:
        tar.extractall(build_dir, filter="data")
    (top,) = build_dir.iterdir()
    shutil.copytree(top / "packaging/debian", top / "debian")
    result = subprocess.run(
        ["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=top, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    (package,) = build_dir.glob("multistack-dkms_*_all.deb")
    return package, top


def deb_field(package: Path, field: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "--field", str(package), field], capture_output=True, text=True, check=True
    ).stdout.strip()


def deb_contents(package: Path) -> dict[str, str]:
    """Path (without the leading ./) -> mode string, as dpkg-deb lists them."""
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(package)], capture_output=True, text=True, check=True
    ).stdout
    entries = {}
    for line in listing.splitlines():
        fields = line.split(maxsplit=5)
        entries[fields[5].removeprefix("./").split(" -> ")[0].rstrip("/")] = fields[0]
    return entries


def test_deb_ships_dkms_conf_and_the_module_source(deb: tuple[Path, Path]) -> None:
    package, top = deb
    meta = read_meta(top / "META")
    source = f"usr/src/{meta.name}-{meta.version}"
    contents = deb_contents(package)
    assert f"{source}/dkms.conf" in contents
    assert f"{source}/kernel/linux/Kbuild" in contents
    assert f"{source}/kernel/linux/Makefile" in contents
    assert f"{source}/common/include/multistack/ms_core.h" in contents
    # PRE_BUILD runs the script directly: it must stay executable through dh_fixperms.
    assert contents[f"{source}/packaging/dkms/build-module.sh"] == "-rwxr-xr-x"
    assert "etc/default/multistack-dkms" in contents
    assert not [path for path in contents if "netmap_double" in path]


def test_deb_metadata(deb: tuple[Path, Path]) -> None:
    package, top = deb
    meta = read_meta(top / "META")
    assert deb_field(package, "Package") == f"{meta.name}-dkms"
    assert deb_field(package, "Version") == f"{meta.version}-1"
    assert deb_field(package, "Architecture") == "all"
    assert deb_field(package, "Depends").startswith("dkms")


def test_deb_maintainer_scripts_register_with_dkms(deb: tuple[Path, Path], tmp_path: Path) -> None:
    package, top = deb
    meta = read_meta(top / "META")
    subprocess.run(["dpkg-deb", "--control", str(package), str(tmp_path)], check=True)
    postinst = (tmp_path / "postinst").read_text()
    assert f"DKMS_NAME={meta.name}\n" in postinst
    assert f"DKMS_VERSION={meta.version}\n" in postinst
    assert "/usr/lib/dkms/common.postinst" in postinst
    assert f"DKMS_NAME={meta.name}\n" in (tmp_path / "prerm").read_text()
    assert "etc/default/multistack-dkms" in (tmp_path / "conffiles").read_text()
