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
from datetime import UTC, datetime
from typing import Any

from finale.core.gitlab.state import GitLabState, state_for_condition
from finale.errors import InputError

PIPELINERUN_TYPE_PREFIX = "dev.tekton.event.pipelinerun."
DEFAULT_STATUS_NAME = "tekton-pipeline"
ANNOTATION_PROJECT = "finale.dev/gitlab-project"
ANNOTATION_SHA = "finale.dev/gitlab-sha"
ANNOTATION_REF = "finale.dev/gitlab-ref"
ANNOTATION_NAME = "finale.dev/gitlab-name"
ANNOTATION_TARGET_URL = "finale.dev/gitlab-target-url"
# Fallback params, named as in the buildpacks-gitlab Pipeline finale grew from.
PROJECT_PARAMS = ("GITLAB_PROJECT", "REPO_PATH_ONLY")
SHA_PARAMS = ("GITLAB_SHA", "SOURCE_REVISION")
REF_PARAMS = ("GITLAB_REF",)
DASHBOARD_PARAM = "TEKTON_DASHBOARD_HOST"

_PERCENT = re.compile(r"(%[0-9A-Fa-f]{2})")
_STRUCTURED = "application/cloudevents+json"
_BATCH = "application/cloudevents-batch+json"
_FINAL = frozenset({GitLabState.SUCCESS, GitLabState.FAILED, GitLabState.CANCELED})
_STATE_ORDER = {GitLabState.PENDING: "0", GitLabState.RUNNING: "1"}
# A condition-less event falls back on its type (Tekton always sets the condition).
_TYPE_CONDITION = {
    "started": ("Unknown", "Started"),
    "running": ("Unknown", "Running"),
    "unknown": ("Unknown", ""),
    "successful": ("True", "Succeeded"),
    "failed": ("False", "Failed"),
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


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusUpdate:
    """One commit status to post, with what is needed to order it against its siblings."""

    event_id: str
    event_type: str
    run: str  # PipelineRun uid, else namespace/name
    run_name: str  # namespace/name, for people
    project: str
    sha: str
    ref: str
    name: str
    target_url: str
    state: GitLabState
    description: str
    final: bool
    # Sortable: final beats running; then the condition's transition time; then state order.
    rank: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.project, self.sha, self.name, self.run)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ignored:
    event_id: str
    reason: str


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
    meta = _mapping(run.get("metadata"))
    run_name = f"{meta.get('namespace') or 'default'}/{meta.get('name') or event.subject or '?'}"
    where = _Where.of(run)
    project = where.first(ANNOTATION_PROJECT, PROJECT_PARAMS)
    sha = where.first(ANNOTATION_SHA, SHA_PARAMS)
    if not project or not sha:
        missing = "project" if not project else "commit SHA"
        return Ignored(event_id=event.id, reason=_missing_reason(run_name, missing))
    status, reason, message, when = _condition(run, event)
    decision = state_for_condition(status, reason)
    description = f"{decision.description}: {message}" if message else decision.description
    final = decision.state in _FINAL
    return StatusUpdate(
        event_id=event.id,
        event_type=event.type,
        run=str(meta.get("uid") or run_name),
        run_name=run_name,
        project=project,
        sha=sha,
        ref=where.first(ANNOTATION_REF, REF_PARAMS) or _ref_from_revision(sha),
        name=where.first(ANNOTATION_NAME, ()) or default_name,
        target_url=where.first(ANNOTATION_TARGET_URL, ()) or _dashboard_url(where, meta),
        state=decision.state,
        description=" ".join(description.split()),
        final=final,
        rank=f"{int(final)}|{_sortable_time(when or event.time)}|{_STATE_ORDER.get(decision.state, '2')}",
    )


def _missing_reason(run_name: str, missing: str) -> str:
    if missing == "project":
        how = f"annotation {ANNOTATION_PROJECT} or param {' / '.join(PROJECT_PARAMS)}"
    else:
        how = f"annotation {ANNOTATION_SHA} or param {' / '.join(SHA_PARAMS)}"
    return f"PipelineRun {run_name} names no GitLab {missing}; set {how}"


@dataclass(frozen=True, slots=True)
class _Where:
    """Annotations, then labels, then string params of the PipelineRun."""

    annotations: Mapping[str, Any]
    labels: Mapping[str, Any]
    params: Mapping[str, str]

    @classmethod
    def of(cls, run: Mapping[str, Any]) -> _Where:
        meta = _mapping(run.get("metadata"))
        raw = _mapping(run.get("spec")).get("params")
        params = {
            str(p["name"]): p["value"]
            for p in (raw if isinstance(raw, list) else [])
            if isinstance(p, Mapping) and "name" in p and isinstance(p.get("value"), str)
        }
        return cls(_mapping(meta.get("annotations")), _mapping(meta.get("labels")), params)

    def first(self, key: str, params: tuple[str, ...]) -> str:
        for value in (self.annotations.get(key), self.labels.get(key)):
            if isinstance(value, str) and value.strip():
                return value.strip()
        return next((self.params[p].strip() for p in params if self.params.get(p, "").strip()), "")


def _condition(run: Mapping[str, Any], event: CloudEvent) -> tuple[str, str, str, str]:
    """(status, reason, message, lastTransitionTime) of the `Succeeded` condition."""
    conditions = _mapping(run.get("status")).get("conditions")
    for item in conditions if isinstance(conditions, list) else []:
        if isinstance(item, Mapping) and item.get("type") == "Succeeded":
            return (
                str(item.get("status", "Unknown")),
                str(item.get("reason", "")),
                str(item.get("message", "")),
                str(item.get("lastTransitionTime", "")),
            )
    kind = event.type.removeprefix(PIPELINERUN_TYPE_PREFIX).split(".")[0]
    status, reason = _TYPE_CONDITION.get(kind, ("Unknown", ""))
    return status, reason, "", ""


def _ref_from_revision(sha: str) -> str:
    # A revision given as a branch or tag name is also the ref GitLab should file it under.
    is_hex = len(sha) >= 7 and all(c in "0123456789abcdefABCDEF" for c in sha)
    return "" if is_hex else sha


def _dashboard_url(where: _Where, meta: Mapping[str, Any]) -> str:
    host = where.params.get(DASHBOARD_PARAM, "").strip().rstrip("/")
    if not host or not meta.get("name"):
        return ""
    base = host if "://" in host else f"https://{host}"
    # Kubernetes names are DNS labels: nothing in them needs escaping in a URL.
    return f"{base}/#/namespaces/{meta.get('namespace') or 'default'}/pipelineruns/{meta['name']}"


def _sortable_time(text: str) -> str:
    """RFC 3339 -> fixed-width UTC text that sorts in time order; "" if absent or unreadable."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


__all__ = [
    "DEFAULT_STATUS_NAME",
    "CloudEvent",
    "EventError",
    "Ignored",
    "StatusUpdate",
    "parse_cloudevent",
    "status_update",
]
