"""Reader of META, the one file that holds the release version and supported kernel ranges.

META is `key = value` lines; `#` starts a comment line. Every generator (Kbuild, dkms.conf,
the Debian and FreeBSD packaging) reads it through `read_meta` so that they cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from buildsys.errors import BuildError
from buildsys.paths import ROOT

META_PATH = ROOT / "META"

_KEY_LINE = re.compile(r"^([a-z_][a-z0-9_]*)\s*=\s*(.*?)\s*$")
_RELEASE = re.compile(r"^[0-9]+\.[0-9]+$")
_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class Meta:
    """The release metadata. Kernel bounds are inclusive `MAJOR.MINOR` strings."""

    name: str
    version: str
    netmap_api: int
    linux_min: str
    linux_max: str
    freebsd_min: str
    freebsd_max: str
    license: str


def release_tuple(release: str) -> tuple[int, int]:
    """`"6.12"` -> `(6, 12)`, for comparing kernel bounds numerically."""
    major, minor = release.split(".")
    return int(major), int(minor)


def parse_meta(text: str, source: str = "META") -> Meta:
    """Parse the text of a META file; `source` names it in error messages."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _KEY_LINE.match(stripped)
        if match is None:
            raise BuildError(f"{source}:{number}: expected `key = value`, got {line!r}")
        key, value = match.groups()
        if key in values:
            raise BuildError(f"{source}:{number}: {key} is set twice")
        values[key] = value

    def need(key: str, pattern: re.Pattern[str]) -> str:
        if key not in values:
            raise BuildError(f"{source}: missing {key}")
        if not pattern.match(values[key]):
            raise BuildError(f"{source}: {key} = {values[key]!r} does not match {pattern.pattern}")
        return values[key]

    meta = Meta(
        name=need("name", _NAME),
        version=need("version", _VERSION),
        netmap_api=int(need("netmap_api", re.compile(r"^[0-9]+$"))),
        linux_min=need("linux_min", _RELEASE),
        linux_max=need("linux_max", _RELEASE),
        freebsd_min=need("freebsd_min", _RELEASE),
        freebsd_max=need("freebsd_max", _RELEASE),
        license=need("license", re.compile(r"^\S+$")),
    )
    for low, high in (("linux_min", "linux_max"), ("freebsd_min", "freebsd_max")):
        if release_tuple(getattr(meta, low)) > release_tuple(getattr(meta, high)):
            raise BuildError(f"{source}: {low} is above {high}")
    return meta


def read_meta(path: Path = META_PATH) -> Meta:
    """Read and check a META file (by default the one at the top of this repository)."""
    return parse_meta(path.read_text(encoding="utf-8"), source=str(path))
