"""Request parameters from the query string and a form, multipart or JSON body, as Grape merges
them (body values win over query values)."""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from finale.gitlab_emulator.replies import ApiRequest, Reply, message


def request_params(request: ApiRequest) -> dict[str, Any] | Reply:
    """Merged parameters, or a 400 reply for a body that cannot be parsed."""
    params: dict[str, Any] = dict(parse_qsl(request.query, keep_blank_values=True))
    content_type = request.headers.get("content-type", "")
    mime = content_type.split(";", 1)[0].strip().lower()
    if not request.body:
        return params
    if mime == "application/json" or mime.endswith("+json"):
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            return message(400, f"There was a problem in the JSON you submitted: {exc}")
        if isinstance(body, dict):
            params.update(body)
    elif mime == "application/x-www-form-urlencoded":
        params.update(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    elif mime == "multipart/form-data":
        params.update(_multipart(content_type, request.body))
    return params


def _multipart(content_type: str, body: bytes) -> dict[str, str]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    parsed = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    if not parsed.is_multipart():
        return fields
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload.decode("utf-8", "replace")
    return fields
