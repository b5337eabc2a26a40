"""Debian chroots holding kernel lines this machine does not run, and running commands in them.

A module built for a kernel must be compiled by that kernel's own compiler (forky's kernel by
gcc-16, bullseye's by gcc-10), so each line that the host cannot install gets a minimal chroot
made by `mmdebstrap` with the line's headers, image and modules and the compiler they depend on.
Chroots are cached outside the repository (MS_CHROOT_CACHE, default
/var/cache/multistack/chroots/<name>) and reused: a chroot is made once, atomically (it appears
under its name only when complete), and made again only when its recipe changes or on refresh.

Commands run in a chroot with bubblewrap: the chroot read-only as /, a fresh /tmp, and the host
directories a build needs bound at the same paths, so paths mean the same inside and out.

    python3 -m buildsys.chroots [--refresh] [NAME...]    # make (or reuse) chroots, print roots
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from buildsys import commands
from buildsys.errors import BuildError

DEFAULT_CACHE = Path("/var/cache/multistack/chroots")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEFAULT_SECURITY_MIRROR = "http://security.debian.org/debian-security"
# What an external module build needs besides the headers, which bring their own compiler
# (linux-compiler-gcc-N) and kbuild tools: make; binutils for the plain `as` and `ld` that gcc
# runs (without them Kbuild's compiler probes fail and the build warns or stops); perl with its
# modules, which W=1 runs kernel-doc with on 6.x.
BUILD_PACKAGES = ("make", "binutils", "perl")
KERNEL_PACKAGES = ("linux-headers-amd64", "linux-image-amd64")
STAMP = ".multistack-recipe.json"


@dataclass(frozen=True)
class Recipe:
    """How to make one chroot: its Debian suite, extra apt suites, where the kernel comes from."""

    name: str  # the cache directory's name, and the label of the line it carries
    suite: str
    extra_suites: tuple[str, ...] = ()
    security: bool = False  # add <suite>-security (kernel fixes of a stable release land there)
    kernel_from: str | None = None  # take the kernel packages from this suite (backports)
    # Suites whose Release files carry a Valid-Until date that mirrors let lapse (testing)
    # are read with that check off.
    check_valid_until: bool = True
    kernel_image: bool = True  # False: headers only (nothing boots or loads in the chroot)
    extra_packages: tuple[str, ...] = ()
    # Shell commands mmdebstrap runs once the packages are in, with the chroot's root as "$1".
    customize: tuple[str, ...] = ()

    def sources(self, mirror: str, security_mirror: str) -> list[str]:
        lines = [f"deb {mirror} {s} main" for s in (self.suite, *self.extra_suites)]
        if self.security:
            lines.append(f"deb {security_mirror} {self.suite}-security main")
        return lines

    def packages(self) -> list[str]:
        suffix = f"/{self.kernel_from}" if self.kernel_from else ""
        kernel = KERNEL_PACKAGES if self.kernel_image else KERNEL_PACKAGES[:1]
        return [*BUILD_PACKAGES, *(f"{p}{suffix}" for p in kernel), *self.extra_packages]

    def command(self, target: Path, mirror: str, security_mirror: str) -> list[str]:
        cmd = ["mmdebstrap", "--variant=minbase", f"--include={','.join(self.packages())}"]
        if not self.check_valid_until:
            cmd.append('--aptopt=Acquire::Check-Valid-Until "false"')
        cmd += [f"--customize-hook={hook}" for hook in self.customize]
        return [*cmd, self.suite, str(target), *self.sources(mirror, security_mirror)]


# The kernel lines bookworm cannot install itself (its own 6.1 is the host's).
RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe("bullseye", "bullseye", security=True),
        Recipe("trixie", "trixie", security=True),
        Recipe(
            "trixie-backports",
            "trixie",
            extra_suites=("trixie-backports",),
            security=True,
            kernel_from="trixie-backports",
        ),
        Recipe("forky", "forky", check_valid_until=False),
    )
}


# Where the install test chroot keeps the packages of a newer kernel's headers, downloaded when
# the chroot is made and installed by the test (offline) to play a kernel upgrade.
NEXT_KERNEL_DEBS = Path("/var/cache/multistack-next-kernel")

# For the Debian packages' install and removal tests (tests/build/test_debian_install.py): the
# host's release with dkms and its kernel's headers, plus the headers of bookworm-backports'
# newer kernel as .debs, not installed.
INSTALL_TEST = Recipe(
    "bookworm-dkms",
    "bookworm",
    extra_suites=("bookworm-backports",),
    security=True,
    kernel_image=False,
    # python3 and libpcap0.8: what multistack-tools depends on, so dpkg -i installs it offline.
    extra_packages=("dkms", "python3", "libpcap0.8"),
    customize=(
        'chroot "$1" apt-get clean',
        'chroot "$1" apt-get install --download-only --yes --no-install-recommends '
        "linux-headers-amd64/bookworm-backports",
        f'mkdir "$1{NEXT_KERNEL_DEBS}"',
        f'mv "$1"/var/cache/apt/archives/*.deb "$1{NEXT_KERNEL_DEBS}"',
    ),
)


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    return Path(environ.get("MS_CHROOT_CACHE") or DEFAULT_CACHE)


def _mirrors(environ: Mapping[str, str]) -> tuple[str, str]:
    return (
        environ.get("MS_DEBIAN_MIRROR") or DEFAULT_MIRROR,
        environ.get("MS_DEBIAN_SECURITY_MIRROR") or DEFAULT_SECURITY_MIRROR,
    )


def _stamp(recipe: Recipe, mirror: str, security_mirror: str) -> str:
    """The recipe as the chroot records it: a cached chroot is reused only if this matches."""
    # Fields left at their defaults are not recorded: adding a field keeps cached chroots valid.
    defaults = asdict(Recipe(recipe.name, recipe.suite))
    fields = {k: v for k, v in asdict(recipe).items() if k in ("name", "suite") or v != defaults[k]}
    stamp = {"recipe": fields, "sources": recipe.sources(mirror, security_mirror)}
    return json.dumps(stamp, indent=1, sort_keys=True) + "\n"


def cached(recipe: Recipe, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The chroot's root if a complete one made from this recipe is cached, else None."""
    root = cache_dir(environ) / recipe.name
    try:
        stamp = (root / STAMP).read_text(encoding="utf-8")
    except OSError:
        return None
    return root if stamp == _stamp(recipe, *_mirrors(environ)) else None


