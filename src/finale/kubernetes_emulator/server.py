"""HTTP glue: a ThreadingHTTPServer on loopback, bearer-token auth, faults, and `serve()`."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from finale.kubernetes_emulator import api, replies, watch
from finale.kubernetes_emulator.faults import Faults
from finale.kubernetes_emulator.resources import Resource
from finale.kubernetes_emulator.store import Store


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "finale-kubernetes-emulator"
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        parts = [p for p in url.path.split("/") if p]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        self.server.record(self.command, url.path)
        try:
            self._check(url.path)
            found = api.discovery(self.server.resources, parts)
            if found is not None:
                self._reply(200, found)
                return
            t = api.target(self.server.resources, parts)
            if self.command == "GET" and t.name is None and query.get("watch") in ("1", "true"):
                self._watch(t, query)
            elif self.command == "GET":
                self._get(t, query)
            else:
                body = _json(raw)
                content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                self._reply(
                    201 if self.command == "POST" else 200,
                    api.write(self.server.store, t, self.command, content_type, body),
                )
        except replies.ApiStatus as status:
            self._reply(status.code, status.body())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _check(self, path: str) -> None:
        header = self.headers.get("Authorization") or ""
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if token not in self.server.tokens:
            raise replies.unauthorized()
        fault = self.server.faults.take(self.command, path)
        if fault is not None:
            raise fault

    def _get(self, t: api.Target, query: dict[str, str]) -> None:
        if t.name is None:
            self._reply(200, api.list_objects(self.server.store, t, query))
        else:
            namespace = t.namespace or ""
            self._reply(200, api.shaped(self.server.store.get(t.resource, namespace, t.name), t))

    def _watch(self, t: api.Target, query: dict[str, str]) -> None:
        opts = watch.options(query, self.server.bookmark_every)
        store = self.server.store
        if self.server.gone_as_http and opts.start is not None and store.is_compacted(opts.start):
            raise replies.expired(opts.start, store.version)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def send(event: dict[str, Any]) -> None:
            self.wfile.write(watch.encode(event))
            self.wfile.flush()

        try:
            finished = watch.stream(store, self.server.faults, t, opts, send, self.server.is_stopping)
        except OSError:
            finished = False
        if finished:
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.close_connection = True
            with contextlib.suppress(OSError):  # the client may be gone already
                self.connection.shutdown(socket.SHUT_RDWR)

    def _reply(self, code: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the request log is kept in memory."""


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise replies.bad_request(f"the body is not JSON: {exc}") from None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, store: Store, faults: Faults, resources: tuple[Resource, ...], tokens: frozenset[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.store = store
        self.faults = faults
        self.resources = resources
        self.tokens = tokens
        self.bookmark_every = 60.0
        self.gone_as_http = False
        self._stopping = threading.Event()
        self._log_lock = threading.Lock()
        self.log: list[tuple[str, str]] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (kill -9 of a watcher) is routine: say nothing."""
        if not isinstance(sys.exc_info()[1], ConnectionError | OSError):
            super().handle_error(request, client_address)

    def record(self, method: str, path: str) -> None:
        with self._log_lock:
            self.log.append((method, path))

    def is_stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        self._stopping.set()
        self.store.wake()
        self.shutdown()
        self.server_close()


__all__: list[str] = []
