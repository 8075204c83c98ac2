"""Delivery of outbox rows: a dispatcher claims due rows, a small pool of workers posts them.

Rows of different (project, sha, name, run) keys go in parallel; within a key the outbox lets
one row be in flight at a time, so each key's statuses reach GitLab in order.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from finale.adapters.gitlab.delivery import Delivery, DeliveryError
from finale.adapters.gitlab.wire import PostedStatus, StatusRequest
from finale.adapters.serve.outbox import Outbox, OutboxRow
from finale.adapters.serve.recheck import StatusCheck
from finale.clock import Clock, SystemClock

IDLE_POLL = 1.0


class LogLine(Protocol):
    """One log record: a sentence plus optional structured fields (never a secret)."""

    def __call__(self, message: str, /, **fields: object) -> None: ...


class SendObserver(Protocol):
    """What the sender reports as it goes (metrics); every method must be cheap and thread-safe."""

    def delivered(self, state: str) -> None: ...
    def retried(self) -> None: ...
    def gave_up(self) -> None: ...


class _Unobserved:
    def delivered(self, state: str) -> None:
        """Nothing to record."""

    def retried(self) -> None:
        """Nothing to record."""

    def gave_up(self) -> None:
        """Nothing to record."""


def quiet(_message: str, /, **_fields: object) -> None:
    """Default log: say nothing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Wait before retry n (1-based): base * 2**(n-1), never more than cap seconds."""

    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempt: int) -> float:
        return float(min(self.cap, self.base * 2.0 ** min(attempt - 1, 30)))


class Sender:
    """Posts due rows with `workers` threads; transient failures come back later, refusals stay failed."""

    def __init__(
        self,
        outbox: Outbox,
        delivery: Delivery,
        backoff: Backoff,
        log: LogLine = quiet,
        *,
        workers: int = 4,
        observer: SendObserver | None = None,
        check: StatusCheck | None = None,
        active: Callable[[], bool] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._outbox = outbox
        self._delivery = delivery
        self._backoff = backoff
        self._log = log
        self._workers = max(1, workers)
        self._observer = observer or _Unobserved()
        self._check = check  # read before re-posting a row GitLab may already hold
        self._active = active  # False while another replica holds the Lease: store, do not send
        self._busy = 0  # rows claimed and not yet marked
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._lock = threading.Lock()

    def post_row(self, row: OutboxRow) -> None:
        """Post one claimed row and record the outcome (which also ends its claim)."""
        update = row.update
        request = StatusRequest(
            project=update.project,
            sha=update.sha,
            state=update.state.value,
            name=update.name,
            ref=update.ref,
            target_url=update.target_url,
            description=update.description,
        )
        what = f"{update.state.value} for {update.project}@{update.sha} ({update.run_name})"
        fields = {"event_id": update.event_id, "state": update.state.value, "project": update.project}
        outcome = self._recheck(row, request) or self._post(request)
        if isinstance(outcome, DeliveryError) and outcome.transient:
            # GitLab's own Retry-After wins over our backoff, within the backoff cap.
            delay = max(self._backoff.delay(row.attempts + 1), min(outcome.wait or 0.0, self._backoff.cap))
            self._outbox.mark_retry(row.seq, str(outcome), delay)
            self._observer.retried()
            self._log(f"retry in {delay:g}s: {what}: {outcome}", **fields, level="warning")
        elif isinstance(outcome, DeliveryError):
            self._outbox.mark_failed(row.seq, str(outcome))
            self._observer.gave_up()
            self._log(f"gave up: {what}: {outcome}", **fields, level="error")
        else:
            self._outbox.mark_done(row.seq, outcome.status_id)
            self._observer.delivered(update.state.value)
            self._log(f"posted {what}" + (" (GitLab already had it)" if outcome.already else ""), **fields)

    def _recheck(self, row: OutboxRow, request: StatusRequest) -> PostedStatus | DeliveryError | None:
        """For a row that may be in GitLab already, or overtaken there by a final state another
        replica posted: GitLab's answer if posting it would duplicate or regress."""
        if self._check is None or not row.interrupted:
            return None
        try:
            held = self._check.holds(request)
        except DeliveryError as exc:
            return exc
        return (
            PostedStatus(state=request.state, status_id=None, pipeline_id=None, already=True, attempts=0)
            if held
            else None
        )

    def _post(self, request: StatusRequest) -> PostedStatus | DeliveryError:
        try:
            return self._delivery.post(request)
        except DeliveryError as exc:
            return exc
        except Exception as exc:
            # A bug, not GitLab: keep the row as failed with the reason instead of looping on it.
            return DeliveryError(f"internal error: {type(exc).__name__}: {exc}", transient=False)

    def run(self, stop: threading.Event, wake: threading.Event, drain_seconds: float) -> None:
        """Dispatch until `stop`; then post what is due for at most `drain_seconds`; then end the pool."""
        rows: queue.Queue[OutboxRow | None] = queue.Queue()
        pool = [
            threading.Thread(target=self._work, args=(rows, wake), name=f"finale-serve-sender-{n}", daemon=True)
            for n in range(self._workers)
        ]
        for thread in pool:
            thread.start()
        try:
            while not stop.is_set():
                wake.clear()
                self._dispatch(rows)
                wake.wait(self._pause())
            self._drain(rows, wake, self._clock.now() + drain_seconds)
        finally:
            self._release_queued(rows)
            for _ in pool:
                rows.put(None)
            for thread in pool:
                thread.join(timeout=drain_seconds + 15)

    def _dispatch(self, rows: queue.Queue[OutboxRow | None]) -> int:
        """Claim as many due rows as there are idle workers and hand them over."""
        if self._active is not None and not self._active():
            return 0
        with self._lock:
            free = self._workers - self._busy
        if free <= 0:
            return 0
        try:
            claimed = self._outbox.claim(free)
        except sqlite3.Error as exc:
            # The outbox keeps every row, so a failure here only delays posting: log and go on.
            self._log(f"sender: outbox error, will retry: {exc}", level="warning")
            return 0
        with self._lock:
            self._busy += len(claimed)
        for row in claimed:
            rows.put(row)
        return len(claimed)

    def _pause(self) -> float:
        """How long to wait for a wake-up: until the next retry falls due, at most IDLE_POLL.

        A row due now but not claimed waits for its key's row in flight, whose end wakes us.
        """
        try:
            wait = self._outbox.next_due_in()
        except sqlite3.Error:
            return IDLE_POLL
        return IDLE_POLL if not wait else min(max(wait, 0.01), IDLE_POLL)

    def _drain(self, rows: queue.Queue[OutboxRow | None], wake: threading.Event, deadline: float) -> None:
        """Post what is due, and retries that fall due, until `deadline` (on the clock)."""
        while (left := deadline - self._clock.now()) > 0:
            wake.clear()
            self._dispatch(rows)
            with self._lock:
                busy = self._busy
            try:
                wait = self._outbox.next_due_in()
            except sqlite3.Error:
                return
            if not busy and (wait is None or wait >= left):
                return
            wake.wait(min(left, IDLE_POLL if not wait else max(wait, 0.01)))

    def _release_queued(self, rows: queue.Queue[OutboxRow | None]) -> None:
        """Rows claimed but not started go back to the outbox unsent."""
        unsent: list[int] = []
        while True:
            try:
                row = rows.get_nowait()
            except queue.Empty:
                break
            if row is not None:
                unsent.append(row.seq)
        if unsent:
            self._safely(partial(self._outbox.release, unsent))
            with self._lock:
                self._busy -= len(unsent)

    def _work(self, rows: queue.Queue[OutboxRow | None], wake: threading.Event) -> None:
        while (row := rows.get()) is not None:
            try:
                if self._active is not None and not self._active():
                    # Leadership lost since the claim: another replica sends now.
                    self._safely(partial(self._outbox.release, [row.seq]))
                elif not self._safely(partial(self.post_row, row)):
                    # Marking failed: give the claim back so the row is tried again.
                    self._safely(partial(self._outbox.release, [row.seq]))
            finally:
                with self._lock:
                    self._busy -= 1
                wake.set()

    def _safely(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except (sqlite3.Error, OSError) as exc:
            self._log(f"sender: outbox error, will retry: {exc}", level="warning")
            return False
        return True


__all__ = ["IDLE_POLL", "Backoff", "LogLine", "SendObserver", "Sender", "quiet"]