def unavailable_reason() -> str | None:
    """Why this machine cannot make chroots, or None."""
    if os.geteuid() != 0:
        return "making and entering chroots needs root (mmdebstrap's root mode, bubblewrap)"
    for tool, package in (("mmdebstrap", "mmdebstrap"), ("bwrap", "bubblewrap")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian package {package}; ./dev installs it)"
    return None


def _remove(tree: Path) -> None:
    """rm -rf `tree`, unless something is mounted below it (a host /dev/shm, say, left by a
    killed mmdebstrap of an older version): then refuse, rather than empty the host's."""
    if not tree.exists():
        return
    prefix = f"{tree.resolve()}/"
    with open("/proc/self/mountinfo", encoding="utf-8") as mountinfo:
        mounted = [m.split()[4] for m in mountinfo if m.split()[4].startswith(prefix)]
    if mounted:
        raise BuildError(f"{tree} has mounts below it ({', '.join(mounted)}): unmount them first")
    shutil.rmtree(tree)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on `path`: one process makes a given chroot at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@dataclass(frozen=True)
class Ensured:
    root: Path
    made: bool  # False: reused from the cache
    seconds: float


def ensure(
    recipe: Recipe, refresh: bool = False, environ: Mapping[str, str] = os.environ
) -> Ensured:
    """The chroot for `recipe`, made first if it is not cached (or `refresh` asks for a new one)."""
    start = time.monotonic()
    cache = cache_dir(environ)
    with _locked(cache / f".{recipe.name}.lock"):
        root = cached(recipe, environ)
        if root is not None and not refresh:
            return Ensured(root, made=False, seconds=time.monotonic() - start)
        reason = unavailable_reason()
        if reason is not None:
            raise BuildError(f"cannot make the {recipe.name} chroot: {reason}")
        mirror, security_mirror = _mirrors(environ)
        final, fresh, old = (cache / f"{recipe.name}{s}" for s in ("", ".new", ".old"))
        for leftover in (fresh, old):
            _remove(leftover)
        # mmdebstrap's root mode mounts /proc, /sys and /dev/shm into the chroot while it
        # works; in a mount namespace of its own they vanish with it, even if it is killed.
        unshared = ["unshare", "--mount", "--propagation", "private", "--"]
        proc = commands.run(
            [*unshared, *recipe.command(fresh, mirror, security_mirror)],
            output=commands.Output.MERGE,
            check=False,
        )
        if proc.returncode != 0:
            _remove(fresh)
            tail = "\n".join(proc.stdout.splitlines()[-20:])
            raise BuildError(f"mmdebstrap could not make the {recipe.name} chroot:\n{tail}")
        (fresh / STAMP).write_text(_stamp(recipe, mirror, security_mirror), encoding="utf-8")
        if final.exists():
            final.rename(old)
        fresh.rename(final)
        _remove(old)
        return Ensured(final, made=True, seconds=time.monotonic() - start)


