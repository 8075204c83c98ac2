"""A tiny HTTP server on 127.0.0.1 that answers from a script of faults, then with 201.

Used by the reporter's tests and benchmark: each request takes the next scripted `Reply`
(status, body, headers, or a connection reset); when the script is empty it answers like
GitLab's `POST .../statuses/:sha` (201 with a job id and pipeline id). Every request is recorded.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted answer; `reset=True` drops the connection without any response."""

    status: int = 201
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    reset: bool = False


def json_reply(status: int, payload: object, **headers: str) -> Reply:
    return Reply(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **headers})


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the server saw: raw path (still percent-encoded), headers and decoded JSON body."""

    method: str
    raw_path: str
    headers: Mapping[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival

    @property
    def json(self) -> dict[str, object]:
        data = json.loads(self.body or b"{}")
        return data if isinstance(data, dict) else {}

    @property
    def path_segments(self) -> list[str]:
        return [unquote(p) for p in urlsplit(self.raw_path).path.split("/")]


class FaultServer:
    """`with FaultServer([Reply(502), ...]) as server:` then point a client at `server.base_url`."""

    def __init__(
        self,
        script: Iterable[Reply] = (),
        *,
        pipeline_id: int = 77,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._script = list(script)
        self._lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.pipeline_id = pipeline_id
        self._next_id = 1000
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._scheme = "https" if tls is not None else "http"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{self._scheme}://{host!s}:{port}"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def _take(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self._script:
                return self._script.pop(0)
            self._next_id += 1
            job_id = self._next_id
        state = recorded.json.get("state", "success")
        return json_reply(201, {"id": job_id, "status": state, "pipeline_id": self.pipeline_id})


def _handler_for(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items()}
            recorded = Recorded(self.command, self.path, headers, body, time.monotonic())
            reply = server._take(recorded)
            if reply.reset:
                # SO_LINGER 0 turns close() into a TCP RST: the client sees a reset connection.
                # Closing the raw fd now, before the server's own FIN, keeps it a pure reset.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                os.close(self.connection.detach())
                self.close_connection = True
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: tests read `server.requests` instead

    return Handler


__all__ = ["FaultServer", "Recorded", "Reply", "json_reply"]
