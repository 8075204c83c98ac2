"""`finale serve` machinery: a CloudEvents receiver that stores first and a sender that posts.

The receiver answers 2xx only once the status is in the SQLite outbox; the sender thread posts
pending rows to GitLab, retrying transient failures with backoff, and survives restarts because
the outbox is the only state.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from finale.adapters.gitlab.delivery import Delivery, DeliveryError
from finale.adapters.gitlab.wire import PostedStatus, StatusRequest
from finale.adapters.serve.outbox import Outbox, OutboxRow
from finale.core.gitlab.events import (
    DEFAULT_STATUS_NAME,
    EventError,
    Ignored,
    parse_cloudevent,
    status_update,
)

LogLine = Callable[[str], None]
MAX_BODY = 4 * 1024 * 1024  # a PipelineRun with a large status is well under this
_IDLE_POLL = 1.0


def _quiet(_line: str) -> None:
    """Default log: say nothing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Wait before retry n (1-based): base * 2**(n-1), never more than cap seconds."""

    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempt: int) -> float:
        return float(min(self.cap, self.base * 2.0 ** min(attempt - 1, 30)))


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceConfig:
    host: str = "127.0.0.1"
    port: int = 0
    status_name: str = DEFAULT_STATUS_NAME
    backoff: Backoff = Backoff()
    drain_seconds: float = 5.0  # how long a stop keeps posting what is due


class Sender:
    """Posts due outbox rows in order; transient failures come back later, refusals stay failed."""

    def __init__(self, outbox: Outbox, delivery: Delivery, backoff: Backoff, log: LogLine) -> None:
        self._outbox = outbox
        self._delivery = delivery
        self._backoff = backoff
        self._log = log

    def send_due(self, deadline: float | None = None) -> int:
        """Post every row that is due now (until `deadline`, a monotonic time); count the tries."""
        tried = 0
        while deadline is None or time.monotonic() < deadline:
            rows = self._outbox.due()
            if not rows:
                break
            for row in rows:
                self._send(row)
                tried += 1
        return tried

    def _send(self, row: OutboxRow) -> None:
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
        outcome = self._post(request)
        if isinstance(outcome, DeliveryError) and outcome.transient:
            # GitLab's own Retry-After wins over our backoff, within the backoff cap.
            delay = max(self._backoff.delay(row.attempts + 1), min(outcome.wait or 0.0, self._backoff.cap))
            self._outbox.mark_retry(row.seq, str(outcome), delay)
            self._log(f"retry in {delay:g}s: {what}: {outcome}")
        elif isinstance(outcome, DeliveryError):
            self._outbox.mark_failed(row.seq, str(outcome))
            self._log(f"gave up: {what}: {outcome}")
        else:
            self._outbox.mark_done(row.seq, outcome.status_id)
            self._log(f"posted {what}" + (" (GitLab already had it)" if outcome.already else ""))

    def _post(self, request: StatusRequest) -> PostedStatus | DeliveryError:
        try:
            return self._delivery.post(request)
        except DeliveryError as exc:
            return exc
        except Exception as exc:
            # A bug, not GitLab: keep the row as failed with the reason instead of looping on it.
            return DeliveryError(f"internal error: {type(exc).__name__}: {exc}", transient=False)

    def run(self, stop: threading.Event, wake: threading.Event, drain_seconds: float) -> None:
        """Loop until `stop`; then post what is due for at most `drain_seconds`."""
        while not stop.is_set():
            wake.clear()
            wait = self._guarded_next_due() if self._guarded(None) else _IDLE_POLL
            wake.wait(_IDLE_POLL if wait is None else min(max(wait, 0.01), _IDLE_POLL))
        self._drain(time.monotonic() + drain_seconds)

    def _drain(self, deadline: float) -> None:
        """Post what is due, and retries that fall due, until `deadline` (monotonic)."""
        while True:
            if not self._guarded(deadline):
                return
            wait = self._guarded_next_due()
            if wait is None or time.monotonic() + wait >= deadline:
                return
            time.sleep(max(wait, 0.01))

    def _guarded(self, deadline: float | None) -> bool:
        # The outbox keeps every row, so a failure here only delays posting: log and go on.
        try:
            self.send_due(deadline)
        except (sqlite3.Error, OSError) as exc:
            self._log(f"sender: outbox error, will retry: {exc}")
            return False
        return True

    def _guarded_next_due(self) -> float | None:
        try:
            return self._outbox.next_due_in()
        except sqlite3.Error:
            return _IDLE_POLL


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "finale-serve"
    # Headers and body go out as two writes; with Nagle on, the body waits for a delayed ACK.
    disable_nagle_algorithm = True
    timeout = 30  # seconds of silence before a connection is dropped (slow or stuck senders)

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            self._reply(411, {"error": "Content-Length is required"}, close=True)
            return
        if int(length) > MAX_BODY:
            self._reply(413, {"error": f"event larger than {MAX_BODY} bytes"}, close=True)
            return
        body = self.rfile.read(int(length))
        status, answer = self.server.receive(dict(self.headers.items()), body)
        self._reply(status, answer)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._reply(200, {"status": "ok"})
        elif path == "/outbox":
            self._reply(*self.server.outbox_report())
        else:
            self._reply(404, {"error": f"no such page {path}; try /healthz or /outbox"})

    def _reply(self, status: int, answer: dict[str, Any], close: bool = False) -> None:
        raw = (json.dumps(answer, sort_keys=True) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the server logs one line per event instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, config: ServiceConfig, outbox: Outbox, wake: threading.Event, log: LogLine) -> None:
        super().__init__((config.host, config.port), _Handler)
        self.config = config
        self.outbox = outbox
        self.wake = wake
        self.log = log
        self._ignored = 0
        self._lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request is routine; anything else is logged in one line.
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            self.log(f"internal error answering {client_address[0]}: {type(error).__name__}: {error}")

    def receive(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            update = status_update(parse_cloudevent(headers, body), default_name=self.config.status_name)
        except EventError as exc:
            self.log(f"rejected: {exc}")
            return 400, {"error": str(exc)}
        except Exception as exc:  # a bug: answer 500 so Tekton's sender retries
            self.log(f"internal error reading an event: {type(exc).__name__}: {exc}")
            return 500, {"error": "internal error reading the event"}
        if isinstance(update, Ignored):
            with self._lock:
                self._ignored += 1
            self.log(f"ignored {update.event_id}: {update.reason}")
            return 200, {"result": "ignored", "id": update.event_id, "reason": update.reason}
        try:
            verdict = self.outbox.accept(update)
        except sqlite3.Error as exc:
            # 5xx makes Tekton's sender retry; nothing was stored.
            self.log(f"outbox error, event {update.event_id} refused: {exc}")
            return 503, {"error": f"outbox unavailable: {exc}"}
        self.wake.set()
        self.log(
            f"{verdict} {update.event_id}: {update.run_name} -> {update.state.value} for {update.project}@{update.sha}"
        )
        answer = {"result": verdict, "id": update.event_id, "state": update.state.value}
        return (202 if verdict == "accepted" else 200), answer

    def outbox_report(self) -> tuple[int, dict[str, Any]]:
        try:
            counts = self.outbox.counts()
            problems = self.outbox.problems()
        except sqlite3.Error as exc:
            return 503, {"error": f"outbox unavailable: {exc}"}
        with self._lock:
            ignored = self._ignored
        return 200, {"counts": {**counts, "ignored": ignored}, "problems": problems}


class RunningService:
    """A started receiver and sender; `.stop()` or leaving a `with` block ends both."""

    def __init__(self, server: _Server, sender: Sender, config: ServiceConfig) -> None:
        self._server = server
        self._stop = threading.Event()
        host, port = server.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        self.base_url = f"http://{self.host}:{self.port}"
        self._http = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="finale-serve-http", daemon=True
        )
        self._sender = threading.Thread(
            target=sender.run,
            args=(self._stop, server.wake, config.drain_seconds),
            name="finale-serve-sender",
            daemon=True,
        )
        self._drain = config.drain_seconds
        self._http.start()
        self._sender.start()

    def stop(self) -> None:
        """Stop receiving, then let the sender post what is due (bounded by drain_seconds)."""
        self._server.shutdown()
        self._server.server_close()
        self._http.join(timeout=5)
        self._stop.set()
        self._server.wake.set()
        # A post in flight may take the client's timeout on top of the drain time.
        self._sender.join(timeout=self._drain + 15)

    def __enter__(self) -> RunningService:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_service(
    outbox: Outbox, delivery: Delivery, config: ServiceConfig = ServiceConfig(), log: LogLine = _quiet
) -> RunningService:
    """Bind (OSError if the address is taken), then serve and send on daemon threads."""
    server = _Server(config, outbox, threading.Event(), log)
    sender = Sender(outbox, delivery, config.backoff, log)
    return RunningService(server, sender, config)


__all__ = ["Backoff", "LogLine", "RunningService", "Sender", "ServiceConfig", "start_service"]
