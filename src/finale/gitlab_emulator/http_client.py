"""A tiny stdlib HTTP client for talking to the emulator in tests (JSON, form, multipart, query)."""

from __future__ import annotations

import http.client
import json as jsonlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.body)


def call(
    base_url: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    query: Mapping[str, Any] | None = None,
    json: Any = None,
    form: Mapping[str, Any] | None = None,
    multipart: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10,
) -> Answer:
    """One request; `token` goes in PRIVATE-TOKEN. Paths are sent exactly as given."""
    sent = dict(headers or {})
    if token is not None:
        sent["PRIVATE-TOKEN"] = token
    body: bytes | None = None
    if json is not None:
        body = jsonlib.dumps(json).encode()
        sent.setdefault("Content-Type", "application/json")
    elif form is not None:
        body = urlencode({k: str(v) for k, v in form.items()}).encode()
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif multipart is not None:
        body, sent["Content-Type"] = _multipart(multipart)
    if query:
        path += ("&" if "?" in path else "?") + urlencode({k: str(v) for k, v in query.items()})
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=timeout)
    try:
        conn.request(
            method, path, body=body if body is not None else (b"" if method in ("POST", "PUT") else None), headers=sent
        )
        response = conn.getresponse()
        data = response.read()
        return Answer(status=response.status, body=data, headers={k.lower(): v for k, v in response.getheaders()})
    finally:
        conn.close()


def _multipart(fields: Mapping[str, Any]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    chunks = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
