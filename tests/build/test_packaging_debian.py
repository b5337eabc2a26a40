"""The Debian packages (debian/): built from the release tarball as a source package with
dpkg-buildpackage (dpkg-source -b, then the binaries) and from a git checkout, the same
packages both ways, and lintian --pedantic clean when lintian is installed (./dev installs it).

What the packages do when installed (with and without netmap, purge, a new kernel) is
tests/build/test_debian_install.py's job, in a chroot.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from buildsys.dist import build_release
from buildsys.meta import read_meta
from buildsys.packaging import HOMEPAGE, MAINTAINER_EMAIL, MAINTAINER_NAME

REPO = Path(__file__).resolve().parents[2]
META = read_meta(REPO / "META")
PACKAGES = (f"{META.name}-dkms", f"{META.name}-dev", f"{META.name}-tools")
ARCH = subprocess.run(
    ["dpkg", "--print-architecture"], capture_output=True, text=True, check=False
).stdout.strip()

for tool, package in (
    ("dpkg-buildpackage", "dpkg-dev"),
    ("dh", "debhelper"),
    ("fakeroot", "fakeroot"),
):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is missing (apt-get install {package})", allow_module_level=True)
if subprocess.run(["/usr/bin/python3", "-c", "import jinja2"], check=False).returncode != 0:
    pytest.skip(
        "python3-jinja2 is missing (a build from a checkout renders the templates)",
        allow_module_level=True,
    )


@dataclass(frozen=True)
class Build:
    top: Path  # the unpacked source tree the packages were built in
    out: Path  # where dpkg-buildpackage put its results
    debs: dict[str, Path]  # package name -> .deb


def dpkg_buildpackage(top: Path, *args: str) -> Build:
    result = subprocess.run(
        ["dpkg-buildpackage", "-us", "-uc", *args], cwd=top, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    # multistack-tools holds compiled code; the others are architecture-independent.
    arch = {name: ARCH if name.endswith("-tools") else "all" for name in PACKAGES}
    debs = {name: top.parent / f"{name}_{META.version}-1_{arch[name]}.deb" for name in PACKAGES}
    assert all(deb.is_file() for deb in debs.values()), sorted(top.parent.iterdir())
    return Build(top, top.parent, debs)


@pytest.fixture(scope="module")
def from_tarball(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Source and binary packages from the release tarball, as a Debian packager builds them:
    the tarball as the .orig.tar.gz, debian/ as it ships in it."""
    tmp = tmp_path_factory.mktemp("deb-tarball")
    repo = tmp / "repo"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(repo)], check=True)
    release = build_release(repo, tmp / "dist")
    build_dir = tmp / "build"
    build_dir.mkdir()
    shutil.copy(release.tarball, build_dir / f"{META.name}_{META.version}.orig.tar.gz")
    with tarfile.open(release.tarball) as tar:
        tar.extractall(build_dir, filter="data")
    return dpkg_buildpackage(build_dir / f"{META.name}-{META.version}")


