"""buildsys/kernels.py: Debian's kernel releases in dpkg order, and the installed-kernel finder."""

from __future__ import annotations

import itertools
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from buildsys import kernels
from buildsys.kernels import compare_releases, find_kernels, line_of, newest

# Release strings in the shapes Debian's suites use, oldest to newest as dpkg orders them.
ORDERED = [
    "4.19.0-27-amd64",  # buster
    "5.4.0-0.bpo.4-amd64",  # buster-backports, the old ".bpo." form
    "5.10.0-9-amd64",  # bullseye: the ABI number grows past one digit
    "5.10.0-10-amd64",
    "5.10.0-35-amd64",
    "5.10.0-35-cloud-amd64",
    "6.1.0-9-amd64",  # bookworm
    "6.1.0-10-amd64",
    "6.1.0-57-amd64",
    "6.1.0-57-cloud-amd64",
    "6.1.0-57-rt-amd64",
    "6.5.0-0.deb12.1-amd64",  # bookworm-backports before 6.12
    "6.12.12+bpo-amd64",  # bookworm-backports, early 6.12
    "6.12.57+deb12-amd64",  # bookworm-backports
    "6.12.57+deb13-amd64",  # trixie: same upstream, newer suite
    "6.12.57+deb13-cloud-amd64",
    "6.12.107+deb12-amd64",  # a later bookworm-backports upload
    "6.12.118+deb12-amd64",
    "6.19.13+deb13-amd64",  # trixie-backports
    "7.0.12+deb13-amd64",
    "7.2.3-amd64",  # forky/unstable
    "7.2.3+deb14-amd64",  # forky with its suite suffix
    "7.2.12-amd64",
    "7.3.1+deb13-amd64",  # trixie-backports
    "7.3.9+deb13-amd64",
    "7.3.10+deb13-amd64",
    "7.3.10+deb13-rt-amd64",
]


def test_sorted_releases_follow_dpkg_order() -> None:
    shuffled = ORDERED[:]
    random.Random(11).shuffle(shuffled)
    assert sorted(shuffled, key=kernels.release_sort_key) == ORDERED


def test_text_order_would_be_wrong() -> None:
    # The bug the picker exists for: as text, -9 sorts after -10.
    assert sorted(["6.1.0-10-amd64", "6.1.0-9-amd64"]) == ["6.1.0-10-amd64", "6.1.0-9-amd64"]
    assert compare_releases("6.1.0-9-amd64", "6.1.0-10-amd64") == -1
    assert compare_releases("6.12.57+deb13-amd64", "6.12.107+deb12-amd64") == -1


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0~rc1", "1.0", -1),  # tilde sorts before the end of the string
        ("1.0", "1.0+deb12", -1),
        ("1.0~rc1", "1.0~~", 1),
        ("1:1.0", "2.0", 1),  # the epoch wins
        ("1.0-1", "1.0-1", 0),
        ("1.00", "1.0", 0),  # numbers, not text
        ("1.0a", "1.0+", -1),  # letters before other characters
        ("6.1.0-57-amd64", "6.1.0-57-amd64", 0),
    ],
)
def test_compare_releases_follows_dpkg_rules(a: str, b: str, expected: int) -> None:
    assert compare_releases(a, b) == expected
    assert compare_releases(b, a) == -expected


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="dpkg is not installed (not Debian)")
def test_compare_releases_agrees_with_dpkg() -> None:
    strings = [*ORDERED, "1.0~rc1", "1.0", "1:0.9", "1.0a", "1.0+"]
    disagreements = []
    for a, b in itertools.combinations(strings, 2):
        ours = compare_releases(a, b)
        for op, holds in (("lt", ours < 0), ("gt", ours > 0)):
            dpkg = subprocess.run(["dpkg", "--compare-versions", a, op, b], check=False)
            if (dpkg.returncode == 0) != holds:
                disagreements.append(f"{a} {op} {b}: dpkg says {dpkg.returncode == 0}")
    assert not disagreements


@pytest.mark.parametrize(
    ("release", "line"),
    [
        ("5.10.0-35-amd64", (5, 10)),
        ("6.1.0-57-amd64", (6, 1)),
        ("6.12.57+deb13-amd64", (6, 12)),
        ("7.3.10+deb13-amd64", (7, 3)),
        ("7.2.3-amd64", (7, 2)),
        ("5.9.16", (5, 9)),
    ],
)
def test_line_of(release: str, line: tuple[int, int]) -> None:
    assert line_of(release) == line


