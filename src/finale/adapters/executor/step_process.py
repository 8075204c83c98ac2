"""A step's process: stream its output line by line, stop it at a deadline, kill its group."""

from __future__ import annotations

import contextlib
import math
import os
import select
import selectors
import signal
import subprocess
import time
from collections.abc import Callable


def pump_output(
    proc: subprocess.Popen[bytes],
    until: float | None,
    emit: Callable[[str], None],
    *,
    now: Callable[[], float] = time.time,
) -> str:
    """Stream the step's output until it exits; kill its process group at `until`.

    Returns "exit" or "timeout". One thread per step: the output is read with a selector, so a
    timeout needs no watcher.
    """
    if not _stream(proc, until, emit, now) or not _exited(proc, until, now):
        kill_group(proc)
        proc.wait()
        return "timeout"
    return "exit"


def _exited(proc: subprocess.Popen[bytes], until: float | None, now: Callable[[], float]) -> bool:
    """Wait for the step to exit after its output closed; False when `until` passes first.

    `Popen.wait` with a timeout polls, sleeping up to 50 ms between looks, and the output
    usually closes a moment before the exit is reported: a process file descriptor is readable
    the moment the process exits, so the next TaskRun of a chain starts without that delay.
    """
    if until is None:
        proc.wait()
        return True
    try:
        exit_fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # not Linux 5.3+: poll as Popen does
        try:
            proc.wait(timeout=max(0.0, until - now()))
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        watch = select.poll()
        watch.register(exit_fd, select.POLLIN)
        if not watch.poll(max(0, math.ceil((until - now()) * 1000))):
            return False
    finally:
        os.close(exit_fd)
    proc.wait()
    return True


def _stream(
    proc: subprocess.Popen[bytes], until: float | None, emit: Callable[[str], None], now: Callable[[], float]
) -> bool:
    """Emit each output line until the pipe closes (True) or `until` passes (False)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    pending = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = None if until is None else until - now()
            if remaining is not None and remaining <= 0:
                return False
            # Poll now and then: a background child may hold the pipe after the step exits.
            if not selector.select(0.2 if remaining is None else min(remaining, 0.2)):
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                emit(line.decode("utf-8", "replace"))
    if pending:
        emit(pending.decode("utf-8", "replace"))
    return True


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the step and every process it started (it leads its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
