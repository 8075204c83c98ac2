"""Tekton CloudEvents -> GitLab commit-status updates (pure: no transport, no clock).

Tekton's controller posts PipelineRun lifecycle events in binary mode (`ce-*` headers, JSON
body `{"pipelineRun": {...}}`); structured mode (`application/cloudevents+json`) is accepted too.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finale.core.gitlab.pipelinerun import (
    DEFAULT_STATUS_NAME,
    PIPELINERUN_TYPE_PREFIX,
    Condition,
    Ignored,
    StatusUpdate,
    read_update,
    succeeded_condition,
)
from finale.core.tekton.reasons import ConditionStatus, PipelineRunReason
from finale.errors import InputError

_PERCENT = re.compile(r"(%[0-9A-Fa-f]{2})")
_STRUCTURED = "application/cloudevents+json"
_BATCH = "application/cloudevents-batch+json"
# A condition-less event falls back on its type (Tekton always sets the condition).
_TYPE_CONDITION = {
    "started": (ConditionStatus.UNKNOWN, PipelineRunReason.STARTED),
    "running": (ConditionStatus.UNKNOWN, PipelineRunReason.RUNNING),
    "unknown": (ConditionStatus.UNKNOWN, ""),
    "successful": (ConditionStatus.TRUE, PipelineRunReason.SUCCEEDED),
    "failed": (ConditionStatus.FALSE, PipelineRunReason.FAILED),
}
_HOW = (
    "send binary mode (ce-id, ce-type, ce-source, ce-specversion headers + JSON body) "
    f"or structured mode (Content-Type: {_STRUCTURED})"
)


class EventError(InputError):
    """A request that is not a usable CloudEvent (answered 400, never stored)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudEvent:
    id: str
    type: str
    source: str
    subject: str
    time: str
    data: Mapping[str, Any]


def parse_cloudevent(headers: Mapping[str, str], body: bytes) -> CloudEvent:
    """Read a CloudEvent from HTTP headers (any case) and body; EventError says what is wrong."""
    lower = {k.lower(): v for k, v in headers.items()}
    content_type = lower.get("content-type", "").split(";")[0].strip().lower()
    if content_type == _BATCH:
        raise EventError(f"batched CloudEvents are not supported; {_HOW}")
    if content_type == _STRUCTURED:
        return _structured(_json_object(body, "body"))
    if "ce-id" not in lower and "ce-type" not in lower:
        raise EventError(f"not a CloudEvent: no ce-id/ce-type headers; {_HOW}")
    attributes = {k[3:]: _percent_decode(v) for k, v in lower.items() if k.startswith("ce-")}
    if content_type and not _is_json(content_type):
        raise EventError(f"Content-Type {content_type!r}: data must be JSON (application/json)")
    return _event(attributes, _json_object(body, "body"), "header ce-")


def _structured(envelope: Mapping[str, Any]) -> CloudEvent:
    attributes = {k: v for k, v in envelope.items() if k not in ("data", "data_base64")}
    if "data_base64" in envelope:
        try:
            raw = base64.b64decode(str(envelope["data_base64"]), validate=True)
        except binascii.Error:
            raise EventError("data_base64 is not valid base64") from None
        data: Any = _json_object(raw, "data_base64")
    else:
        data = envelope.get("data")
    if not isinstance(data, Mapping):
        raise EventError('data must be a JSON object such as {"pipelineRun": {...}}')
    return _event(attributes, data, "attribute ")


def _event(attributes: Mapping[str, Any], data: Mapping[str, Any], where: str) -> CloudEvent:
    for required in ("id", "type"):
        value = attributes.get(required)
        if not isinstance(value, str) or not value.strip():
            raise EventError(f"missing or empty {where}{required}; {_HOW}")
    version = str(attributes.get("specversion", "1.0"))
    if not version.startswith("1."):
        raise EventError(f"{where}specversion {version!r} is not supported; send 1.0")
    return CloudEvent(
        id=str(attributes["id"]).strip(),
        type=str(attributes["type"]).strip(),
        source=str(attributes.get("source", "")),
        subject=str(attributes.get("subject", "")),
        time=str(attributes.get("time", "")),
        data=data,
    )


def _percent_decode(text: str) -> str:
    """CloudEvents HTTP binding: header values are percent-encoded UTF-8."""
    if "%" not in text:
        return text
    parts = _PERCENT.split(text)
    raw = b"".join(bytes.fromhex(part[1:]) if _PERCENT.fullmatch(part) else part.encode("utf-8") for part in parts)
    return raw.decode("utf-8", errors="replace")


def _is_json(content_type: str) -> bool:
    return content_type in ("application/json", "text/json") or content_type.endswith("+json")


def _json_object(raw: bytes, what: str) -> Mapping[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise EventError(f"{what} is not valid JSON ({exc})") from None
    if not isinstance(value, Mapping):
        raise EventError(f'{what} must be a JSON object such as {{"pipelineRun": {{...}}}}')
    return value


def status_update(event: CloudEvent, *, default_name: str = DEFAULT_STATUS_NAME) -> StatusUpdate | Ignored:
    """The status to post for a PipelineRun event, or why the event is ignored."""
    if not event.type.startswith(PIPELINERUN_TYPE_PREFIX):
        return Ignored(event_id=event.id, reason=f"{event.type} is not a PipelineRun event")
    run = event.data.get("pipelineRun")
    if not isinstance(run, Mapping):
        raise EventError(f"{event.type}: data has no pipelineRun object")
    return read_update(
        run,
        _condition(run, event),
        event_id=event.id,
        event_type=event.type,
        default_name=default_name,
        fallback_time=event.time,
        subject=event.subject,
    )


def _condition(run: Mapping[str, Any], event: CloudEvent) -> Condition:
    """The run's `Succeeded` condition; else the one the event type implies."""
    found = succeeded_condition(run)
    if found is not None:
        return found
    kind = event.type.removeprefix(PIPELINERUN_TYPE_PREFIX).split(".")[0]
    status, reason = _TYPE_CONDITION.get(kind, (ConditionStatus.UNKNOWN, ""))
    return Condition(status=status, reason=reason)


__all__ = [
    "DEFAULT_STATUS_NAME",
    "CloudEvent",
    "EventError",
    "Ignored",
    "StatusUpdate",
    "parse_cloudevent",
    "status_update",
]
