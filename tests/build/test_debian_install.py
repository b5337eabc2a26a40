"""Installing, upgrading the kernel under, and purging the Debian packages, in a chroot.

The chroot is the host's release with dkms and its kernel's headers, and the headers of a
newer kernel (bookworm-backports') as .debs to install later (buildsys.chroots.INSTALL_TEST,
made once by mmdebstrap and cached like the kernel-matrix chroots, about 2 minutes and 0.6 GB).
Each test runs dpkg in it through a writable overlay of its own, so the cached chroot stays as
made. netmap is the test double (tests/netmap_double), put where the package looks for netmap
by default, /usr/src/netmap, and built there for the chroot's kernel; it is never shipped.

Cost in CI: the chroot (once, cached), the packages (about 15 s), each test 20 to 60 s.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from buildsys import chroots
from buildsys.meta import read_meta

REPO = Path(__file__).resolve().parents[2]
META = read_meta(REPO / "META")
DKMS_PACKAGE = f"{META.name}-dkms"
TOOLS_PACKAGE = f"{META.name}-tools"
NO_NETMAP_MESSAGE = "the module will be built once netmap's headers and Module.symvers are present"

_reason = chroots.unavailable_reason()
if _reason is not None:
    pytest.skip(_reason, allow_module_level=True)
for _tool, _package in (("dpkg-buildpackage", "dpkg-dev"), ("dh", "debhelper")):
    if shutil.which(_tool) is None:
        pytest.skip(f"{_tool} is missing (apt-get install {_package})", allow_module_level=True)


@pytest.fixture(scope="module")
def chroot() -> Path:
    return chroots.ensure(chroots.INSTALL_TEST).root


@pytest.fixture(scope="module")
def debs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory holding the packages, built from a clone of HEAD."""
    top = tmp_path_factory.mktemp("install-debs") / "source"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(top)], check=True)
    built = subprocess.run(
        ["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=top, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return top.parent


def kernel_with_headers(chroot: Path) -> str:
    releases = [p.parent.name for p in (chroot / "lib/modules").glob("*/build")]
    assert len(releases) == 1, f"expected one kernel's headers in the chroot, found {releases}"
    return releases[0]


def next_kernel(chroot: Path) -> str:
    """The release whose headers wait, not installed, in the chroot's NEXT_KERNEL_DEBS."""
    names = [
        p.name.split("_")[0].removeprefix("linux-headers-")
        for p in (chroot / chroots.NEXT_KERNEL_DEBS.relative_to("/")).glob("linux-headers-*.deb")
    ]
    releases = [n for n in names if re.match(r"\d+\.\d+.*-amd64$", n)]
    assert len(releases) == 1, names
    return releases[0]


@dataclass
class Session:
    """A writable chroot: the cached one under an overlay of this test's own."""

    root: Path
    overlay: Path
    binds: tuple[Path, ...]

    def run(self, command: str) -> subprocess.CompletedProcess[str]:
        """`command` run by sh in the chroot; stdout and stderr together in .stdout."""
        argv = ["env", "DEBIAN_FRONTEND=noninteractive", "sh", "-c", command]
        return subprocess.run(
            chroots.command(self.root, argv, self.binds, overlay=self.overlay),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=900,
        )

    def ok(self, command: str) -> str:
        result = self.run(command)
        assert result.returncode == 0, f"`{command}` exited {result.returncode}:\n{result.stdout}"
        return result.stdout


@pytest.fixture
def session(chroot: Path, debs: Path, tmp_path: Path) -> Iterator[Session]:
    double = REPO / "tests/netmap_double"
    yield Session(chroot, tmp_path / "overlay", (debs, double))
    # The overlay's work directory holds a mode-000 directory that pytest's cleanup trips on.
    shutil.rmtree(tmp_path / "overlay", ignore_errors=True)


def install(session: Session, debs: Path) -> str:
    return session.ok(f"dpkg -i {debs}/{DKMS_PACKAGE}_{META.version}-1_all.deb")


def status(session: Session) -> str:
    """dpkg's status letters for the package ("ii"), or "" once dpkg has forgotten it."""
    result = session.run(f"dpkg-query -W -f '${{db:Status-Abbrev}}' {DKMS_PACKAGE}")
    return result.stdout.strip() if result.returncode == 0 else ""


def install_next_kernel_headers(session: Session) -> str:
    """Install the newer kernel's headers, offline: their postinst runs the kernel's
    header_postinst.d hooks, DKMS's and the package's, as a kernel upgrade does.

    Not its image: what it would add (its modules, an initramfs) takes minutes and tests nothing
    of the package, whose work at a kernel upgrade is done from the headers' hook. dpkg is
    told to go on without the image the headers depend on."""
    debs = chroots.NEXT_KERNEL_DEBS
    headers = " ".join(
        f"{debs}/{pattern}"
        for pattern in (
            "linux-headers-*.deb",
            "linux-kbuild-*.deb",
            "pahole_*.deb",
            "libdw1_*.deb",
            "libbpf1_*.deb",
            "linux-base_*.deb",
        )
    )
    return session.ok(f"dpkg -i --force-depends {headers}")


def named_after_the_package(session: Session) -> set[str]:
    """Paths in the chroot named after the package, less netmap's (not the package's)."""
    found = session.ok(f"find / -xdev -name '*{META.name}*' -not -path '/usr/src/netmap/*'")
    return set(found.split())


def purge_leaves_nothing(session: Session, before: set[str]) -> None:
    session.ok(f"dpkg --purge {DKMS_PACKAGE}")
    assert status(session) in ("", "pn")  # unknown to dpkg, or known as purged
    # Nothing new named after the package anywhere (the module, DKMS's tree, the source, the
    # conffiles), nothing dpkg still counts as the package's, nothing DKMS still knows.
    assert named_after_the_package(session) - before == set()
    owned = session.run(f"dpkg -S {META.name}")
    assert owned.returncode != 0, owned.stdout
    assert session.ok(f"dkms status -m {META.name}").strip() == ""


def test_without_netmap_it_installs_says_so_once_and_purges_cleanly(
    session: Session, debs: Path, chroot: Path
) -> None:
    before = named_after_the_package(session)
    output = install(session, debs)
    assert output.count(NO_NETMAP_MESSAGE) == 1, output
    assert "Error!" not in output, output
    assert status(session) == "ii"
    assert f"{META.name}/{META.version}: added" in session.ok(f"dkms status -m {META.name}")

    # A kernel upgrade goes on; the hook says why the module is not built for it.
    upgrade = install_next_kernel_headers(session)
    new = next_kernel(chroot)
    assert f"netmap is not built for kernel {new}" in upgrade, upgrade
    assert status(session) == "ii"

    purge_leaves_nothing(session, before)


def test_with_netmap_dkms_builds_installs_and_purges_the_module(
    session: Session, debs: Path, chroot: Path
) -> None:
    kernel = kernel_with_headers(chroot)
    double = REPO / "tests/netmap_double"
    # netmap where the package looks by default, built for the chroot's kernel.
    session.ok(
        f"cp -a {double} /usr/src/netmap && "
        f"make -C /usr/src/netmap KSRC=/lib/modules/{kernel}/build >/dev/null"
    )
    before = named_after_the_package(session)
    output = install(session, debs)
    assert NO_NETMAP_MESSAGE not in output
    assert status(session) == "ii"
    dkms_status = session.ok(f"dkms status -m {META.name}")
    assert re.search(
        rf"{META.name}/{META.version}, {re.escape(kernel)}, \S+: installed", dkms_status
    )
    module = f"/lib/modules/{kernel}/updates/dkms/{META.name}.ko"
    depends = session.ok(f"modinfo -F depends {module}").strip().split(",")
    assert "netmap" in depends, "not linked against netmap's Module.symvers"

    # A new kernel: netmap is built only for the old one, so the module is skipped for the
    # new kernel, cleanly, and stays installed for the old one.
    upgrade = install_next_kernel_headers(session)
    new = next_kernel(chroot)
    assert f"netmap is not built for kernel {new}" in upgrade, upgrade
    assert status(session) == "ii"
    session.ok(f"test -f {module}")

    purge_leaves_nothing(session, before)
    session.ok("test -f /usr/src/netmap/Module.symvers")  # netmap is not the package's


def ipv4_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    total = (total & 0xFFFF) + (total >> 16)
    return ~((total & 0xFFFF) + (total >> 16)) & 0xFFFF


def udp_frame(dst: str, dport: int) -> bytes:
    """An Ethernet/IPv4/UDP frame from 192.0.2.7:4444 with a valid header checksum."""
    payload = b"multistack"
    udp = struct.pack("!HHHH", 4444, dport, 8 + len(payload), 0) + payload
    addrs = bytes([192, 0, 2, 7]) + bytes(int(b) for b in dst.split("."))
    header = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0) + addrs
    header = header[:10] + struct.pack("!H", ipv4_checksum(header)) + header[12:]
    return bytes.fromhex("02000000000a02000000000b0800") + header + udp


def pcap_file(frames: list[bytes]) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, frame in enumerate(frames):
        out += struct.pack("<IIII", 1700000000 + i, 0, len(frame), len(frame)) + frame
    return out


def test_tools_classify_a_capture_as_installed_and_purge_cleanly(
    session: Session, debs: Path
) -> None:
    """The installed command finds its own library (not a build tree's) and the man page is
    there; purging removes the byte-compiled files too."""
    capture = debs / "tools-test.pcap"
    capture.write_bytes(pcap_file([udp_frame("10.0.0.2", 53), udp_frame("10.0.0.2", 54)]))
    arch = session.ok("dpkg --print-architecture").strip()
    before = named_after_the_package(session)
    session.ok(f"dpkg -i {debs}/{TOOLS_PACKAGE}_{META.version}-1_{arch}.deb")

    assert session.ok("multistack --version").strip() == f"multistack {META.version}"
    output = session.ok(f"cd / && TZ=UTC multistack classify {capture} --bind udp:10.0.0.2:53=vp0")
    lines = [line for line in output.splitlines() if re.match(r"\d+ \d\d:", line)]
    assert lines == [
        "1 22:13:20.000000 udp 192.0.2.7.4444 > 10.0.0.2.53: port vp0 tuple_hit",
        "2 22:13:21.000000 udp 192.0.2.7.4444 > 10.0.0.2.54: host no_match",
    ], output
    session.ok("test -f /usr/share/man/man1/multistack.1.gz")

    session.ok(f"dpkg --purge {TOOLS_PACKAGE}")
    assert named_after_the_package(session) - before == set()
