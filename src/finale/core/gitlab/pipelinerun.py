"""A PipelineRun object -> the commit status it calls for (pure). Shared by the CloudEvent path
and the Kubernetes API reconciler, so both order, de-duplicate and describe alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from finale.core.gitlab.state import GitLabState, state_for_condition
from finale.core.tekton.reasons import ConditionStatus

PIPELINERUN_TYPE_PREFIX = "dev.tekton.event.pipelinerun."
DEFAULT_STATUS_NAME = "tekton-pipeline"
ANNOTATION_PROJECT = "finale.dev/gitlab-project"
ANNOTATION_SHA = "finale.dev/gitlab-sha"
ANNOTATION_REF = "finale.dev/gitlab-ref"
ANNOTATION_NAME = "finale.dev/gitlab-name"
ANNOTATION_TARGET_URL = "finale.dev/gitlab-target-url"
# Written by `finale serve --kubernetes` once the final state is in GitLab (as Pipelines-as-Code
# records `pipelinesascode.tekton.dev/state` on the run), and the finalizer holding the run until then.
ANNOTATION_REPORTED = "finale.dev/gitlab-reported"
FINALIZER = "finale.dev/gitlab-report"
# Fallback params, named as in the buildpacks-gitlab Pipeline finale grew from.
PROJECT_PARAMS = ("GITLAB_PROJECT", "REPO_PATH_ONLY")
SHA_PARAMS = ("GITLAB_SHA", "SOURCE_REVISION")
REF_PARAMS = ("GITLAB_REF",)
DASHBOARD_PARAM = "TEKTON_DASHBOARD_HOST"
SYNTHETIC_ID_PREFIX = "k8s:"

FINAL_STATES = frozenset({GitLabState.SUCCESS, GitLabState.FAILED, GitLabState.CANCELED})
_STATE_ORDER = {GitLabState.PENDING: "0", GitLabState.RUNNING: "1"}


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """The run's `Succeeded` condition (knative apis duck type)."""

    status: str
    reason: str
    message: str = ""
    last_transition: str = ""


def succeeded_condition(run: Mapping[str, Any]) -> Condition | None:
    conditions = mapping(run.get("status")).get("conditions")
    for item in conditions if isinstance(conditions, list) else []:
        if isinstance(item, Mapping) and item.get("type") == "Succeeded":
            return Condition(
                status=str(item.get("status", ConditionStatus.UNKNOWN)),
                reason=str(item.get("reason", "")),
                message=str(item.get("message", "")),
                last_transition=str(item.get("lastTransitionTime", "")),
            )
    return None


def run_name(run: Mapping[str, Any], fallback: str = "?") -> str:
    meta = mapping(run.get("metadata"))
    return f"{meta.get('namespace') or 'default'}/{meta.get('name') or fallback}"


def synthetic_event_id(run: Mapping[str, Any], condition: Condition) -> str:
    """The id a run read from the API stands under: one per condition, so a re-read is a duplicate."""
    uid = str(mapping(run.get("metadata")).get("uid") or run_name(run))
    return f"{SYNTHETIC_ID_PREFIX}{uid}/{condition.status}/{condition.reason}/{condition.last_transition}"


def _event_kind(condition: Condition) -> str:
    if condition.status == ConditionStatus.TRUE:
        return "successful"
    if condition.status == ConditionStatus.FALSE:
        return "failed"
    return "started" if condition.reason == "Started" else "running"


def run_update(run: Mapping[str, Any], *, default_name: str = DEFAULT_STATUS_NAME) -> StatusUpdate | Ignored:
    """The status a PipelineRun read from the Kubernetes API calls for, or why none.

    A run whose final state is already recorded on it (ANNOTATION_REPORTED) needs nothing.
    """
    condition = succeeded_condition(run)
    if condition is None:
        return Ignored(event_id=f"{SYNTHETIC_ID_PREFIX}{run_name(run)}", reason=f"{run_name(run)} has not started")
    event_id = synthetic_event_id(run, condition)
    event_type = f"{PIPELINERUN_TYPE_PREFIX}{_event_kind(condition)}.v1"
    update = read_update(run, condition, event_id=event_id, event_type=event_type, default_name=default_name)
    reported = mapping(mapping(run.get("metadata")).get("annotations")).get(ANNOTATION_REPORTED)
    if isinstance(update, StatusUpdate) and update.final and reported == update.state.value:
        return Ignored(event_id=event_id, reason=f"{update.run_name}: {reported} already reported")
    return update


