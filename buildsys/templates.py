"""The one jinja2 environment: every generated file (Kbuild, the FreeBSD Makefile and
opt_sctp.h, dkms.conf and the packaging) is rendered through it, with the same rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2


def environment(tree: Path) -> jinja2.Environment:
    """Templates are found by their path below `tree`; an undefined name is an error rather
    than an empty string; output keeps the template's final newline; nothing is escaped
    (these are Makefiles, headers and shell, not HTML)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(tree)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(tree: Path, template: Path, **context: Any) -> str:
    """The text of `template` (a path relative to `tree`) rendered with `context`."""
    return environment(tree).get_template(template.as_posix()).render(context)
