"""DKMS builds multistack.ko from the release tarball, with Debian's dkms and headers.

The netmap tree is the test double (tests/netmap_double), built beside the DKMS trees. DKMS runs
with private trees (--dkmstree, --sourcetree, --installtree) so that the host's /var/lib/dkms
and /usr/src are left alone; `dkms install` is not run because it would run depmod for the
host's kernel.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from buildsys import kernels
from buildsys.dist import build_release
from buildsys.meta import read_meta

REPO = Path(__file__).resolve().parents[2]
_KERNEL = kernels.default_kernel(need_headers=True)

if os.geteuid() != 0:
    pytest.skip("dkms build needs root", allow_module_level=True)
if shutil.which("dkms") is None:
    pytest.skip("dkms is not installed (apt-get install dkms)", allow_module_level=True)
if _KERNEL is None or _KERNEL.headers is None:
    pytest.skip(
        "no kernel headers are installed (apt-get install linux-headers-amd64)",
        allow_module_level=True,
    )
KERNEL = _KERNEL.release
KERNEL_BUILD = _KERNEL.headers


class Dkms:
    """dkms on private trees below one directory."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.sources = root / "src"
        self.tree = root / "dkms"
        for directory in (self.sources, self.tree, root / "installed"):
            directory.mkdir(parents=True, exist_ok=True)

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        command = [
            "dkms",
            *args,
            "--dkmstree",
            str(self.tree),
            "--sourcetree",
            str(self.sources),
            "--installtree",
            str(self.root / "installed"),
        ]
        return subprocess.run(
            command, env={**self.env, **env}, capture_output=True, text=True, check=False
        )


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release tree, unpacked from a tarball of a clean clone of HEAD."""
    tmp = tmp_path_factory.mktemp("dkms-release")
    repo = tmp / "repo"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(repo)], check=True)
    release = build_release(repo, tmp / "out")
    with tarfile.open(release.tarball) as tar:
        tar.extractall(tmp / "unpacked", filter="data")
    (top,) = (tmp / "unpacked").iterdir()
    return top


@pytest.fixture(scope="module")
def netmap_double(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The double's committed sources, built for KERNEL outside the repository."""
    double = tmp_path_factory.mktemp("netmap-double") / "netmap"
    files = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "tests/netmap_double"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, files):
        target = double / Path(name).relative_to("tests/netmap_double")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    subprocess.run(
        ["make", "-C", str(double), f"KSRC={KERNEL_BUILD}", "-j2"],
        check=True,
        capture_output=True,
    )
    assert (double / "Module.symvers").is_file()
    return double


@pytest.fixture
def dkms(unpacked: Path, tmp_path: Path) -> Iterator[Dkms]:
    """DKMS with the module added from the paths a package ships (source-files + dkms.conf)."""
    meta = read_meta(unpacked / "META")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        # No /etc/default file of the host, no signing key written to /var/lib/dkms.
        "MULTISTACK_DKMS_DEFAULTS": str(tmp_path / "no-defaults"),
        "sign_file": "/nonexistent",
    }
    tool = Dkms(tmp_path, env)
    source = tool.sources / f"{meta.name}-{meta.version}"
    source.mkdir()
    listed = (unpacked / "packaging/dkms/source-files").read_text().splitlines()
    for entry in ["dkms.conf", *[e for e in listed if e and not e.startswith("#")]]:
        subprocess.run(["cp", "-a", "--parents", entry, str(source)], cwd=unpacked, check=True)
    added = tool("add", "-m", meta.name, "-v", meta.version)
    assert added.returncode == 0, added.stdout + added.stderr
    yield tool
    tool("remove", "-m", meta.name, "-v", meta.version, "--all")


def module_id(unpacked: Path) -> str:
    meta = read_meta(unpacked / "META")
    return f"{meta.name}/{meta.version}"


