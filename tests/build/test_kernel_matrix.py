"""The build half of `nox -s kernel-matrix`: the module builds W=1-clean for every Debian kernel
line within reach, the host's own and one per chroot (made on first use, then cached), each with
that line's own compiler. The table and JSON say what happened per kernel."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from buildsys import chroots, kernels, kmatrix
from buildsys.errors import BuildError
from buildsys.kmatrix import Row


@pytest.mark.parametrize("name", kmatrix.line_names())
def test_module_builds_w1_clean_for_the_line_with_its_own_compiler(name):
    if name != kmatrix.HOST and chroots.cached(chroots.RECIPES[name]) is None:
        reason = chroots.unavailable_reason()
        if reason is not None:
            pytest.skip(f"no cached {name} chroot, and {reason}")
    [row] = kmatrix.run_matrix(kmatrix.Options(names=(name,)), log=lambda _msg: None)
    assert row.build == "ok", "\n".join(row.errors)
    assert row.warnings == 0, "\n".join(row.errors)
    assert row.release is not None
    assert row.line == "{}.{}".format(*kernels.line_of(row.release))
    module = kmatrix.module_out(row.release, "double") / "multistack.ko"
    assert kmatrix.vermagic_release(module) == row.release
    # Every object was compiled by the compiler the kernel was built with (the headers' .config
    # names it: "x86_64-linux-gnu-gcc-16 (Debian 16.2.0-3) 16.2.0"), the chroot's, not the host's.
    target = kmatrix.find_target(Row(name), refresh=False)
    assert target is not None and target.kernel.headers is not None
    config = (target.kernel.headers / ".config").read_text()
    cc_text = re.search(r'^CONFIG_CC_VERSION_TEXT="\S+ (.*)"$', config, re.MULTILINE)
    assert cc_text is not None
    comment = subprocess.run(
        ["readelf", "-p", ".comment", str(module)], capture_output=True, text=True, check=True
    ).stdout
    compilers = set(re.findall(r"GCC: .*", comment))
    assert compilers == {f"GCC: {cc_text.group(1)}"}


def _rows() -> list[Row]:
    return [
        Row("forky", "7.2.9+deb14-amd64", "7.2", "ok", 0),
        Row("host", "6.1.0-9-amd64", "6.1", "ok", 3, errors=["a.c:1: warning: x"]),
        Row("trixie", None, None, "no chroot", errors=["cannot make the trixie chroot"]),
    ]


def test_a_row_is_clean_only_when_built_without_warnings_and_no_guest_failed():
    clean, warned, missing = _rows()
    assert clean.ok and not warned.ok and not missing.ok
    clean.guests["double"] = "fail (4 passed, 1 failed, 2 skipped)"
    assert not clean.ok


def test_the_table_has_one_line_per_kernel_with_its_release_build_warnings_and_guests():
    text = kmatrix.table(_rows(), guests_asked=False)
    head, *lines = text.splitlines()
    assert head.split() == ["line", "release", "from", "build", "W=1", "netmap", "guests"]
    assert len(lines) == 3
    assert lines[0].split()[:5] == ["7.2", "7.2.9+deb14-amd64", "forky", "ok", "0"]
    assert lines[1].split()[:5] == ["6.1", "6.1.0-9-amd64", "host", "ok", "3"]
    assert "no chroot" in lines[2] and lines[2].endswith("not run")


def test_json_carries_every_row_and_its_verdict():
    rows = json.loads(kmatrix.to_json(_rows()))
    assert [(r["name"], r["warnings"], r["ok"]) for r in rows] == [
        ("forky", 0, True),
        ("host", 3, False),
        ("trixie", None, False),
    ]


def test_guest_environment_boots_the_chroots_kernel_with_the_builds_modules(tmp_path):
    kernel = kernels.Kernel("7.3.1+deb13-amd64", tmp_path / "h", tmp_path / "vmlinuz")
    target = kmatrix.Target(tmp_path, kernel)
    base = {"PATH": "/bin", "NSRC": "/elsewhere", "MS_GUEST_ROOT": "/old"}
    env = kmatrix.guest_environment(target, "double", None, base)
    assert env["MS_GUEST_KREL"] == kernel.release
    assert env["MS_GUEST_ROOT"] == str(tmp_path)
    assert "NSRC" not in env and env["PATH"] == "/bin"
    assert env["NETMAP_KO"].endswith(f"netmap_double/{kernel.release}/netmap.ko")
    assert env["MULTISTACK_KO"] == str(
        kmatrix.module_out(kernel.release, "double") / "multistack.ko"
    )
    real = kmatrix.NetmapBuild(Path("/n"), Path("/nb"), kernel.release)
    env = kmatrix.guest_environment(kmatrix.Target(Path("/"), kernel), "netmap", real, base)
    assert (env["NSRC"], env["NBUILD"]) == ("/n", "/nb")
    assert "MS_GUEST_ROOT" not in env and "NETMAP_KO" not in env


def test_unknown_lines_and_malformed_netmap_builds_are_refused():
    with pytest.raises(BuildError, match="unknown line"):
        kmatrix.parse_args(["--only", "buster"])
    with pytest.raises(BuildError, match="NSRC:NBUILD"):
        kmatrix.parse_args(["--netmap", "/only-a-source"])
