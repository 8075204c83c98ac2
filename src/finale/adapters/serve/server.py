"""`finale serve` machinery: a CloudEvents receiver that stores first and senders that post.

The receiver answers 2xx only once the status is in the SQLite outbox (and only to an
authenticated sender when auth is configured); the senders post pending rows to GitLab and
survive restarts because the outbox is the only state. Also: /healthz, /readyz, /metrics.
"""

from __future__ import annotations

import json
import sqlite3
import ssl
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from finale.adapters.gitlab.delivery import Delivery
from finale.adapters.serve.auth import EventAuth
from finale.adapters.serve.health import Readiness
from finale.adapters.serve.metrics import CONTENT_TYPE, ServeMetrics
from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.recheck import StatusCheck
from finale.adapters.serve.sender import Backoff, LogLine, Sender, quiet
from finale.adapters.serve.upkeep import prune_forever
from finale.core.gitlab.events import (
    DEFAULT_STATUS_NAME,
    CloudEvent,
    EventError,
    Ignored,
    StatusUpdate,
    parse_cloudevent,
    status_update,
)
from finale.errors import FinaleError

MAX_BODY = 4 * 1024 * 1024  # a PipelineRun with a large status is well under this
# With Kubernetes API access: the event's run as the API holds it, or Ignored when it disagrees.
Verify = Callable[[CloudEvent, StatusUpdate], StatusUpdate | Ignored]


