"""The FreeBSD port, held to the portlint rules that can be checked without FreeBSD.

portlint runs only on FreeBSD; these are the rules of the Porter's Handbook it enforces that
apply to this port: variable order and layout, COMMENT, MAINTAINER, LICENSE, WWW, a real
MASTER_SITES that names the tarball `nox -s dist` makes, and the OSVERSION range.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from buildsys.meta import read_meta
from buildsys.packaging import HOMEPAGE, MAINTAINER_EMAIL, freebsd_osversion, render_packaging

REPO = Path(__file__).resolve().parents[2]
META = read_meta(REPO / "META")

# The order the Porter's Handbook ("Order of Variables in Port Makefiles") gives, for the
# variables this port sets.
ORDER = [
    "PORTNAME",
    "DISTVERSION",
    "CATEGORIES",
    "MASTER_SITES",
    "PKGNAMESUFFIX",
    "MAINTAINER",
    "COMMENT",
    "WWW",
    "LICENSE",
    "LICENSE_FILE",
    "USES",
    "WRKSRC_SUBDIR",
    "OPTIONS_DEFINE",
    "OPTIONS_DEFAULT",
]
ASSIGNMENT = re.compile(r"^([A-Z_]+)(\??\+?=)(\s*)(.*)$")


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("port")
    shutil.copy(REPO / "META", tree / "META")
    shutil.copytree(REPO / "packaging", tree / "packaging")
    render_packaging(tree, 0)
    return tree / "packaging/freebsd-port"


def variables(makefile: Path) -> dict[str, str]:
    found = {}
    for line in makefile.read_text().splitlines():
        match = ASSIGNMENT.match(line)
        if match:
            found[match.group(1)] = match.group(4)
    return found


def test_variables_come_in_the_handbook_order(port: Path) -> None:
    names = [n for n in variables(port / "Makefile") if n in ORDER]
    assert names == [n for n in ORDER if n in names]
    assert {"PORTNAME", "DISTVERSION", "MASTER_SITES", "MAINTAINER", "COMMENT", "WWW"} <= set(names)
    assert {"LICENSE", "LICENSE_FILE"} <= set(names)


def test_assignments_are_tab_aligned_at_column_16(port: Path) -> None:
    for line in (port / "Makefile").read_text().splitlines():
        match = ASSIGNMENT.match(line)
        if not match or line.startswith("\t"):
            continue
        name, operator, space, _ = match.groups()
        assert space and set(space) == {"\t"}, f"{line!r}: a tab, not a space, after {operator}"
        width = len(name + operator)
        expected_tabs = max(1, (16 - width + 7) // 8) if width < 16 else 1
        assert len(space) == expected_tabs, f"{line!r}: the value should start at column 16"


def test_layout_has_no_stray_whitespace(port: Path) -> None:
    text = (port / "Makefile").read_text()
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert "\n\n\n" not in text, "no two empty lines in a row"
    lines = text.splitlines()
    assert [n for n, line in enumerate(lines, 1) if line != line.rstrip()] == []
    assert lines[-1] == ".include <bsd.port.post.mk>"


def test_comment_maintainer_www_and_license(port: Path) -> None:
    values = variables(port / "Makefile")
    comment = values["COMMENT"]
    assert comment[0].isupper() and not comment.endswith("."), comment
    assert not re.match(r"(A|An|The) ", comment) and len(comment) <= 70, comment
    assert values["MAINTAINER"] == MAINTAINER_EMAIL
    assert re.fullmatch(r"[a-z0-9.+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+", values["MAINTAINER"])
    assert not re.search(r"\.(invalid|example|test|localhost)$", values["MAINTAINER"])
    assert values["WWW"] == HOMEPAGE and HOMEPAGE.startswith("https://")
    assert values["LICENSE"] == "BSD2CLAUSE" and META.license == "BSD-2-Clause"
    assert values["LICENSE_FILE"] == "${WRKDIR}/${DISTNAME}/LICENSE"
    assert (REPO / "LICENSE").is_file()


def test_master_sites_is_the_release_url_of_the_dist_tarball(port: Path) -> None:
    values = variables(port / "Makefile")
    site = values["MASTER_SITES"]
    assert site == f"{HOMEPAGE}/releases/download/v${{DISTVERSION}}/"
    # DISTNAME and EXTRACT_SUFX keep their defaults: PORTNAME-DISTVERSION.tar.gz, which is the
    # name `nox -s dist` gives the tarball (and the .distinfo it writes names).
    assert "DISTNAME" not in values and "EXTRACT_SUFX" not in values
    assert (values["PORTNAME"], values["DISTVERSION"]) == (META.name, META.version)


def accepted(makefile: Path, osversion: int) -> bool:
    """Evaluate the port's `.if ${OSVERSION} < LOW || ${OSVERSION} >= HIGH` IGNORE guard."""
    guard = re.search(
        r"^\.if \$\{OSVERSION\} < (\d+) \|\| \$\{OSVERSION\} >= (\d+)\nIGNORE=",
        makefile.read_text(),
        re.M,
    )
    assert guard is not None, "the OSVERSION guard is missing or has changed shape"
    low, high = int(guard.group(1)), int(guard.group(2))
    return low <= osversion < high


@pytest.mark.parametrize(
    ("release", "ok"),
    [
        ("12.4", False),
        ("13.0", True),
        ("13.5", True),
        ("14.3", True),
        ("14.4", True),
        ("15.0", True),
        ("15.1", True),
        ("15.9", True),
        ("16.0", False),
    ],
)
def test_osversion_range_accepts_13_to_15(port: Path, release: str, ok: bool) -> None:
    # A -STABLE or -CURRENT build sits above its release's first value: try both.
    first = freebsd_osversion(release)
    assert accepted(port / "Makefile", first) == ok
    assert accepted(port / "Makefile", first + 500) == ok


def test_pkg_descr_and_plist(port: Path) -> None:
    descr = (port / "pkg-descr").read_text().splitlines()
    assert descr and all(len(line) <= 80 for line in descr)
    assert not [line for line in descr if line.startswith("WWW:")], "WWW goes in the Makefile"
    assert (port / "pkg-plist").read_text() == f"%%KMODDIR%%/{META.name}.ko\n"
    assert (
        f"${{WRKSRC}}/{META.name}.ko ${{STAGEDIR}}${{KMODDIR}}" in (port / "Makefile").read_text()
    )
