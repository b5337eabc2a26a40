"""Where the guest's pieces come from: qemu, Debian's kernel, and the modules under test.

Every path can be overridden from the environment, so the same scenarios run
against the netmap test double in CI and against a real netmap build:

    MS_GUEST_KREL   kernel release to boot (default: the one the modules under test were
                    built for, from their vermagic; else the kernel buildsys.kernels picks
                    among those with an image and modules)
    MS_GUEST_ROOT   a chroot (buildsys.chroots) whose kernel image and modules are booted, for
                    kernels the host does not run; default / (the host's own)
    MULTISTACK_KO   default out/linux/<release>/multistack.ko
    NSRC, NBUILD    a netmap source tree and its build directory (NBUILD defaults to NSRC/LINUX)
    NETMAP_KO       default NBUILD/netmap.ko when NSRC or NBUILD is set, else the test double
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from buildsys import kernels

REPO = Path(__file__).resolve().parents[3]
BUILD_DIR = REPO / "build" / "guest"
GUEST_DIR = REPO / "tests" / "guest"


def _bootable(release: str, root: Path) -> bool:
    kernel = kernels.find(release, root)
    return kernel is not None and kernel.image is not None and kernel.modules is not None


def module_release(ko: Path) -> str | None:
    """The kernel release a module was built for (its vermagic), or None."""
    try:
        data = ko.read_bytes()
    except OSError:
        return None
    start = data.find(b"vermagic=")
    if start < 0:
        return None
    end = data.find(b"\0", start)
    return data[start + len(b"vermagic=") : end].decode(errors="replace").split(" ")[0] or None


def _pick_release(nbuild: Path | None, root: Path) -> str | None:
    """The release the modules under test were built for, else the newest bootable one."""
    candidates = [os.environ.get("MULTISTACK_KO"), os.environ.get("NETMAP_KO")]
    if nbuild is not None:
        candidates.append(str(nbuild / "netmap.ko"))
    built = (REPO / "out" / "linux").glob("*/multistack.ko")
    candidates += sorted(
        map(str, built), key=lambda ko: kernels.release_sort_key(Path(ko).parent.name), reverse=True
    )
    for ko in filter(None, candidates):
        release = module_release(Path(ko))
        if release is not None and _bootable(release, root):
            return release
    kernel = kernels.default_kernel(need_image=True, need_modules=True, root=root)
    return kernel.release if kernel else None


@dataclass(frozen=True)
class NetmapBuild:
    """A real upstream netmap: its sources (for headers) and its build directory."""

    src: Path
    build: Path

    @property
    def module(self) -> Path:
        return self.build / "netmap.ko"

    @property
    def vale_ctl(self) -> Path:
        return self.build / "build-apps" / "vale-ctl" / "vale-ctl"

    @property
    def includes(self) -> list[Path]:
        return [self.src / "sys", self.src / "libnetmap"]

    @property
    def libnetmap(self) -> Path:
        return self.build / "build-libnetmap" / "libnetmap.a"


@dataclass(frozen=True)
class GuestEnv:
    """Everything a boot needs, resolved once per test session."""

    qemu: Path | None
    release: str | None
    netmap: NetmapBuild | None
    root: Path = Path("/")  # where the kernel's image and modules are installed

    @classmethod
    def from_environ(cls) -> GuestEnv:
        qemu = shutil.which("qemu-system-x86_64")
        nsrc = os.environ.get("NSRC")
        nbuild = os.environ.get("NBUILD")
        netmap = None
        if nsrc or nbuild:
            src = Path(nsrc) if nsrc else Path(nbuild or "").parent
            build = Path(nbuild) if nbuild else src / "LINUX"
            netmap = NetmapBuild(src=src, build=build)
        root = Path(os.environ.get("MS_GUEST_ROOT") or "/")
        release = os.environ.get("MS_GUEST_KREL") or _pick_release(
            netmap.build if netmap else None, root
        )
        return cls(qemu=Path(qemu) if qemu else None, release=release, netmap=netmap, root=root)

    @property
    def kernel(self) -> kernels.Kernel:
        found = kernels.find(str(self.release), self.root)
        return found or kernels.Kernel(str(self.release), None, None)

    @property
    def kernel_image(self) -> Path | None:
        return self.kernel.image

    @property
    def modules_dir(self) -> Path | None:
        return self.kernel.modules

    def boot_skip_reason(self) -> str | None:
        """Why no guest can boot here, or None."""
        if self.qemu is None:
            return "qemu-system-x86_64 is not installed"
        if self.release is None:
            return f"no kernel under {self.root} has both an image and modules (linux-image-amd64)"
        if self.kernel_image is None:
            return f"kernel {self.release} has no image installed (linux-image-{self.release})"
        if self.modules_dir is None:
            return f"kernel {self.release} has no modules.dep installed"
        return None

    @property
    def multistack_ko(self) -> Path:
        env = os.environ.get("MULTISTACK_KO")
        return Path(env) if env else REPO / "out" / "linux" / str(self.release) / "multistack.ko"

    @property
    def netmap_ko(self) -> Path:
        env = os.environ.get("NETMAP_KO")
        if env:
            return Path(env)
        if self.netmap is not None:
            return self.netmap.module
        return REPO / "build" / "netmap_double" / str(self.release) / "netmap.ko"

    @property
    def churn(self) -> tuple[int, int] | None:
        """MS_CHURN_CYCLES and MS_CHURN_BINDS for the churn scenario, or None for its defaults.

        Each of the two churners runs CYCLES port cycles of BINDS BIND/UNBIND pairs (and one more
        BIND every other cycle): 2 * CYCLES * BINDS + CYCLES BINDs in all.
        """
        cycles = os.environ.get("MS_CHURN_CYCLES")
        binds = os.environ.get("MS_CHURN_BINDS")
        if cycles is None and binds is None:
            return None
        if not (cycles and binds and cycles.isdigit() and binds.isdigit()):
            raise ValueError("MS_CHURN_CYCLES and MS_CHURN_BINDS go together, as whole numbers")
        return int(cycles), int(binds)

    @property
    def backend(self) -> str:
        """ "netmap" for a real netmap build, "double" for the test double."""
        return "netmap" if self.netmap is not None else "double"

    def modules_skip_reason(self) -> str | None:
        """Why the module scenarios cannot run, or None."""
        for ko, what in ((self.netmap_ko, "netmap module"), (self.multistack_ko, "multistack")):
            if not ko.is_file():
                return f"{what} {ko} is not built (set MULTISTACK_KO/NETMAP_KO or NSRC/NBUILD)"
        return None

    def real_netmap_skip_reason(self) -> str | None:
        """Why the real-netmap scenarios cannot run, or None."""
        if self.netmap is None:
            return "NSRC/NBUILD do not point at a built netmap"
        for path in (self.netmap.module, self.netmap.vale_ctl):
            if not path.is_file():
                return f"{path} is missing: build netmap in NBUILD={self.netmap.build}"
        return None
