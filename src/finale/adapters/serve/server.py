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
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from finale.adapters.gitlab.delivery import Delivery
from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.sender import Backoff, LogLine, Sender, quiet
from finale.core.gitlab.events import (
    DEFAULT_STATUS_NAME,
    EventError,
    Ignored,
    parse_cloudevent,
    status_update,
)

MAX_BODY = 4 * 1024 * 1024  # a PipelineRun with a large status is well under this


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceConfig:
    host: str = "127.0.0.1"
    port: int = 0
    status_name: str = DEFAULT_STATUS_NAME
    backoff: Backoff = field(default_factory=Backoff)
    drain_seconds: float = 5.0  # how long a stop keeps posting what is due
    senders: int = 4  # parallel posts across (project, sha, name, run) keys


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
    outbox: Outbox, delivery: Delivery, config: ServiceConfig = ServiceConfig(), log: LogLine = quiet
) -> RunningService:
    """Bind (OSError if the address is taken), then serve and send on daemon threads."""
    server = _Server(config, outbox, threading.Event(), log)
    # One process per outbox file: a claim left in it is a post that a stopped process began.
    outbox.release()
    sender = Sender(outbox, delivery, config.backoff, log, workers=config.senders)
    return RunningService(server, sender, config)


__all__ = ["Backoff", "LogLine", "RunningService", "Sender", "ServiceConfig", "start_service"]
