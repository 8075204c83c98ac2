"""Requests and replies as plain values, so the API logic never touches sockets."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRequest:
    method: str
    path: str  # raw, still percent-encoded, without the query string
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def json_reply(status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Reply(status=status, body=body, headers=headers)


def message(status: int, text: str | Mapping[str, Any]) -> Reply:
    """GitLab's helper-style error: `{"message": ...}`."""
    return json_reply(status, {"message": text})


def error(status: int, text: str) -> Reply:
    """Grape-style error (parameter validation, unknown route): `{"error": ...}`."""
    return json_reply(status, {"error": text})


def not_found(what: str) -> Reply:
    return message(404, f"404 {what} Not Found")


FORBIDDEN = message(403, "403 Forbidden")