def read_update(
    run: Mapping[str, Any],
    condition: Condition,
    *,
    event_id: str,
    event_type: str,
    default_name: str,
    fallback_time: str = "",
    subject: str = "",
) -> StatusUpdate | Ignored:
    """The status for `run` in `condition`; Ignored when the run names no GitLab project or commit."""
    meta = mapping(run.get("metadata"))
    name = run_name(run, subject or "?")
    where = _Where.of(run)
    project = where.first(ANNOTATION_PROJECT, PROJECT_PARAMS)
    sha = where.first(ANNOTATION_SHA, SHA_PARAMS)
    if not project or not sha:
        return Ignored(event_id=event_id, reason=_missing_reason(name, "project" if not project else "commit SHA"))
    decision = state_for_condition(condition.status, condition.reason)
    description = f"{decision.description}: {condition.message}" if condition.message else decision.description
    final = decision.state in FINAL_STATES
    when = _sortable_time(condition.last_transition or fallback_time)
    return StatusUpdate(
        event_id=event_id,
        event_type=event_type,
        run=str(meta.get("uid") or name),
        run_name=name,
        project=project,
        sha=sha,
        ref=where.first(ANNOTATION_REF, REF_PARAMS) or _ref_from_revision(sha),
        name=where.first(ANNOTATION_NAME, ()) or default_name,
        target_url=where.first(ANNOTATION_TARGET_URL, ()) or _dashboard_url(where, meta),
        state=decision.state,
        description=" ".join(description.split()),
        final=final,
        rank=f"{int(final)}|{when}|{_STATE_ORDER.get(decision.state, '2')}",
    )


def names_commit(run: Mapping[str, Any]) -> bool:
    """Whether the run says which GitLab commit it reports to (the runs a finalizer holds)."""
    where = _Where.of(run)
    return bool(where.first(ANNOTATION_PROJECT, PROJECT_PARAMS) and where.first(ANNOTATION_SHA, SHA_PARAMS))


def mismatch(claimed: Mapping[str, Any], live: Mapping[str, Any] | None) -> str | None:
    """Why an event's copy of a run disagrees with the run the API holds; None when they agree."""
    name = run_name(claimed)
    if live is None:
        return f"PipelineRun {name} does not exist"
    if mapping(claimed.get("metadata")).get("uid") != mapping(live.get("metadata")).get("uid"):
        return f"PipelineRun {name} has another uid"
    said, now = succeeded_condition(claimed), succeeded_condition(live)
    if said is None or now is None or (said.status, said.reason) != (now.status, now.reason):
        shown = "none" if now is None else f"{now.status}/{now.reason}"
        return f"PipelineRun {name} has condition {shown}"
    return None


def _missing_reason(name: str, missing: str) -> str:
    if missing == "project":
        how = f"annotation {ANNOTATION_PROJECT} or param {' / '.join(PROJECT_PARAMS)}"
    else:
        how = f"annotation {ANNOTATION_SHA} or param {' / '.join(SHA_PARAMS)}"
    return f"PipelineRun {name} names no GitLab {missing}; set {how}"


@dataclass(frozen=True, slots=True)
class _Where:
    """Annotations, then labels, then string params of the PipelineRun."""

    annotations: Mapping[str, Any]
    labels: Mapping[str, Any]
    params: Mapping[str, str]

    @classmethod
    def of(cls, run: Mapping[str, Any]) -> _Where:
        meta = mapping(run.get("metadata"))
        raw = mapping(run.get("spec")).get("params")
        params = {
            str(p["name"]): p["value"]
            for p in (raw if isinstance(raw, list) else [])
            if isinstance(p, Mapping) and "name" in p and isinstance(p.get("value"), str)
        }
        return cls(mapping(meta.get("annotations")), mapping(meta.get("labels")), params)

    def first(self, key: str, params: tuple[str, ...]) -> str:
        for value in (self.annotations.get(key), self.labels.get(key)):
            if isinstance(value, str) and value.strip():
                return value.strip()
        return next((self.params[p].strip() for p in params if self.params.get(p, "").strip()), "")


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


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


__all__ = [
    "ANNOTATION_REPORTED",
    "DEFAULT_STATUS_NAME",
    "FINALIZER",
    "Condition",
    "Ignored",
    "StatusUpdate",
    "mismatch",
    "names_commit",
    "read_update",
    "run_update",
    "succeeded_condition",
    "synthetic_event_id",
]