def test_dkms_builds_the_module_against_the_double(
    dkms: Dkms, unpacked: Path, netmap_double: Path
) -> None:
    built = dkms(
        "build",
        module_id(unpacked),
        "-k",
        KERNEL,
        NETMAP_SRC=str(netmap_double),
        NETMAP_BUILD=str(netmap_double),
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert f"building against netmap at {netmap_double}" in built.stdout
    meta = read_meta(unpacked / "META")
    module = dkms.tree / meta.name / meta.version / KERNEL / platform.machine() / "module"
    ko = module / f"{meta.name}.ko"
    assert ko.is_file(), sorted(p.name for p in module.iterdir())
    info = subprocess.run(
        ["modinfo", "-F", "depends", str(ko)], capture_output=True, text=True, check=True
    )
    assert "netmap" in info.stdout.strip().split(","), "not linked against netmap's Module.symvers"
    status = dkms("status", "-m", meta.name)
    assert f"{meta.name}/{meta.version}, {KERNEL}, {platform.machine()}: built" in status.stdout

    removed = dkms("remove", module_id(unpacked), "--all")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not (dkms.tree / meta.name).exists()
    assert dkms("status", "-m", meta.name).stdout.strip() == ""


def test_dkms_skips_a_kernel_without_netmap(dkms: Dkms, unpacked: Path) -> None:
    missing = dkms.root / "no-netmap"
    built = dkms("build", module_id(unpacked), "-k", KERNEL, NETMAP_SRC=str(missing))
    # 77 is DKMS's "not for this kernel": package installation and kernel hooks go on.
    assert built.returncode == 77, built.stdout + built.stderr
    meta = read_meta(unpacked / "META")
    assert not (dkms.tree / meta.name / meta.version / KERNEL).exists()
    # What is missing, and the fix, from the check the packaging documents.
    check = subprocess.run(
        ["sh", "packaging/dkms/build-module.sh", "--check", KERNEL],
        cwd=unpacked,
        env={**dkms.env, "NETMAP_SRC": str(missing)},
        capture_output=True,
        text=True,
    )
    assert check.returncode == 1
    assert f"no netmap source tree at NETMAP_SRC={missing}" in check.stderr
    assert "set NETMAP_SRC (the netmap source tree) and NETMAP_BUILD" in check.stderr


def test_dkms_skips_a_kernel_netmap_was_not_built_for(
    dkms: Dkms, unpacked: Path, netmap_double: Path, tmp_path: Path
) -> None:
    # The double's netmap.ko was built for KERNEL; another kernel's build must not use it.
    other = "6.1.0-0-multistack-test"
    (tmp_path / "headers").mkdir()
    built = dkms(
        "build",
        module_id(unpacked),
        "-k",
        other,
        "--kernelsourcedir",
        str(tmp_path / "headers"),
        NETMAP_SRC=str(netmap_double),
    )
    assert built.returncode == 77, built.stdout + built.stderr
    check = subprocess.run(
        ["sh", "packaging/dkms/build-module.sh", "--check", other],
        cwd=unpacked,
        env={**dkms.env, "NETMAP_SRC": str(netmap_double)},
        capture_output=True,
        text=True,
    )
    assert f"is built for kernel {KERNEL}, not {other}" in check.stderr


@pytest.mark.parametrize(
    "kernel", ["4.19.0-27-amd64", "5.4.0-0.bpo.4-amd64", "5.9.16", "7.4.1+deb13-amd64"]
)
def test_dkms_refuses_kernels_outside_meta_range(dkms: Dkms, unpacked: Path, kernel: str) -> None:
    built = dkms("build", module_id(unpacked), "-k", kernel)
    assert built.returncode == 77, built.stdout + built.stderr
    assert "BUILD_EXCLUSIVE directive which does not match this kernel" in built.stderr


@pytest.mark.parametrize(
    "kernel", ["5.10.0-35-amd64", "6.12.57+deb13-amd64", "7.2.3-amd64", "7.3.10+deb13-amd64"]
)
def test_dkms_goes_on_for_kernels_in_meta_range(dkms: Dkms, unpacked: Path, kernel: str) -> None:
    # These kernels are not installed here: DKMS gets past BUILD_EXCLUSIVE and stops at the
    # missing headers instead. The netmap stand-in has no netmap.ko, so it suits any kernel.
    if kernels.find(kernel) is not None:
        pytest.skip(f"{kernel} is installed here: building for it is the other test's job")
    netmap = dkms.root / "any-kernel-netmap"
    (netmap / "sys/net").mkdir(parents=True)
    api = read_meta(unpacked / "META").netmap_api
    (netmap / "sys/net/netmap.h").write_text(f"#define NETMAP_API {api}\n")
    (netmap / "Module.symvers").write_text("")
    built = dkms("build", module_id(unpacked), "-k", kernel, NETMAP_SRC=str(netmap))
    output = built.stdout + built.stderr
    assert "BUILD_EXCLUSIVE" not in output
    assert built.returncode not in (0, 77), output
    assert "headers" in output, output
