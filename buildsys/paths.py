"""Where things are and where build products go: one place for every session."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
OUT = ROOT / "out"
SHARED = ROOT.parent / "shared"
