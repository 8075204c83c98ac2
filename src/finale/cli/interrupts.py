"""Ctrl-C during `finale run`, as `kubectl patch ... spec.status` would cancel the run."""

from __future__ import annotations

import queue
import signal
import sys
import threading
from types import FrameType
from typing import Any

from finale.core.tekton.model import SpecStatus
from finale.engine.loop import Control


class Interrupts:
    """First Ctrl-C: CancelledRunFinally (finally tasks still run); second: Cancelled.

    The signal handler only counts and hands the press to a thread through a SimpleQueue, whose
    put() is safe in a signal handler. The handler runs on the main thread, possibly inside the
    engine's `queue.Queue.get()` with that queue's lock held, so putting into the engine's queue
    (or printing) from the handler itself can wait forever on the lock its own thread holds.
    """

    def __init__(self, control: Control) -> None:
        self.control = control
        self.count = 0
        self.previous: Any = None
        self.presses: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self.relay = threading.Thread(target=self._relay, name="finale-interrupts", daemon=True)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        self.presses.put(self.count)

    def _relay(self) -> None:
        while (count := self.presses.get()) is not None:
            if count > 2:
                print("\ninterrupt: already Cancelled; waiting for the running steps to stop", file=sys.stderr)
                continue
            mode = SpecStatus.CANCELLED_RUN_FINALLY if count == 1 else SpecStatus.CANCELLED
            effect = (
                "finally tasks still run; Ctrl-C again to cancel hard"
                if count == 1
                else "hard cancel: every running TaskRun is stopped and no finally task starts"
            )
            print(f"\ninterrupt: setting spec.status to {mode} ({effect})", file=sys.stderr)
            self.control.set_status(mode)

    def __enter__(self) -> Interrupts:
        self.relay.start()
        try:
            self.previous = signal.signal(signal.SIGINT, self.handle)
        except ValueError:  # not the main thread (in-process tests): no signal handling
            self.previous = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        self.presses.put(None)
        self.relay.join(timeout=5)
