"""Fixtures shared by the Python suites: the core library, a fresh core per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from framekit import MAC_NIC

from multistack import core as ms

REPO = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs for tens of seconds (deselect with -m 'not slow')"
    )


@pytest.fixture(scope="session")
def lib() -> ms.Library:
    try:
        return ms.load()
    except ms.CoreUnavailable as exc:
        pytest.skip(f"the core library is not built: {exc}")


@pytest.fixture
def core(lib: ms.Library) -> Iterator[ms.Core]:
    """A fresh core that knows the NIC's Ethernet address (framekit.MAC_NIC)."""
    with ms.Core(lib) as instance:
        instance.set_nic_mac(MAC_NIC)
        yield instance


@pytest.fixture
def bare_core(lib: ms.Library) -> Iterator[ms.Core]:
    """A fresh core as ms_core_create() leaves it, told nothing about a NIC."""
    with ms.Core(lib) as instance:
        yield instance