@pytest.mark.parametrize("bad", ["", "amd64", "6", "v6.1"])
def test_line_of_refuses_what_is_no_release(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Linux kernel release"):
        line_of(bad)


def _install(
    root: Path, release: str, *, headers: bool, image: str | None, absolute_link: bool = True
) -> None:
    """A kernel laid out as Debian's packages lay it out, below `root`."""
    modules = root / "usr/lib/modules" / release
    modules.mkdir(parents=True)
    (modules / "modules.dep").write_text("")
    if headers:
        src = root / "usr/src" / f"linux-headers-{release}"
        src.mkdir(parents=True)
        (src / "Makefile").write_text("# kbuild\n")
        relative = f"../../../src/{src.name}"
        (modules / "build").symlink_to(f"/usr/src/{src.name}" if absolute_link else relative)
    if image == "boot":
        (root / "boot").mkdir(exist_ok=True)
        (root / "boot" / f"vmlinuz-{release}").write_bytes(b"MZ")
    elif image == "modules":
        (modules / "vmlinuz").write_bytes(b"MZ")


def _chroot(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "usr/lib").mkdir(parents=True)
    (root / "lib").symlink_to("usr/lib")  # merged /usr, as Debian 12 and later install it
    return root


# Sample data only, taken from ORDERED: the tests below install these into a fake chroot.
# None needs to exist on the machine, so Debian moving on changes nothing here.
BOOKWORM_OLD, BOOKWORM_NEW = ORDERED[ORDERED.index("6.1.0-9-amd64") :][:2]
BOOKWORM_MISSING = BOOKWORM_OLD.replace("-9-", "-8-")
TRIXIE = next(r for r in ORDERED if r.endswith("+deb13-amd64") and r.startswith("6.12."))
TRIXIE_BACKPORTS = next(r for r in reversed(ORDERED) if r.endswith("+deb13-amd64"))


def test_find_kernels_in_a_chroot(tmp_path: Path) -> None:
    root = _chroot(tmp_path)
    _install(root, BOOKWORM_NEW, headers=True, image="boot")
    _install(root, BOOKWORM_OLD, headers=True, image=None)
    _install(root, TRIXIE_BACKPORTS, headers=False, image="modules")
    _install(root, TRIXIE, headers=True, image="boot", absolute_link=False)
    found = find_kernels(root)
    assert [k.release for k in found] == [
        BOOKWORM_OLD,
        BOOKWORM_NEW,
        TRIXIE,
        TRIXIE_BACKPORTS,
    ]
    by_release = {k.release: k for k in found}
    # The absolute build link is followed inside the chroot, not on the host.
    assert by_release[BOOKWORM_NEW].headers == root / f"usr/src/linux-headers-{BOOKWORM_NEW}"
    assert by_release[BOOKWORM_NEW].image == root / f"boot/vmlinuz-{BOOKWORM_NEW}"
    assert by_release[BOOKWORM_OLD].image is None
    assert by_release[BOOKWORM_OLD].modules == root / "usr/lib/modules" / BOOKWORM_OLD
    assert by_release[TRIXIE_BACKPORTS].headers is None
    assert by_release[TRIXIE_BACKPORTS].image == (
        root / "usr/lib/modules" / TRIXIE_BACKPORTS / "vmlinuz"
    )
    headers = by_release[TRIXIE].headers
    assert headers is not None and (headers / "Makefile").is_file()

    assert newest(found) == by_release[TRIXIE_BACKPORTS]
    assert newest(found, need_headers=True) == by_release[TRIXIE]
    assert newest(found, need_headers=True, need_image=True) == by_release[TRIXIE]
    assert kernels.find(BOOKWORM_OLD, root) == by_release[BOOKWORM_OLD]
    assert kernels.find(BOOKWORM_MISSING, root) is None


def test_headers_without_makefile_do_not_count(tmp_path: Path) -> None:
    root = _chroot(tmp_path)
    _install(root, BOOKWORM_NEW, headers=True, image="boot")
    (root / f"usr/src/linux-headers-{BOOKWORM_NEW}/Makefile").unlink()
    (kernel,) = find_kernels(root)
    assert kernel.headers is None
    assert newest([kernel], need_headers=True) is None


def test_nothing_installed(tmp_path: Path) -> None:
    assert find_kernels(_chroot(tmp_path)) == []
    assert newest([]) is None


def test_this_machine_lists_its_kernels_in_order() -> None:
    found = find_kernels()
    releases = [k.release for k in found]
    assert releases == sorted(releases, key=kernels.release_sort_key)
    for kernel in found:
        assert kernel.headers is None or (kernel.headers / "Makefile").is_file()
        assert kernel.image is None or kernel.image.is_file()
        assert kernel.modules is None or (kernel.modules / "modules.dep").is_file()
    running = os.uname().release
    if Path("/lib/modules", running, "build", "Makefile").is_file():
        assert running in releases


def test_debian_default_is_installed_when_debian_names_one() -> None:
    default = kernels.debian_default()
    if default is None:
        pytest.skip("linux-headers-amd64 / linux-image-amd64 is not installed")
    line_of(default)  # a release, not a package name
    assert kernels.find(default) is not None, f"{default} is the default but not installed"


def test_default_kernel_in_a_chroot_is_the_newest_with_what_is_asked(tmp_path: Path) -> None:
    # No running kernel and no dpkg database in a chroot: the newest usable one is the default.
    root = _chroot(tmp_path)
    _install(root, BOOKWORM_NEW, headers=True, image="boot")
    _install(root, BOOKWORM_OLD, headers=True, image="boot")
    _install(root, TRIXIE, headers=False, image="boot")
    assert kernels.default_kernel(root=root).release == TRIXIE
    picked = kernels.default_kernel(need_headers=True, need_image=True, root=root)
    assert picked is not None and picked.release == BOOKWORM_NEW
    assert kernels.default_kernel(need_headers=True, root=_chroot(tmp_path / "empty")) is None


def test_default_kernel_here_prefers_the_running_one() -> None:
    picked = kernels.default_kernel(need_headers=True)
    running = kernels.find(os.uname().release)
    if running is not None and running.headers is not None:
        assert picked == running
    elif picked is None:
        assert newest(find_kernels(), need_headers=True) is None
    else:
        assert picked.headers is not None and (picked.headers / "Makefile").is_file()


def _line(release: str) -> str:
    """A release's kernel line, "6.12" of "6.12.107+deb12-amd64"."""
    return ".".join(release.split(".")[:2])


def _apt_headers(release: str) -> str:
    return f"linux-headers-{release} - Header files for Linux {release}"


# Sample data only, in `apt-cache search` shape, its releases taken from ORDERED: two bookworm
# ABIs (with other flavours and the common package), bookworm-backports and forky, unordered.
APT_SEARCH_RELEASES = [
    *(r for r in ORDERED if r.startswith("6.1.0-") and r.split("-")[1] in {"9", "10"}),
    "6.12.107+deb12-amd64",
    "6.12.57+deb12-amd64",
    "6.12.12+bpo-amd64",
    "7.2.3-amd64",
]
APT_SEARCH = "\n".join(
    [
        *map(_apt_headers, APT_SEARCH_RELEASES),
        _apt_headers(APT_SEARCH_RELEASES[1].replace("-amd64", "-rt-amd64")),
        *(
            f"linux-headers-{abi}-common - Common header files for Linux {abi}"
            for abi in (APT_SEARCH_RELEASES[1][: -len("-amd64")], "6.12.57+deb12")
        ),
        # A versioned meta-package (here the 6.12 line's), which names no release.
        f"linux-headers-{_line(APT_SEARCH_RELEASES[-2])}-amd64 - Header files for Linux amd64 "
        "configuration (meta-package)",
        "linux-headers-amd64 - Header files for Linux amd64 configuration (meta-package)",
        "",
    ]
)


def test_releases_in_apt_search_keep_one_flavour_in_order() -> None:
    assert kernels.releases_in_apt_search(APT_SEARCH) == [
        "6.1.0-9-amd64",
        "6.1.0-10-amd64",
        "6.12.12+bpo-amd64",
        "6.12.57+deb12-amd64",
        "6.12.107+deb12-amd64",
        "7.2.3-amd64",
    ]
    assert kernels.releases_in_apt_search(APT_SEARCH, "rt-amd64") == ["6.1.0-10-rt-amd64"]


@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="apt-cache is not installed")
def test_installable_lists_what_apt_knows_here() -> None:
    releases = kernels.installable()
    assert releases == sorted(releases, key=kernels.release_sort_key)
    default = kernels.debian_default()
    if default is not None and releases:
        assert default in releases, f"{default} is installed but apt offers no headers for it"
