"""Write, into a source tree, the files a release tarball carries that git does not.

A release tarball holds dkms.conf, the DKMS build script, kernel/linux/Kbuild and the FreeBSD
port files already rendered (`nox -s dist`). A git checkout holds only their templates, so
debian/rules runs this module there before building the Debian packages:

    python3 -m buildsys.generated [--epoch SECONDS] TREE   # prints each written path

Only jinja2 is needed besides the standard library (Debian's python3-jinja2).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from buildsys.kbuild import write_kbuild_tree
from buildsys.packaging import render_packaging


def generate(tree: Path, epoch: int) -> list[Path]:
    """Render the packaging templates and Kbuild in `tree`; the written paths, relative."""
    written = render_packaging(tree, epoch)
    write_kbuild_tree(tree, tree / "kernel/linux")
    return [*written, Path("kernel/linux/Kbuild")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument(
        "--epoch",
        type=int,
        default=int(os.environ.get("SOURCE_DATE_EPOCH", "0")),
        help="release time (default: $SOURCE_DATE_EPOCH or 0)",
    )
    args = parser.parse_args(argv)
    for path in generate(args.tree, args.epoch):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
