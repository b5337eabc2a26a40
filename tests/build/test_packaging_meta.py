"""META, the one metadata file, and its reader buildsys/meta.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from buildsys.meta import Meta, parse_meta, read_meta, release_tuple

REPO = Path(__file__).resolve().parents[2]

GOOD = """# comment
name = multistack
version = 1.2.3
license = BSD-2-Clause
netmap_api = 14
linux_min = 5.10
linux_max = 6.12
freebsd_min = 13.0
freebsd_max = 14.3
"""


def test_repository_meta_reads() -> None:
    meta = read_meta(REPO / "META")
    assert meta.name == "multistack"
    assert release_tuple(meta.linux_min) <= release_tuple(meta.linux_max)


def test_parse_gives_typed_frozen_values() -> None:
    meta = parse_meta(GOOD)
    assert meta == Meta(
        name="multistack",
        version="1.2.3",
        netmap_api=14,
        linux_min="5.10",
        linux_max="6.12",
        freebsd_min="13.0",
        freebsd_max="14.3",
        license="BSD-2-Clause",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        meta.version = "9.9.9"  # type: ignore[misc]


def test_kernel_bounds_compare_numerically() -> None:
    assert release_tuple("6.12") > release_tuple("6.9")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("version = 1.2.3\n", ""), "missing version"),
        (GOOD.replace("1.2.3", "1.2"), "version = '1.2' does not match"),
        (GOOD.replace("linux_min = 5.10", "linux_min = 5"), "linux_min = '5' does not match"),
        (GOOD.replace("linux_min = 5.10", "linux_min = 6.13"), "linux_min is above linux_max"),
        (GOOD + "name = other\n", "name is set twice"),
        (GOOD + "just words\n", "expected `key = value`"),
    ],
)
def test_bad_meta_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(match=message):
        parse_meta(text)
