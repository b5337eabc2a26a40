"""`nox -s release-check`: the tarball alone must build and pass the unit tests.

Each case commits to a throwaway clone (never to the work tree's branch), makes its tarball
with `nox -s dist`, and runs the check on it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from buildsys import kernels
from buildsys.meta import read_meta

REPO = Path(__file__).resolve().parents[2]
# The kernel the session picks by itself; naming it checks that `--kernel` is honoured.
_KERNEL = kernels.default_kernel(need_headers=True)

for tool in ("meson", "ninja", "make"):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed", allow_module_level=True)
if _KERNEL is None:
    pytest.skip(
        "no kernel headers are installed (apt-get install linux-headers-amd64)",
        allow_module_level=True,
    )
KERNEL = _KERNEL.release
if not (REPO / "meson.build").is_file():
    pytest.skip("no top-level meson.build yet: nothing to check", allow_module_level=True)


def nox(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(REPO / "noxfile.py"), *args],
        capture_output=True,
        text=True,
        cwd=REPO,  # the noxfile imports buildsys as ./dev installed it (pip install -e .)
    )


def release_check_of(clone: Path, out: Path) -> subprocess.CompletedProcess[str]:
    dist = nox("-s", "dist", "--", "--repo", str(clone), "--out", str(out))
    assert dist.returncode == 0, dist.stdout + dist.stderr
    meta = read_meta(clone / "META")
    return nox(
        "-s",
        "release-check",
        "--",
        "--repo",
        str(clone),
        "--tarball",
        str(out / f"{meta.name}-{meta.version}.tar.gz"),
        "--kernel",
        KERNEL,
        "--netmap-double",
        str(clone / "tests/netmap_double"),
    )


def clone_without(tmp: Path, removed: str | None) -> Path:
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    if removed is not None:
        assert (clone / removed).is_file(), f"{removed} is not in HEAD: pick another file"
        git = ["git", "-C", str(clone)]
        subprocess.run([*git, "rm", "--quiet", removed], check=True)
        identity = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@invalid"}
        identity |= {"GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@invalid"}
        subprocess.run(
            [*git, "commit", "--quiet", "-m", f"drop {removed}"],
            check=True,
            env={**os.environ, **identity},
        )
    return clone


def test_release_check_passes_on_the_real_tarball(tmp_path: Path) -> None:
    result = release_check_of(clone_without(tmp_path, None), tmp_path / "out")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "builds and passes its unit tests (multistack.ko built)" in result.stderr


@pytest.mark.parametrize(
    ("removed", "failing_step"),
    [
        # Needed by both builds; the userspace build stops first.
        ("common/include/multistack/ms_core.h", "build the userspace core"),
        # Needed only by the kernel module: the userspace steps pass, the module build fails.
        ("kernel/linux/ms_linux.h", "build the Linux module"),
    ],
)
def test_release_check_fails_when_a_needed_file_is_missing(
    tmp_path: Path, removed: str, failing_step: str
) -> None:
    result = release_check_of(clone_without(tmp_path, removed), tmp_path / "out")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-4000:]
    assert f"release check failed: {failing_step}" in output, output[-4000:]
    assert Path(removed).name in output, "the build output should name the missing file"
