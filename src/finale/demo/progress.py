"""Progress for the demo: a live spinner line on a terminal, plain lines otherwise."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

_FRAMES = "|/-\\"


class Progress:
    """`line(text)` prints a line; `waiting(text)` shows a phase is alive while it runs.

    Inside `waiting`, `detail(text)` reports what is happening now: the spinner line shows
    it on a terminal, and it becomes an indented line otherwise.
    """

    def __init__(self, out: TextIO, *, live: bool | None = None) -> None:
        self._out = out
        self._live = out.isatty() if live is None else live
        self._detail = ""

    def detail(self, text: str) -> None:
        if self._live:
            self._detail = text
        else:
            self.line(f"  {text}")

    def line(self, text: str = "") -> None:
        self._out.write(f"{text}\n")
        self._out.flush()

    @contextmanager
    def waiting(self, text: str) -> Iterator[None]:
        if not self._live:
            self.line(f"{text} ...")
            yield
            return
        self._detail = ""
        stop = threading.Event()
        spinner = threading.Thread(target=self._spin, args=(text, stop), daemon=True)
        spinner.start()
        ending = "stopped"
        try:
            yield
            ending = "done"
        finally:
            stop.set()
            spinner.join()
            self._out.write(f"\r\x1b[K{text} ... {ending}\n")
            self._out.flush()

    def _spin(self, text: str, stop: threading.Event) -> None:
        started = time.monotonic()
        for frame in itertools.cycle(_FRAMES):
            elapsed = time.monotonic() - started
            detail = f"  {self._detail}" if self._detail else ""
            self._out.write(f"\r\x1b[K{text} {frame} {elapsed:4.1f}s{detail}")
            self._out.flush()
            if stop.wait(0.1):
                return
