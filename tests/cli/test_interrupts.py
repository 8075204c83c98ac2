"""Ctrl-C during `finale run`: the signal handler must never block the engine's thread."""

from __future__ import annotations

import signal
import threading

from finale.cli.interrupts import Interrupts
from finale.core.tekton.model import SpecStatus
from finale.engine.loop import Control


def test_ctrl_c_landing_while_the_engine_holds_its_queue_lock_does_not_hang(capsys):
    """The handler runs on the main thread between two bytecodes, possibly inside the engine's
    `queue.get()` with the queue's lock held; putting into that queue from the handler used to
    wait on that lock forever."""
    control = Control()
    interrupts = Interrupts(control)
    handled = threading.Event()

    def press_inside_get() -> None:
        with control.events.mutex:  # where the engine's get() is when the signal lands
            interrupts.handle(signal.SIGINT, None)
            handled.set()

    with interrupts:
        presser = threading.Thread(target=press_inside_get, daemon=True)
        presser.start()
        assert handled.wait(timeout=10), "the Ctrl-C handler blocked on the engine's queue lock"
        presser.join(timeout=10)
        assert control.events.get(timeout=10) == ("status", SpecStatus.CANCELLED_RUN_FINALLY)
        interrupts.handle(signal.SIGINT, None)
        assert control.events.get(timeout=10) == ("status", SpecStatus.CANCELLED)
        interrupts.handle(signal.SIGINT, None)
    assert control.events.empty()
    assert capsys.readouterr().err == (
        "\ninterrupt: setting spec.status to CancelledRunFinally "
        "(finally tasks still run; Ctrl-C again to cancel hard)\n"
        "\ninterrupt: setting spec.status to Cancelled "
        "(hard cancel: every running TaskRun is stopped and no finally task starts)\n"
        "\ninterrupt: already Cancelled; waiting for the running steps to stop\n"
    )