@pytest.fixture(scope="module")
def from_checkout(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Binary packages straight from a git clone (the templates rendered by debian/rules)."""
    top = tmp_path_factory.mktemp("deb-checkout") / "multistack"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(top)], check=True)
    return dpkg_buildpackage(top, "-b")


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


def test_source_package_from_the_tarball(from_tarball: Build) -> None:
    stem = f"{META.name}_{META.version}-1"
    dsc = from_tarball.out / f"{stem}.dsc"
    assert dsc.is_file() and (from_tarball.out / f"{stem}.debian.tar.xz").is_file()
    # The upstream tarball is the orig tarball as it is: the source package adds no patch.
    listing = subprocess.run(
        ["tar", "-tJf", str(from_tarball.out / f"{stem}.debian.tar.xz")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not [name for name in listing if name.startswith("debian/patches/")], listing
    assert "Format: 3.0 (quilt)" in dsc.read_text()


def test_dkms_package_ships_a_ready_module_source(from_tarball: Build) -> None:
    contents = deb_contents(from_tarball.debs[f"{META.name}-dkms"])
    source = f"usr/src/{META.name}-{META.version}"
    for path in (
        "dkms.conf",
        "kernel/linux/Kbuild",
        "kernel/linux/Makefile",
        "common/include/multistack/ms_core.h",
    ):
        assert f"{source}/{path}" in contents, path
    # The DKMS build runs the script directly: it must stay executable through dh_fixperms.
    assert contents[f"{source}/packaging/dkms/build-module.sh"] == "-rwxr-xr-x"
    assert contents[f"etc/kernel/header_postinst.d/{META.name}-dkms"] == "-rwxr-xr-x"
    assert "etc/default/multistack-dkms" in contents
    shipped = [p for p in contents if p.startswith(f"{source}/")]
    assert not [p for p in shipped if p.endswith(".j2")], "templates ship rendered"
    assert not [p for p in shipped if Path(p).name in (".gitignore", "README.md")]
    assert not [p for p in contents if "netmap_double" in p]


def test_dev_package_ships_the_application_headers(from_tarball: Build) -> None:
    contents = deb_contents(from_tarball.debs[f"{META.name}-dev"])
    for header in ("ms_app.h", "ms_uapi.h", "ms_os_types.h"):
        assert f"usr/include/multistack/{header}" in contents
    assert f"usr/share/doc/{META.name}-dev/examples/udp_echo/udp_echo.c" in contents
    docs = [p for p in contents if p.endswith((".md", ".md.gz", "README", "README.Debian"))]
    assert all(p.startswith("usr/share/doc/") for p in docs), docs


def test_tools_package_ships_the_command_its_library_and_manual(from_tarball: Build) -> None:
    deb = from_tarball.debs[f"{META.name}-tools"]
    contents = deb_contents(deb)
    modules = "usr/lib/python3/dist-packages/multistack"
    assert contents["usr/bin/multistack"] == "-rwxr-xr-x"
    for module in ("cli.py", "core.py", "classify.py", "status.py", "installed.py"):
        assert f"{modules}/{module}" in contents, module
    libraries = [p for p in contents if p.endswith("/multistack/libmultistack_core.so")]
    assert libraries == [f"usr/lib/{multiarch()}/multistack/libmultistack_core.so"], libraries
    assert "usr/share/man/man1/multistack.1.gz" in contents
    # Nothing of the developers' side: tests, benchmark, build system.
    assert not [p for p in contents if "buildsys" in p or "/tests" in p or "bench" in p]

    files = extracted(deb)
    assert (files / "usr/bin/multistack").read_text().startswith("#!/usr/bin/python3\n")
    installed = (files / modules / "installed.py").read_text()
    assert f'"/{libraries[0]}"' in installed, installed
    depends = deb_field(deb, "Depends")
    assert "python3" in depends and "libpcap0.8" in depends, depends


def multiarch() -> str:
    return subprocess.run(
        ["dpkg-architecture", "-qDEB_HOST_MULTIARCH"], capture_output=True, text=True, check=True
    ).stdout.strip()


def extracted(deb: Path) -> Path:
    """The package's files unpacked beside it (once)."""
    target = deb.with_suffix(".files")
    if not target.is_dir():
        subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
    return target


def test_installed_headers_compile_an_application(from_tarball: Build, tmp_path: Path) -> None:
    subprocess.run(
        ["dpkg-deb", "-x", str(from_tarball.debs[f"{META.name}-dev"]), tmp_path], check=True
    )
    program = tmp_path / "app.c"
    program.write_text(
        "#include <multistack/ms_app.h>\nint main(void) { return ms_app_strerror(0) == 0; }\n"
    )
    result = subprocess.run(
        [
            "cc",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-fsyntax-only",
            f"-I{tmp_path}/usr/include",
            str(program),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_metadata(from_tarball: Build) -> None:
    dkms = from_tarball.debs[f"{META.name}-dkms"]
    assert deb_field(dkms, "Version") == f"{META.version}-1"
    assert deb_field(dkms, "Architecture") == "all"
    assert re.match(r"dkms\b", deb_field(dkms, "Depends"))
    assert deb_field(dkms, "Maintainer") == f"{MAINTAINER_NAME} <{MAINTAINER_EMAIL}>"
    assert deb_field(dkms, "Homepage") == HOMEPAGE


def test_changelog_names_the_meta_version() -> None:
    first = (REPO / "debian/changelog").read_text().splitlines()[0]
    assert first.startswith(f"{META.name} ({META.version}-"), first
    news = (REPO / "NEWS.md").read_text()
    headings = re.findall(r"^## multistack (\S+)", news, re.M)
    assert headings and headings[0] == META.version, "NEWS.md's newest entry is not META's"


def test_checkout_and_tarball_give_the_same_packages(
    from_tarball: Build, from_checkout: Build
) -> None:
    for name in PACKAGES:
        assert deb_contents(from_checkout.debs[name]) == deb_contents(from_tarball.debs[name])


def test_clean_leaves_the_checkout_as_cloned(from_checkout: Build) -> None:
    subprocess.run(["fakeroot", "debian/rules", "clean"], cwd=from_checkout.top, check=True)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"],
        cwd=from_checkout.top,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == ""


@pytest.mark.skipif(
    shutil.which("lintian") is None, reason="lintian is missing (apt-get install lintian)"
)
def test_lintian_pedantic_finds_no_error_or_warning(from_tarball: Build) -> None:
    changes = from_tarball.out / f"{META.name}_{META.version}-1_{ARCH}.changes"
    result = subprocess.run(
        ["lintian", "--pedantic", "--display-info", "--fail-on", "error,warning", str(changes)],
        capture_output=True,
        text=True,
    )
    tags = [line for line in result.stdout.splitlines() if re.match(r"[EW]: ", line)]
    assert tags == [], result.stdout
    assert result.returncode == 0, result.stdout + result.stderr
