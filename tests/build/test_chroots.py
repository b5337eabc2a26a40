"""buildsys/chroots.py: what each chroot is made from, when a cached one is reused, and that a
command run in one sees the chroot's files and the host directories it was given."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from buildsys import chroots


def test_every_line_the_host_lacks_has_a_recipe_with_headers_image_and_make():
    assert set(chroots.RECIPES) == {"bullseye", "trixie", "trixie-backports", "forky"}
    for recipe in chroots.RECIPES.values():
        packages = recipe.packages()
        assert {"make", "binutils", "perl"} <= set(packages)
        assert any(p.startswith("linux-headers-amd64") for p in packages)
        assert any(p.startswith("linux-image-amd64") for p in packages)


def test_backports_kernel_is_taken_from_backports_on_top_of_its_base_suite():
    command = chroots.RECIPES["trixie-backports"].command(Path("/x"), "http://m", "http://s")
    kernel = "linux-headers-amd64/trixie-backports,linux-image-amd64/trixie-backports"
    assert f"--include=make,binutils,perl,{kernel}" in command
    suite_at = command.index("trixie")
    assert command[suite_at + 1] == "/x"
    assert command[suite_at + 2 :] == [
        "deb http://m trixie main",
        "deb http://m trixie-backports main",
        "deb http://s trixie-security main",
    ]


def test_only_testing_turns_off_the_release_files_expiry_check():
    check_off = '--aptopt=Acquire::Check-Valid-Until "false"'
    for name, recipe in chroots.RECIPES.items():
        command = recipe.command(Path("/x"), "http://m", "http://s")
        assert (check_off in command) == (name == "forky"), name


def _fake_chroot(cache: Path, recipe: chroots.Recipe, environ: dict[str, str]) -> Path:
    root = cache / recipe.name
    root.mkdir(parents=True)
    mirrors = (chroots.DEFAULT_MIRROR, chroots.DEFAULT_SECURITY_MIRROR)
    (root / chroots.STAMP).write_text(chroots._stamp(recipe, *mirrors))
    return root


def test_a_cached_chroot_is_reused_only_if_made_from_the_same_recipe(tmp_path):
    environ = {"MS_CHROOT_CACHE": str(tmp_path)}
    recipe = chroots.RECIPES["trixie-backports"]
    assert chroots.cached(recipe, environ) is None
    root = _fake_chroot(tmp_path, recipe, environ)
    assert chroots.cached(recipe, environ) == root
    done = chroots.ensure(recipe, environ=environ)
    assert (done.root, done.made) == (root, False)
    # Another mirror, or a changed recipe, means another chroot.
    assert chroots.cached(recipe, {**environ, "MS_DEBIAN_MIRROR": "http://other"}) is None
    changed = chroots.Recipe("trixie-backports", "trixie")
    assert chroots.cached(changed, environ) is None


def test_an_incomplete_chroot_is_not_reused(tmp_path):
    environ = {"MS_CHROOT_CACHE": str(tmp_path)}
    (tmp_path / "forky" / "usr").mkdir(parents=True)  # no recipe stamp: mmdebstrap stopped
    assert chroots.cached(chroots.RECIPES["forky"], environ) is None


def test_inside_names_a_host_path_as_the_chroot_sees_it(tmp_path):
    root = tmp_path / "root"
    assert chroots.inside(root, root / "usr/src/linux-headers-x") == Path(
        "/usr/src/linux-headers-x"
    )
    with pytest.raises(ValueError):
        chroots.inside(root, tmp_path / "elsewhere")


def test_a_command_sees_the_chroot_as_root_and_the_bound_host_directory(tmp_path):
    reason = chroots.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    # The smallest chroot: a static busybox as /bin/sh.
    root = tmp_path / "root"
    for directory in ("bin", "dev", "proc", "tmp"):
        (root / directory).mkdir(parents=True)
    busybox = Path("/bin/busybox")
    if not busybox.is_file():
        pytest.skip("busybox is not installed (Debian: busybox-static)")
    (root / "bin" / "busybox").write_bytes(busybox.read_bytes())
    (root / "bin" / "busybox").chmod(0o755)
    (root / "marker").write_text("in the chroot\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "from-host").write_text("from the host\n")
    script = f"cat /marker {shared}/from-host && echo made > {shared}/from-chroot"
    argv = chroots.command(root, ["/bin/busybox", "sh", "-c", script], [shared])
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "in the chroot\nfrom the host\n"
    assert (shared / "from-chroot").read_text() == "made\n"
    # The chroot itself stays read-only.
    argv = chroots.command(root, ["/bin/busybox", "sh", "-c", "echo x > /marker"])
    assert subprocess.run(argv, capture_output=True, check=False).returncode != 0
    assert (root / "marker").read_text() == "in the chroot\n"
