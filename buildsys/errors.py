"""The one error type of the build system."""

from __future__ import annotations


class BuildError(Exception):
    """Something the user has to fix: the message is one sentence saying what went wrong and
    what to do. Sessions catch it and report the message as their one line of failure."""
