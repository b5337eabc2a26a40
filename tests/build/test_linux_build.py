"""`nox -s build-linux`: the module builds warning-free, and each refusal says why in one sentence.

The builds run against the kernel headers in MS_TEST_KSRC (default: those of the kernel
buildsys.kernels.default_kernel picks) and the netmap test double; the
real-netmap build runs when NSRC and NBUILD point at a built netmap tree.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from buildsys import kernels, linux
from buildsys.errors import BuildError
from buildsys.kbuild import render_kbuild

REPO = Path(__file__).resolve().parents[2]


def _default_ksrc() -> Path | None:
    """MS_TEST_KSRC, else the headers of the kernel the build session picks by itself."""
    env = os.environ.get("MS_TEST_KSRC")
    if env:
        return Path(env)
    kernel = kernels.default_kernel(need_headers=True)
    return kernel.headers if kernel else None


KSRC = _default_ksrc()


def _need_headers() -> str:
    if KSRC is None:
        pytest.skip("no kernel headers are installed (apt-get install linux-headers-amd64)")
    try:
        return linux.kernel_release(KSRC)
    except BuildError as err:
        pytest.skip(f"no kernel headers to build against: {err}")


def _fake_netmap(root: Path, api: int, built: bool) -> Path:
    """A directory shaped like a netmap tree, with only what the checks read."""
    (root / "sys" / "net").mkdir(parents=True)
    (root / "sys" / "net" / "netmap.h").write_text(f"#define NETMAP_API\t{api}\n")
    if built:
        (root / "Module.symvers").write_text("")
        (root / "netmap_linux_config.h").write_text("")
    return root


def _request(*args: str, environ: dict[str, str] | None = None) -> linux.Request:
    return linux.parse_args(list(args), environ or {})


def _modinfo(module: Path, field: str) -> str:
    out = subprocess.run(
        ["modinfo", "-F", field, str(module)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_builds_against_the_double_without_warnings(tmp_path):
    release = _need_headers()
    result = linux.build(
        _request(f"KSRC={KSRC}", f"NSRC={REPO / 'tests/netmap_double'}", f"OUT={tmp_path}")
    )
    assert result.module == tmp_path / "multistack.ko"
    assert result.module.is_file()
    assert "warning:" not in result.log
    # W=1 was on: its extra warnings are in the compiler's command line.
    assert "-Wmissing-declarations" in (result.tree / "kernel/linux/.ms_netmap.o.cmd").read_text()
    assert _modinfo(result.module, "vermagic").split()[0] == release
    assert _modinfo(result.module, "depends") == "netmap"
    assert "switch_name" in _modinfo(result.module, "parm")
    # The double was built out of place, beside the other build products.
    assert (REPO / "build" / "netmap_double" / release / "Module.symvers").is_file()


def test_builds_against_real_netmap_without_warnings(tmp_path):
    _need_headers()
    nsrc, nbuild = os.environ.get("NSRC"), os.environ.get("NBUILD")
    if not nsrc or not nbuild or not (Path(nbuild) / "Module.symvers").is_file():
        pytest.skip("NSRC and NBUILD do not point at a built netmap tree")
    result = linux.build(
        _request(f"KSRC={KSRC}", f"NSRC={nsrc}", f"NBUILD={nbuild}", f"OUT={tmp_path}")
    )
    assert "warning:" not in result.log
    assert _modinfo(result.module, "depends") == "netmap"


def test_probes_find_the_apis_of_the_headers(tmp_path):
    release = _need_headers()
    header = tmp_path / "ms_linux_config.h"
    subprocess.run(
        [
            "sh",
            str(REPO / "kernel/linux/probe.sh"),
            str(KSRC),
            str(REPO / "kernel/linux/probes"),
            str(tmp_path / "work"),
            str(header),
        ],
        check=True,
    )
    text = header.read_text()
    major, minor = (int(x) for x in release.split(".")[:2])
    # sock_from_file() lost its second argument in 5.12; get_random_u64() exists since 4.11.
    one_arg = (major, minor) >= (5, 12)
    assert ("#define MS_HAVE_SOCK_FROM_FILE_ONE_ARG 1" in text) == one_arg
    assert "#define MS_HAVE_GET_RANDOM_U64 1" in text


def test_kbuild_lists_every_core_and_glue_source():
    text = render_kbuild(REPO)
    for source in sorted((REPO / "common").glob("*.c")):
        assert f"../../common/{source.stem}.o" in text
    for source in sorted((REPO / "kernel/linux").glob("*.c")):
        assert f"{source.stem}.o" in text
    assert "KBUILD_EXTRA_SYMBOLS := $(NBUILD)/Module.symvers" in text


def test_no_kernel_headers(tmp_path):
    request = _request(f"KSRC={tmp_path}", f"NSRC={REPO / 'tests/netmap_double'}")
    with pytest.raises(BuildError, match=r"^no kernel headers at KSRC=.*linux-headers"):
        linux.build(request)


def test_no_nsrc_says_how_to_get_netmap():
    _need_headers()
    with pytest.raises(BuildError, match=r"^NSRC is not set: get netmap .*configure"):
        linux.build(_request(f"KSRC={KSRC}"))


def test_nsrc_from_the_environment(tmp_path):
    request = _request(f"KSRC={KSRC}", environ={"NSRC": str(tmp_path), "NBUILD": str(tmp_path)})
    assert request.nsrc == tmp_path.resolve()
    assert request.nbuild == tmp_path.resolve()


def test_not_a_netmap_tree(tmp_path):
    _need_headers()
    with pytest.raises(BuildError, match=r"is not a netmap tree: it has no sys/net/netmap.h"):
        linux.build(_request(f"KSRC={KSRC}", f"NSRC={tmp_path}"))


def test_unbuilt_netmap(tmp_path):
    _need_headers()
    nsrc = _fake_netmap(tmp_path / "netmap", api=14, built=False)
    with pytest.raises(BuildError, match=r"is not built \(no Module.symvers in .*NBUILD="):
        linux.build(_request(f"KSRC={KSRC}", f"NSRC={nsrc}"))


def test_unbuilt_netmap_build_dir(tmp_path):
    _need_headers()
    nsrc = _fake_netmap(tmp_path / "netmap", api=14, built=False)
    nbuild = tmp_path / "empty-build"
    nbuild.mkdir()
    with pytest.raises(BuildError, match=rf"no Module.symvers in {nbuild}\)"):
        linux.build(_request(f"KSRC={KSRC}", f"NSRC={nsrc}", f"NBUILD={nbuild}"))


def test_unsupported_netmap_api(tmp_path):
    _need_headers()
    nsrc = _fake_netmap(tmp_path / "netmap", api=13, built=True)
    with pytest.raises(BuildError, match=r"has NETMAP_API 13, but .* supports NETMAP_API 14"):
        linux.build(_request(f"KSRC={KSRC}", f"NSRC={nsrc}"))


def test_ksrc_defaults_to_the_picked_kernel():
    kernel = kernels.default_kernel(need_headers=True)
    if kernel is None:
        with pytest.raises(BuildError, match=r"^no kernel headers are installed: install"):
            _request()
    else:
        assert _request().ksrc == kernel.headers
        assert linux.kernel_release(_request().ksrc) == kernel.release


def test_unknown_argument():
    with pytest.raises(BuildError, match=r"unknown argument 'FOO=1'. Usage: nox -s build-linux"):
        _request("FOO=1")


def test_session_reports_the_error_in_one_line(tmp_path):
    if importlib.util.find_spec("nox") is None:
        pytest.skip("nox is not installed for this Python")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nox",
            "-s",
            "build-linux",
            "--",
            f"KSRC={tmp_path}",
            f"NSRC={REPO / 'tests/netmap_double'}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert f"no kernel headers at KSRC={tmp_path}" in output
    # The error is the session's last line, and nox's probe for uv (unused here) says nothing.
    assert output.splitlines()[-1].startswith(
        "nox > Session build-linux aborted: no kernel headers"
    )
    assert "uv binary not found" not in output


@pytest.mark.parametrize(
    ("release", "supported"),
    [
        ("5.10.0-35-amd64", True),
        ("6.1.0-57-amd64", True),
        ("6.12.57+deb13-amd64", True),
        ("7.2.3-amd64", True),
        ("7.3.10+deb13-amd64", True),
        ("4.19.0-27-amd64", False),
        ("5.4.0-0.bpo.4-amd64", False),
        ("7.4.1+deb13-amd64", False),
    ],
)
def test_build_warns_outside_the_meta_range(release, supported):
    note = linux._supported_note(release)
    assert (note is None) == supported, note
    if note is not None:
        assert note == f"kernel {release} is outside the tested range 5.10..7.3"