def inside(root: Path, path: Path) -> Path:
    """`path`, a host path below the chroot `root`, as seen from inside the chroot."""
    return Path("/") / path.relative_to(root)


def command(
    root: Path, argv: Sequence[str], binds: Sequence[Path] = (), overlay: Path | None = None
) -> list[str]:
    """argv run in the chroot `root`, with the host directories `binds` at the same paths.

    The chroot is read-only, so a build cannot change the cached copy; mount points for the
    binds are made in it first (bubblewrap cannot make them on a read-only root), except under
    /tmp, which is a fresh tmpfs.

    With `overlay` (a host directory, empty at first, not on an overlay file system), the
    chroot is writable instead: an overlay mount, in a mount namespace of the command's own
    (it vanishes with the command), puts every change in `overlay`/upper, which later commands
    given the same directory see again; the cached copy stays as made.
    """
    cmd = ["bwrap"]
    if overlay is None:
        cmd += ["--ro-bind", str(root), "/"]
    else:
        merged = overlay / "merged"
        cmd += ["--bind", str(merged), "/"]
    cmd += ["--dev", "/dev", "--proc", "/proc"]
    cmd += ["--tmpfs", "/tmp", "--die-with-parent", "--chdir", "/", "--clearenv"]
    cmd += ["--setenv", "PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "--setenv", "HOME", "/tmp"]
    cmd += ["--setenv", "LC_ALL", "C.UTF-8"]
    for bind in dict.fromkeys(p.resolve() for p in binds):
        if overlay is None and not bind.is_relative_to("/tmp"):
            (root / bind.relative_to("/")).mkdir(parents=True, exist_ok=True)
        cmd += ["--bind", str(bind), str(bind)]
    if overlay is None:
        return [*cmd, *argv]
    layers = [overlay / name for name in ("upper", "work", "merged")]
    for layer in layers:
        layer.mkdir(parents=True, exist_ok=True)
    mount = 'mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" && shift 4'
    unshared = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c"]
    mounting = [*unshared, f'{mount} && exec "$@"', "sh", str(root), *map(str, layers)]
    return [*mounting, *cmd, *argv]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"chroots to make (default all: {list(RECIPES)})")
    parser.add_argument("--refresh", action="store_true", help="make them again from scratch")
    args = parser.parse_args(argv)
    known = {**RECIPES, INSTALL_TEST.name: INSTALL_TEST}
    for name in args.names or list(RECIPES):
        if name not in known:
            parser.error(f"unknown chroot {name!r}; known: {', '.join(known)}")
        done = ensure(known[name], refresh=args.refresh)
        how = "made" if done.made else "cached"
        print(f"{name}: {done.root} ({how}, {done.seconds:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