class VerifyUnavailable(FinaleError):
    """The Kubernetes API could not answer whether the event's run is real."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceConfig:
    host: str = "127.0.0.1"
    port: int = 0
    status_name: str = DEFAULT_STATUS_NAME
    backoff: Backoff = field(default_factory=Backoff)
    drain_seconds: float = 5.0  # how long a stop keeps posting what is due
    senders: int = 4  # parallel posts across (project, sha, name, run) keys
    auth: EventAuth = field(default_factory=EventAuth)
    tls: ssl.SSLContext | None = None  # serve HTTPS (and demand client certificates if it says so)
    ops_port: int | None = None  # a plain-HTTP port for probes and metrics only (no events)
    retention: float = 0.0  # seconds finished rows are kept; 0 keeps them forever
    prune_every: float = 600.0


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "finale-serve"
    # Headers and body go out as two writes; with Nagle on, the body waits for a delayed ACK.
    disable_nagle_algorithm = True
    timeout = 30  # seconds of silence before a connection is dropped (slow or stuck senders)

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            # Handshake here, in this connection's thread, not in the accepting one.
            self.connection.do_handshake()

    def do_POST(self) -> None:
        if not self.server.accepts_events:
            self._reply(404, {"error": "this port serves /healthz, /readyz, /metrics and /outbox only"}, close=True)
            return
        if not self.server.config.auth.allows(dict(self.headers.items())):
            # Refused before the body is read: an unauthenticated sender stores and posts nothing.
            self.server.refused(self.client_address[0])
            self._reply(401, {"error": "unauthenticated: send Authorization: Bearer <token>"}, close=True)
            return
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
        elif path == "/readyz":
            reasons = self.server.readiness.reasons()
            answer = {"status": "not ready", "reasons": reasons} if reasons else {"status": "ready"}
            self._reply(503 if reasons else 200, answer)
        elif path == "/metrics":
            self._send(200, self.server.metrics.render(), CONTENT_TYPE)
        elif path == "/outbox":
            self._reply(*self.server.outbox_report())
        else:
            self._reply(404, {"error": f"no such page {path}; try /healthz, /readyz, /metrics or /outbox"})

    def _reply(self, status: int, answer: dict[str, Any], close: bool = False) -> None:
        self._send(status, (json.dumps(answer, sort_keys=True) + "\n").encode(), "application/json", close)

    def _send(self, status: int, raw: bytes, content_type: str, close: bool = False) -> None:
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="finale-serve"')
        self.send_header("Content-Type", content_type)
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

    def __init__(
        self,
        config: ServiceConfig,
        outbox: Outbox,
        wake: threading.Event,
        log: LogLine,
        *,
        ops: tuple[ServeMetrics, Readiness],
        port: int | None = None,
        verify: Verify | None = None,
    ) -> None:
        super().__init__((config.host, config.port if port is None else port), _Handler)
        self.accepts_events = port is None
        if config.tls is not None and self.accepts_events:
            self.socket = config.tls.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.verify = verify
        self.config = config
        self.outbox = outbox
        self.wake = wake
        self.log = log
        self.metrics, self.readiness = ops
        self._ignored = 0
        self._lock = threading.Lock()

    def refused(self, client: str) -> None:
        self.metrics.event_received("cloudevent", "unauthorized")
        self.log(f"refused an unauthenticated event from {client}", client=client, level="warning")

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request is routine; anything else is logged in one line.
        error = sys.exc_info()[1]
        if isinstance(error, ssl.SSLError):
            self.log(f"TLS handshake refused from {client_address[0]}: {error.reason}", level="warning")
        elif not isinstance(error, ConnectionError):
            self.log(f"internal error answering {client_address[0]}: {type(error).__name__}: {error}")

    def receive(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        status, answer = self._receive(headers, body)
        result = answer.get("result") or {400: "rejected"}.get(status, "error")
        self.metrics.event_received("cloudevent", str(result))
        return status, answer

    def _receive(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            event = parse_cloudevent(headers, body)
            update = status_update(event, default_name=self.config.status_name)
            if self.verify is not None and isinstance(update, StatusUpdate):
                update = self.verify(event, update)
        except EventError as exc:
            self.log(f"rejected: {exc}")
            return 400, {"error": str(exc)}
        except VerifyUnavailable as exc:  # 503: Tekton's sender retries, and the reconciler catches up
            self.log(f"cannot check the event against the Kubernetes API: {exc}")
            return 503, {"error": f"cannot check the event against the Kubernetes API: {exc}"}
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
    """A started receiver and senders; `.stop()` or leaving a `with` block ends them.

    `metrics` and `readiness` are where other event sources (a Kubernetes reconciler) report;
    `wake_senders()` tells the senders a row was stored.
    """

    def __init__(self, servers: list[_Server], sender: Sender, config: ServiceConfig) -> None:
        self._servers = servers
        self._stop = threading.Event()
        main = servers[0]
        self.outbox, self.metrics, self.readiness = main.outbox, main.metrics, main.readiness
        host, port = main.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        scheme = "https" if config.tls is not None else "http"
        self.base_url = f"{scheme}://{self.host}:{self.port}"
        self.ops_url = f"http://{self.host}:{servers[-1].server_address[1]}" if len(servers) > 1 else self.base_url
        self._threads = [
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            for server in servers
        ]
        self._sender = threading.Thread(
            target=sender.run, args=(self._stop, main.wake, config.drain_seconds), name="finale-serve-send", daemon=True
        )
        if config.retention > 0:
            self._threads.append(
                threading.Thread(
                    target=prune_forever,
                    args=(self.outbox, config.retention, config.prune_every, self._stop, main.log),
                    daemon=True,
                )
            )
        self._drain = config.drain_seconds
        for thread in [*self._threads, self._sender]:
            thread.start()

    def wake_senders(self) -> None:
        self._servers[0].wake.set()

    def stop(self) -> None:
        """Stop receiving, then let the senders post what is due (bounded by drain_seconds)."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.wake_senders()
        # A post in flight may take the client's timeout on top of the drain time.
        self._sender.join(timeout=self._drain + 15)

    def __enter__(self) -> RunningService:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_service(
    outbox: Outbox,
    delivery: Delivery,
    config: ServiceConfig = ServiceConfig(),
    log: LogLine = quiet,
    *,
    check: StatusCheck | None = None,
    active: Callable[[], bool] | None = None,
    verify: Verify | None = None,
    wake: threading.Event | None = None,
    ready: Callable[[], str | None] | None = None,
) -> RunningService:
    """Bind (OSError if an address is taken), then serve and send on daemon threads.

    `check` reads GitLab before re-posting an interrupted row; `active` gates sending (the Lease);
    `verify` checks an event's run against the Kubernetes API; `wake` is shared with the reconciler;
    `ready` is one more /readyz check (the first list of PipelineRuns).
    """
    metrics, readiness = ServeMetrics(outbox), Readiness()
    readiness.add("outbox", lambda: _outbox_trouble(outbox))
    if ready is not None:
        readiness.add("kubernetes", ready)
    wake = wake or threading.Event()
    servers = [_Server(config, outbox, wake, log, ops=(metrics, readiness), verify=verify)]
    if config.ops_port is not None:
        try:
            servers.append(_Server(config, outbox, wake, log, ops=(metrics, readiness), port=config.ops_port))
        except OSError:
            servers[0].server_close()
            raise
    # One process per outbox file: a claim left in it is a post that a stopped process began.
    outbox.release()
    sender = Sender(
        outbox, delivery, config.backoff, log, workers=config.senders, observer=metrics, check=check, active=active
    )
    return RunningService(servers, sender, config)


def _outbox_trouble(outbox: Outbox) -> str | None:
    try:
        outbox.backlog()
    except sqlite3.Error as exc:
        return f"cannot read {outbox.path.name}: {exc}"
    return None


__all__ = [
    "Backoff",
    "LogLine",
    "RunningService",
    "Sender",
    "ServiceConfig",
    "Verify",
    "VerifyUnavailable",
    "start_service",
]
