"""HTTP glue: a stdlib ThreadingHTTPServer on loopback, the request log, and `serve()`."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from finale.gitlab_emulator.access import SECRET_HEADERS, SECRET_PARAMS
from finale.gitlab_emulator.admin import (
    ADMIN_PREFIX,
    RequestLog,
    handle_admin,
    seed_pipeline,
)
from finale.gitlab_emulator.config import EmulatorConfig, Faults, SeedJob, SeedPipeline
from finale.gitlab_emulator.faults import FaultSwitch
from finale.gitlab_emulator.params import request_params
from finale.gitlab_emulator.replies import ApiRequest, Reply, message
from finale.gitlab_emulator.service import Clock, GitLabService, utc_now
from finale.gitlab_emulator.store import Store

MASK = "[MASKED]"
LogLine = Callable[[str], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "finale-gitlab-emulator"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        request = ApiRequest(
            method=self.command,
            path=url.path,
            query=url.query,
            body=body,
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        reply = self.server.dispatch(request)
        self.send_response(reply.status)
        if reply.body or reply.status != 204:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: `dispatch` logs one masked line per request instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], service: GitLabService, log: RequestLog, log_line: LogLine | None
    ) -> None:
        super().__init__(address, _Handler)
        self.service = service
        self.log = log
        self.log_line = log_line

    def dispatch(self, request: ApiRequest) -> Reply:
        if request.path.startswith(ADMIN_PREFIX):
            return handle_admin(self.service, self.log, request)
        try:
            reply = self.service.handle(request)
        except Exception as exc:  # a bug must still answer like GitLab, and be visible
            reply = message(500, "500 Internal Server Error")
            if self.log_line:
                self.log_line(f"internal error: {type(exc).__name__}: {exc}")
        entry = _log_entry(request, reply, self._secrets(request))
        self.log.add(entry)
        if self.log_line:
            query = f"?{entry['query_string']}" if entry["query_string"] else ""
            self.log_line(f"{request.method} {request.path}{query} {reply.status}")
        return reply

    def _secrets(self, request: ApiRequest) -> set[str]:
        secrets = {t.value for u in self.service.config.users for t in u.tokens}
        secrets.update(v for k, v in request.headers.items() if k in SECRET_HEADERS)
        secrets.update(v for k, v in parse_qsl(request.query) if k in SECRET_PARAMS)
        for value in list(secrets):
            if value.lower().startswith("bearer "):
                secrets.add(value[7:].strip())
        return {s for s in secrets if s}


def _log_entry(request: ApiRequest, reply: Reply, secrets: set[str]) -> dict[str, Any]:
    def mask(text: str) -> str:
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    query = [(k, MASK if k in SECRET_PARAMS else mask(v)) for k, v in parse_qsl(request.query, keep_blank_values=True)]
    body = mask(request.body.decode("utf-8", "replace"))
    entry: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "query": dict(query),
        "query_string": "&".join(f"{k}={v}" for k, v in query),
        "headers": {k: MASK if k in SECRET_HEADERS else mask(v) for k, v in request.headers.items()},
        "body": body,
        "status": reply.status,
    }
    params = request_params(request)
    if isinstance(params, dict):
        entry["params"] = {
            k: MASK if k in SECRET_PARAMS else (mask(v) if isinstance(v, str) else v) for k, v in params.items()
        }
    if request.headers.get("content-type", "").startswith("application/json"):
        with contextlib.suppress(ValueError):
            entry["json"] = json.loads(body)
    return entry


class RunningEmulator:
    """A started emulator; stop it with `.stop()` or by leaving a `with` block."""

    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        self.base_url = f"http://{self.host}:{self.port}"
        server.service.base_url = self.base_url

    @property
    def service(self) -> GitLabService:
        return self._server.service

    def requests(self) -> list[dict[str, Any]]:
        """The request log: method, path, query, headers and body, with secrets masked."""
        return self._server.log.entries()

    def set_faults(self, **faults: Any) -> Faults:
        """Merge faults, e.g. `set_faults(throttle=2)` or `set_faults(idempotent=True)`."""
        return self._server.service.faults.set(**faults)

    def pipelines(self) -> list[dict[str, Any]]:
        """Every pipeline with its computed status and all its jobs (retried included)."""
        from finale.gitlab_emulator.admin import pipelines_summary

        return pipelines_summary(self._server.service)

    def add_pipeline(
        self,
        *,
        project: str,
        sha: str,
        ref: str,
        source: str = "push",
        status: str = "created",
        jobs: Iterable[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """Seed a pipeline as GitLab CI would have made it; jobs are `{name, status, stage}`."""
        seed = SeedPipeline(
            project=project, sha=sha, ref=ref, source=source, status=status, jobs=tuple(SeedJob(**j) for j in jobs)
        )
        pipeline = seed_pipeline(self._server.service, seed)
        return next(p for p in self.pipelines() if p["id"] == pipeline.id)

    def reset(self) -> None:
        """Forget pipelines, jobs and logged requests; faults go back to the config's."""
        service = self._server.service
        service.store.clear()
        service.faults.reset(service.config.faults)
        self._server.log.clear()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    config: EmulatorConfig,
    host: str = "127.0.0.1",
    port: int = 0,
    db_path: str | Path | None = None,
    log_line: LogLine | None = None,
    clock: Clock = utc_now,
) -> RunningEmulator:
    """Start the emulator on a daemon thread; port 0 picks a free port (see `.base_url`)."""
    store = Store(db_path)
    service = GitLabService(config, store, FaultSwitch(config.faults), clock)
    if not store.pipelines():
        _seed(service, config.pipelines)
    server = _Server((host, port), service, RequestLog(), log_line)
    # A short poll interval makes `.stop()` return quickly.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="gitlab-emulator", daemon=True
    )
    thread.start()
    return RunningEmulator(server, thread)


def _seed(service: GitLabService, seeds: Iterable[Any]) -> None:
    for seed in seeds:
        seed_pipeline(service, seed)
