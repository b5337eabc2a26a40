"""`nox -s dist`: a reproducible release tarball from a clean clone of the current commit."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from buildsys.dist import EXCLUDED_PREFIXES
from buildsys.meta import read_meta

REPO = Path(__file__).resolve().parents[2]

GENERATED = (
    "dkms.conf",
    "kernel/linux/Kbuild",
    "kernel/freebsd/Makefile",
    "kernel/freebsd/opt_sctp.h",
    "packaging/dkms/build-module.sh",
    "packaging/freebsd-port/Makefile",
    "packaging/freebsd-port/pkg-plist",
)


def nox_dist(repo: Path, out: Path, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    """Run the real session, from this work tree's noxfile, on `repo`."""
    command = [sys.executable, "-m", "nox", "-f", str(REPO / "noxfile.py"), "-s", "dist"]
    return subprocess.run(
        [*command, "--", "--repo", str(repo), "--out", str(out)],
        capture_output=True,
        text=True,
        umask=umask,
        cwd=REPO,  # the noxfile imports buildsys as ./dev installed it (pip install -e .)
    )


def clone(tmp: Path, name: str) -> Path:
    target = tmp / name
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(target)], check=True)
    return target


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(clone, out dir) after one `nox -s dist` of a clean clone of HEAD."""
    tmp = tmp_path_factory.mktemp("dist")
    repo = clone(tmp, "repo")
    result = nox_dist(repo, tmp / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    return repo, tmp / "out"


def tarball_of(out: Path, repo: Path) -> Path:
    meta = read_meta(repo / "META")
    return out / f"{meta.name}-{meta.version}.tar.gz"


def commit_time(repo: Path) -> int:
    log = subprocess.run(
        ["git", "-C", str(repo), "log", "-1", "--format=%ct"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(log.stdout)


def test_two_runs_give_the_same_sha256(release: tuple[Path, Path], tmp_path: Path) -> None:
    repo, out = release
    # A second clone made later, under another umask, with every file's mtime moved: only
    # the commit may decide the bytes.
    other = clone(tmp_path, "other")
    for path in other.rglob("*"):
        if ".git" not in path.parts:
            os.utime(path, (1, 1), follow_symlinks=False)
    second = nox_dist(other, tmp_path / "out", umask=0o077)
    assert second.returncode == 0, second.stdout + second.stderr
    first_sum = (out / (tarball_of(out, repo).name + ".sha256")).read_text()
    second_sum = (tmp_path / "out" / (tarball_of(out, repo).name + ".sha256")).read_text()
    assert first_sum == second_sum
    assert tarball_of(out, repo).read_bytes() == tarball_of(tmp_path / "out", other).read_bytes()


def test_sha256_file_checks_with_sha256sum(release: tuple[Path, Path]) -> None:
    repo, out = release
    tarball = tarball_of(out, repo)
    line = (out / f"{tarball.name}.sha256").read_text()
    assert line == f"{hashlib.sha256(tarball.read_bytes()).hexdigest()}  {tarball.name}\n"
    subprocess.run(
        ["sha256sum", "--check", "--strict", f"{tarball.name}.sha256"], cwd=out, check=True
    )


def test_gzip_header_has_no_name_or_time(release: tuple[Path, Path]) -> None:
    header = tarball_of(*reversed(release)).read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08"
    assert header[3] & 0x08 == 0, "FNAME flag set: the gzip header holds a file name"
    assert header[4:8] == b"\0\0\0\0", "the gzip header holds a time"


def test_entries_are_sorted_and_normalised(release: tuple[Path, Path]) -> None:
    repo, out = release
    meta = read_meta(repo / "META")
    epoch = commit_time(repo)
    with tarfile.open(tarball_of(out, repo)) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert names[0] == f"{meta.name}-{meta.version}"
    assert all(name.startswith(f"{meta.name}-{meta.version}/") for name in names[1:])
    for member in members:
        assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, "", ""), member.name
        assert member.mtime == epoch, member.name
        if member.isdir():
            assert member.mode == 0o755, member.name
        else:
            assert member.isfile(), f"{member.name}: only files and directories expected"
            assert member.mode in (0o644, 0o755), member.name


def test_holds_the_commit_and_the_generated_files_but_not_the_double(
    release: tuple[Path, Path],
) -> None:
    repo, out = release
    meta = read_meta(repo / "META")
    prefix = f"{meta.name}-{meta.version}/"
    tracked = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, text=True, check=True
    ).stdout.split("\0")
    expected = {p for p in tracked if p and not p.startswith(EXCLUDED_PREFIXES)}
    with tarfile.open(tarball_of(out, repo)) as tar:
        files = {
            m.name.removeprefix(prefix): tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }
    assert not [name for name in files if name.startswith("tests/netmap_double/")]
    for path in expected:
        assert files.get(path) == (repo / path).read_bytes(), f"{path} differs or is missing"
    generated = set(files) - expected
    assert set(GENERATED) <= generated
    assert not [name for name in generated if "__pycache__" in name]
    assert b"BUILD_EXCLUSIVE_KERNEL=" in files["dkms.conf"]


def test_build_script_is_executable_in_the_tarball(release: tuple[Path, Path]) -> None:
    repo, out = release
    meta = read_meta(repo / "META")
    with tarfile.open(tarball_of(out, repo)) as tar:
        member = tar.getmember(f"{meta.name}-{meta.version}/packaging/dkms/build-module.sh")
    assert member.mode == 0o755


def test_freebsd_distinfo_beside_the_tarball(release: tuple[Path, Path]) -> None:
    repo, out = release
    tarball = tarball_of(out, repo)
    distinfo = (out / tarball.name.replace(".tar.gz", ".distinfo")).read_text().splitlines()
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    assert distinfo == [
        f"TIMESTAMP = {commit_time(repo)}",
        f"SHA256 ({tarball.name}) = {digest}",
        f"SIZE ({tarball.name}) = {tarball.stat().st_size}",
    ]


def test_dirty_tree_is_refused_naming_the_files(tmp_path: Path) -> None:
    repo = clone(tmp_path, "dirty")
    with (repo / "META").open("a") as meta:
        meta.write("# local edit\n")
    (repo / "stray file.txt").write_text("not committed\n")
    result = nox_dist(repo, tmp_path / "out")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "refusing to build a release from a dirty tree" in output
    assert "META" in output and "stray file.txt" in output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def read_manifest(path: Path) -> tuple[set[str], set[str], set[str], set[str]]:
    """(top-level files, directories, generated files, excluded directories) of the manifest."""
    top, directories, generated, excluded = set(), set(), set(), set()
    for line in path.read_text().splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry.startswith("+"):
            generated.add(entry[1:])
        elif entry.startswith("-"):
            excluded.add(entry[1:])
        elif entry.endswith("/"):
            directories.add(entry)
        else:
            top.add(entry)
    return top, directories, generated, excluded


def test_tarball_holds_exactly_the_manifest(release: tuple[Path, Path]) -> None:
    repo, out = release
    meta = read_meta(repo / "META")
    top, directories, generated, excluded = read_manifest(repo / "packaging/MANIFEST")
    assert excluded == set(EXCLUDED_PREFIXES)
    assert not [path for path in top if "/" in path], "files below the top go by directory"
    tracked = [
        p
        for p in subprocess.run(
            ["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, text=True, check=True
        ).stdout.split("\0")
        if p
    ]
    # A new top-level file or directory must be added to the manifest (or excluded) on purpose.
    unlisted = [
        p for p in tracked if p not in top and not p.startswith(tuple(directories | excluded))
    ]
    assert unlisted == []
    expected = {p for p in tracked if not p.startswith(tuple(excluded))} | generated
    prefix = f"{meta.name}-{meta.version}/"
    with tarfile.open(tarball_of(out, repo)) as tar:
        files = {m.name.removeprefix(prefix) for m in tar.getmembers() if not m.isdir()}
    assert sorted(files - expected) == [], "in the tarball but not in packaging/MANIFEST"
    assert sorted(expected - files) == [], "in packaging/MANIFEST but not in the tarball"
    assert set(GENERATED) == generated
