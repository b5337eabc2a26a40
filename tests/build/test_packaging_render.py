"""The packaging files rendered from META: dkms.conf, the DKMS build script, Debian, FreeBSD."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from buildsys.meta import read_meta, release_tuple
from buildsys.packaging import (
    freebsd_osversion,
    linux_kernel_regex,
    render_packaging,
)

REPO = Path(__file__).resolve().parents[2]
META = read_meta(REPO / "META")
EPOCH = 1_700_000_000
# These tests only pass the release through; a made-up one keeps them off any real kernel.
KERNELVER = "0.0.0-render-test"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of META and packaging/ with the templates rendered in it, where DKMS would keep
    it: <source tree>/NAME-VERSION."""
    tree = tmp_path_factory.mktemp("rendered") / f"{META.name}-{META.version}"
    tree.mkdir()
    shutil.copy(REPO / "META", tree / "META")
    shutil.copytree(REPO / "packaging", tree / "packaging")
    render_packaging(tree, EPOCH)
    return tree


def bash_matches(regex: str, releases: list[str]) -> list[bool]:
    """What DKMS does: bash's `[[ release =~ regex ]]` for each release."""
    script = 'for r in "$@"; do if [[ $r =~ $RE ]]; then echo 1; else echo 0; fi; done'
    result = subprocess.run(
        ["bash", "-c", script, "bash", *releases],
        env={"RE": regex, "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    return [line == "1" for line in result.stdout.split()]


@pytest.mark.parametrize(
    ("low", "high"), [(META.linux_min, META.linux_max), ("4.19", "6.2"), ("6.1", "6.1")]
)
def test_kernel_regex_accepts_exactly_the_range(low: str, high: str) -> None:
    regex = linux_kernel_regex(low, high)
    releases, expected = [], []
    for major in range(2, 9):
        for minor in [*range(0, 40), 99, 100, 120, 1000]:
            for suffix in ("", ".0-56-amd64", "-rc1", ".7", "+"):
                releases.append(f"{major}.{minor}{suffix}")
                expected.append(release_tuple(low) <= (major, minor) <= release_tuple(high))
    assert bash_matches(regex, releases) == expected


# Release strings as Debian's suites spell them (shape of `uname -r`), each with whether
# multistack supports it (Linux 5.10 to 7.3).
SUPPORTED_RELEASES = [
    "5.10.0-35-amd64",  # bullseye
    "5.10.0-9-cloud-amd64",
    "6.1.0-57-amd64",  # bookworm
    "6.1.0-9-rt-amd64",
    "6.12.57+deb13-amd64",  # trixie
    "6.12.107+deb12-amd64",  # bookworm-backports
    "7.0.12+deb13-amd64",
    "7.2.3-amd64",  # forky/unstable
    "7.2.12+deb14-amd64",
    "7.3.1+deb13-amd64",  # trixie-backports
    "7.3.10+deb13-cloud-amd64",
]
UNSUPPORTED_RELEASES = [
    "4.19.0-27-amd64",  # buster
    "4.19.0-9-amd64",
    "5.4.0-0.bpo.4-amd64",  # buster-backports
    "5.9.0-0.bpo.5-amd64",
    "7.4.1+deb13-amd64",  # one line past the range
    "7.10.2-amd64",
    "8.0.1-amd64",
    "3.16.0-6-amd64",
]


def test_meta_covers_the_lines_debian_ships() -> None:
    assert (META.linux_min, META.linux_max) == ("5.10", "7.3")


def test_dkms_conf_accepts_every_supported_debian_release(rendered: Path) -> None:
    regex = source_dkms_conf(rendered / "dkms.conf", "")["BUILD_EXCLUSIVE_KERNEL"]
    releases = SUPPORTED_RELEASES + UNSUPPORTED_RELEASES
    matched = dict(zip(releases, bash_matches(regex, releases), strict=True))
    assert [r for r in SUPPORTED_RELEASES if not matched[r]] == []
    assert [r for r in UNSUPPORTED_RELEASES if matched[r]] == []


def test_freebsd_osversion() -> None:
    assert freebsd_osversion("13.0") == 1300000
    assert freebsd_osversion("14.3") == 1403000


def source_dkms_conf(
    conf: Path, kernelver: str, env: dict[str, str] | None = None
) -> dict[str, str]:
    """Source dkms.conf in bash as DKMS does (its source tree in $source_tree) and return the
    variables DKMS reads."""
    names = [
        "PACKAGE_NAME",
        "PACKAGE_VERSION",
        "BUILT_MODULE_NAME[0]",
        "BUILT_MODULE_LOCATION[0]",
        "DEST_MODULE_LOCATION[0]",
        "MAKE[0]",
        "PRE_BUILD",
        "AUTOINSTALL",
        "BUILD_EXCLUSIVE_KERNEL",
    ]
    printing = "; ".join(f'printf "%s\\n" "${{{name}}}"' for name in names)
    source_tree = conf.parent.parent
    script = (
        f"kernelver={kernelver}; kernel_source_dir=/ksrc; source_tree={source_tree}; "
        f'. "{conf}"; {printing}'
    )
    environment = {"PATH": os.environ["PATH"], **(env or {})}
    output = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True, env=environment
    )
    assert "CLEAN" not in conf.read_text(), "CLEAN is deprecated in dkms 3"
    return dict(zip(names, output.stdout.splitlines(), strict=True))


def test_dkms_conf_comes_from_meta(rendered: Path, tmp_path: Path) -> None:
    netmap = fake_netmap(tmp_path / "netmap")
    env = {"NETMAP_SRC": str(netmap), "MULTISTACK_DKMS_DEFAULTS": os.devnull}
    values = source_dkms_conf(rendered / "dkms.conf", KERNELVER, env)
    assert values["PACKAGE_NAME"] == META.name
    assert values["PACKAGE_VERSION"] == META.version
    assert values["BUILT_MODULE_NAME[0]"] == META.name
    assert values["BUILT_MODULE_LOCATION[0]"] == "kernel/linux/"
    assert values["DEST_MODULE_LOCATION[0]"] == "/updates/dkms"
    assert values["MAKE[0]"] == f"sh packaging/dkms/build-module.sh {KERNELVER} /ksrc"
    assert values["PRE_BUILD"] == f"packaging/dkms/build-module.sh --check {KERNELVER}"
    # Left to the Debian package's kernel hook: see dkms.conf.j2.
    assert values["AUTOINSTALL"] == ""
    assert values["BUILD_EXCLUSIVE_KERNEL"] == linux_kernel_regex(META.linux_min, META.linux_max)


def test_dkms_conf_skips_a_kernel_without_netmap(rendered: Path, tmp_path: Path) -> None:
    env = {"NETMAP_SRC": str(tmp_path / "none"), "MULTISTACK_DKMS_DEFAULTS": os.devnull}
    regex = source_dkms_conf(rendered / "dkms.conf", KERNELVER, env)["BUILD_EXCLUSIVE_KERNEL"]
    # No release at all matches: DKMS skips the build (exit 77) instead of failing it.
    releases = [*SUPPORTED_RELEASES, KERNELVER]
    assert bash_matches(regex, releases) == [False] * len(releases)


def test_ready_is_silent_and_says_by_its_status(
    rendered: Path, script_env: dict[str, str], tmp_path: Path
) -> None:
    missing = run_script(
        rendered, {**script_env, "NETMAP_SRC": str(tmp_path / "none")}, "--ready", KERNELVER
    )
    assert (missing.returncode, missing.stdout, missing.stderr) == (1, "", "")
    netmap = fake_netmap(tmp_path / "netmap")
    ready = run_script(rendered, {**script_env, "NETMAP_SRC": str(netmap)}, "--ready", KERNELVER)
    assert (ready.returncode, ready.stdout, ready.stderr) == (0, "", "")


def test_dkms_conf_parses_as_dh_dkms_reads_it(rendered: Path) -> None:
    # dh_dkms greps `PACKAGE_NAME=(["']?)(.*)\1` and the same for PACKAGE_VERSION.
    text = (rendered / "dkms.conf").read_text()
    assert re.findall(r"PACKAGE_NAME=([\"']?)(.*)\1", text) == [('"', META.name)]
    assert re.findall(r"PACKAGE_VERSION=([\"']?)(.*)\1", text) == [('"', META.version)]


def test_freebsd_port_comes_from_meta(rendered: Path) -> None:
    port = (rendered / "packaging/freebsd-port/Makefile").read_text()
    assert re.search(rf"^PORTNAME=\t{META.name}$", port, re.M)
    assert re.search(rf"^DISTVERSION=\t{re.escape(META.version)}$", port, re.M)
    assert re.search(r"^USES=\t\tkmod$", port, re.M)
    low = freebsd_osversion(META.freebsd_min)
    assert f"${{OSVERSION}} < {low} ||" in port
    plist = (rendered / "packaging/freebsd-port/pkg-plist").read_text()
    assert plist == f"%%KMODDIR%%/{META.name}.ko\n"


def test_rendered_script_keeps_the_template_mode(rendered: Path) -> None:
    script = rendered / "packaging/dkms/build-module.sh"
    assert script.stat().st_mode & 0o111, "PRE_BUILD runs the script directly: it must be +x"


# The DKMS build script, with a stand-in `make` that records its arguments.


@pytest.fixture
def script_env(rendered: Path, tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_make = bin_dir / "make"
    fake_make.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/make-args\n')
    fake_make.chmod(0o755)
    return {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "MULTISTACK_DKMS_DEFAULTS": str(tmp_path / "defaults"),
    }


def fake_netmap(root: Path, api: int = META.netmap_api) -> Path:
    (root / "sys/net").mkdir(parents=True)
    (root / "sys/net/netmap.h").write_text(f"#define NETMAP_API\t{api}\t/* current API */\n")
    (root / "Module.symvers").write_text("")
    return root


def run_script(rendered: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "packaging/dkms/build-module.sh", *args],
        cwd=rendered,
        env=env,
        capture_output=True,
        text=True,
    )


def test_missing_netmap_names_the_fix(rendered: Path, script_env: dict[str, str]) -> None:
    if Path("/usr/src/netmap").exists():
        pytest.skip("/usr/src/netmap exists here: the fallback finds it")
    result = run_script(rendered, script_env, KERNELVER, "/ksrc")
    assert result.returncode == 1
    assert "no netmap source tree at NETMAP_SRC=/usr/src/netmap" in result.stderr
    assert "set NETMAP_SRC (the netmap source tree) and NETMAP_BUILD" in result.stderr
    assert script_env["MULTISTACK_DKMS_DEFAULTS"] in result.stderr
    assert f"dkms build {META.name}/{META.version} -k {KERNELVER}" in result.stderr


def test_wrong_netmap_api_is_refused(
    rendered: Path, script_env: dict[str, str], tmp_path: Path
) -> None:
    netmap = fake_netmap(tmp_path / "netmap", api=META.netmap_api - 1)
    env = {**script_env, "NETMAP_SRC": str(netmap)}
    result = run_script(rendered, env, "--check", KERNELVER)
    assert result.returncode == 1
    assert f"has NETMAP_API {META.netmap_api - 1}; " in result.stderr
    assert f"needs {META.netmap_api}" in result.stderr


def test_missing_module_symvers_is_refused(
    rendered: Path, script_env: dict[str, str], tmp_path: Path
) -> None:
    netmap = fake_netmap(tmp_path / "netmap")
    env = {**script_env, "NETMAP_SRC": str(netmap), "NETMAP_BUILD": str(tmp_path)}
    result = run_script(rendered, env, KERNELVER, "/ksrc")
    assert result.returncode == 1
    assert f"no Module.symvers in NETMAP_BUILD={tmp_path}" in result.stderr


def test_defaults_file_may_name_a_build_per_kernel(
    rendered: Path, script_env: dict[str, str], tmp_path: Path
) -> None:
    netmap = fake_netmap(tmp_path / "netmap")
    per_kernel = tmp_path / "builds" / KERNELVER
    per_kernel.mkdir(parents=True)
    (per_kernel / "Module.symvers").write_text("")
    Path(script_env["MULTISTACK_DKMS_DEFAULTS"]).write_text(
        f'NETMAP_SRC={netmap}\nNETMAP_BUILD="{tmp_path}/builds/$kernelver"\n'
    )
    result = run_script(rendered, script_env, KERNELVER, "/ksrc", "CC=clang")
    assert result.returncode == 0, result.stderr
    make_args = (tmp_path / "make-args").read_text().split()
    assert make_args == [
        "-C",
        "kernel/linux",
        "KSRC=/ksrc",
        f"NSRC={netmap}",
        f"NBUILD={per_kernel}",
        "CC=clang",
    ]


def test_environment_wins_over_defaults_file(
    rendered: Path, script_env: dict[str, str], tmp_path: Path
) -> None:
    netmap = fake_netmap(tmp_path / "netmap")
    Path(script_env["MULTISTACK_DKMS_DEFAULTS"]).write_text("NETMAP_SRC=/nowhere\n")
    env = {**script_env, "NETMAP_SRC": str(netmap)}
    result = run_script(rendered, env, "--check", KERNELVER)
    assert result.returncode == 0, result.stderr
    assert f"building against netmap at {netmap} (build: {netmap})" in result.stdout
