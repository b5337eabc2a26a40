"""A progress bar for long captures, through tqdm, on a terminal only.

The bar appears on standard error when that is a terminal and the work has
taken more than a second (tqdm's `delay`), so short runs and pipes never see
it.  It counts bytes of the capture when its size is known (a regular file),
packets otherwise (standard input from a pipe).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from types import TracebackType
from typing import Any, TextIO

DELAY_SECONDS = 1.0


class Progress:
    def __init__(self, size: int | None, enabled: bool, out: TextIO) -> None:
        self.by_bytes = size is not None
        self._out = out
        self._bar: Any = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self._tqdm = tqdm
            self._bar = tqdm(
                total=size,
                unit="B" if self.by_bytes else " packets",
                unit_scale=True,
                unit_divisor=1024 if self.by_bytes else 1000,
                delay=DELAY_SECONDS,
                leave=False,
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()

    def update(self, position: int) -> None:
        if self._bar is not None and position > self._bar.n:
            self._bar.update(position - self._bar.n)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Output to standard output while the bar is up: clear it, then redraw it."""
        if self._bar is None:
            yield
            return
        with (
            self._tqdm.external_write_mode(file=self._out) if self._out.isatty() else nullcontext()
        ):
            yield
