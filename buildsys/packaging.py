"""Render the packaging templates under packaging/ from META.

Every `packaging/**/NAME.j2` becomes `packaging/**/NAME` beside it, except
`packaging/dkms.conf.j2`, which becomes `dkms.conf` at the top of the tree because DKMS looks
for it there. `nox -s dist` runs this in the clean clone it tars, so the release tarball holds
the rendered files and packagers never need Python or jinja2.

By hand (with Kbuild too): `python3 -m buildsys.generated [--epoch SECONDS] TREE`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from buildsys import templates
from buildsys.meta import Meta, read_meta, release_tuple

TEMPLATE_SUFFIX = ".j2"
_DKMS_TEMPLATE = Path("packaging/dkms.conf.j2")

# The project's home and release URL pattern (what the FreeBSD port's MASTER_SITES and the
# Debian package's Homepage and watch file name), and who answers for the packages.
HOMEPAGE = "https://github.com/multistack/multistack"
RELEASE_DIRECTORY = HOMEPAGE + "/releases/download/v{version}/"
MAINTAINER_NAME = "multistack packagers"
MAINTAINER_EMAIL = "packagers@multistack.dev"
# One line, capitalised, no final period (what portlint asks of COMMENT).
SUMMARY = "Netmap VALE switch module for user-level network stacks"

# SPDX identifiers as the FreeBSD ports tree spells them (Mk/bsd.licenses.db.mk).
_FREEBSD_LICENSES = {"BSD-2-Clause": "BSD2CLAUSE", "BSD-3-Clause": "BSD3CLAUSE", "MIT": "MIT"}


def _at_least(number: int) -> str:
    """ERE alternatives matching the decimal integers (no leading zeros) >= `number`."""
    digits = str(number)
    # Repeated `[0-9]` rather than `{n,}`: dkms re-reads dkms.conf through `eval`, and plain
    # classes are the form that survives any shell quoting.
    alternatives = ["[1-9]" + "[0-9]" * len(digits) + "[0-9]*"]  # more digits than `number`
    for position, digit in enumerate(digits):
        if digit != "9":
            tail = "[0-9]" * (len(digits) - position - 1)
            alternatives.append(f"{digits[:position]}[{int(digit) + 1}-9]{tail}")
    alternatives.append(digits)
    return "|".join(alternatives)


def linux_kernel_regex(low: str, high: str) -> str:
    """A bash `=~` regex accepting kernel releases from `low` to `high` (MAJOR.MINOR, inclusive).

    DKMS matches it against the full release (`uname -r`: MAJOR.MINOR.PATCH and Debian's ABI
    and flavour suffixes), so after the minor number anything but another digit may follow.
    """
    low_major, low_minor = release_tuple(low)
    high_major, high_minor = release_tuple(high)
    branches = []
    for major in range(low_major, high_major + 1):
        if low_major == high_major:
            minors = "|".join(str(m) for m in range(low_minor, high_minor + 1))
        elif major == low_major:
            minors = _at_least(low_minor)
        elif major == high_major:
            minors = "|".join(str(m) for m in range(0, high_minor + 1))
        else:
            minors = "[0-9]+"
        branches.append(f"{major}\\.({minors})")
    return f"^({'|'.join(branches)})([^0-9].*)?$"


def freebsd_osversion(release: str) -> int:
    """`__FreeBSD_version` of the first build of a release: 14.3 -> 1403000."""
    major, minor = release_tuple(release)
    return major * 100000 + minor * 1000


def template_context(meta: Meta, epoch: int) -> dict[str, Any]:
    """What the templates may use: the META fields plus values derived from them."""
    if meta.license not in _FREEBSD_LICENSES:
        raise ValueError(f"no FreeBSD ports name known for license {meta.license}")
    max_major, _ = release_tuple(meta.freebsd_max)
    return {
        **{field: getattr(meta, field) for field in meta.__dataclass_fields__},
        "linux_kernel_regex": linux_kernel_regex(meta.linux_min, meta.linux_max),
        "freebsd_osversion_min": freebsd_osversion(meta.freebsd_min),
        # The first release of the next major branch: every minor release of a branch is in.
        "freebsd_osversion_limit": freebsd_osversion(f"{max_major + 1}.0"),
        "freebsd_max_major": max_major,
        "freebsd_license": _FREEBSD_LICENSES[meta.license],
        "freebsd_comment": SUMMARY,
        "homepage": HOMEPAGE,
        # The ports tree substitutes ${DISTVERSION}; the pattern documents a concrete release.
        "master_sites": RELEASE_DIRECTORY.format(version="${DISTVERSION}"),
        "release_url_pattern": RELEASE_DIRECTORY.format(version="VERSION")
        + f"{meta.name}-VERSION.tar.gz",
        "maintainer_email": MAINTAINER_EMAIL,
        "release_date_rfc2822": format_datetime(datetime.fromtimestamp(epoch, UTC)),
    }


def output_path(template: Path) -> Path:
    """Where a template (relative to the tree) is rendered to, relative to the tree."""
    if template == _DKMS_TEMPLATE:
        return Path("dkms.conf")
    return template.with_name(template.name.removesuffix(TEMPLATE_SUFFIX))


def render_packaging(tree: Path, epoch: int) -> list[Path]:
    """Render every packaging template of `tree` in place; returns the written paths (relative)."""
    meta = read_meta(tree / "META")
    context = template_context(meta, epoch)
    environment = templates.environment(tree)
    written = []
    for template in sorted((tree / "packaging").rglob(f"*{TEMPLATE_SUFFIX}")):
        relative = template.relative_to(tree)
        target = tree / output_path(relative)
        text = environment.get_template(relative.as_posix()).render(context)
        target.write_text(text, encoding="utf-8")
        target.chmod(template.stat().st_mode & 0o777)
        written.append(target.relative_to(tree))
    return written
