"""Opt-in: real VM builds through Vagrant (minutes each, and the boxes must be installed).

    MS_VM_TESTS=1 pytest -m vm tests/build/test_vagrant_vm.py

Each test brings its VM up, builds multistack.ko in it and checks what comes back. Without
MS_VM_TESTS=1 they skip; with it, a missing Vagrant, provider or box fails with the same
one-sentence message the nox sessions give.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from buildsys import vm

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.vm,
    pytest.mark.skipif(
        os.environ.get("MS_VM_TESTS") != "1",
        reason="VM builds are opt-in: set MS_VM_TESTS=1 (needs Vagrant, a provider and the box)",
    ),
]


def elf_header(path: Path) -> str:
    return subprocess.run(["readelf", "-h", str(path)], capture_output=True, text=True).stdout


def test_freebsd_module_from_vm(tmp_path: Path) -> None:
    module = vm.build_freebsd_in_vm([], out=tmp_path)
    assert module == tmp_path / "multistack.ko"
    assert "FreeBSD" in elf_header(module)


@pytest.mark.parametrize("name", ["debian12", "ubuntu2404"])
def test_linux_module_from_vm(name: str, tmp_path: Path) -> None:
    module = vm.build_linux_in_vm(name, [f"OUT={tmp_path}"])
    assert module == tmp_path / "multistack.ko"
    assert "REL (Relocatable file)" in elf_header(module)
