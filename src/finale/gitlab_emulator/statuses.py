"""Pure commit-status rules: parameter checks, job transitions, validation, composite status.

Sources: GitLab `lib/api/commit_statuses.rb` (Grape params), `app/models/commit_status.rb`
(state machine, 255 limits), `app/services/ci/create_commit_status_service.rb` (events fired per
posted state) and `lib/gitlab/ci/status/composite.rb` (pipeline status).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from finale.gitlab_emulator import urls
from finale.gitlab_emulator.urls import url_problem as url_problem  # re-exported

POSTABLE_STATES = ("pending", "running", "success", "failed", "canceled", "skipped")
ACTIVE_STATES = ("pending", "running")
EXTERNAL_STAGE = "external"
MAX_LENGTH = 255

# Posted state -> state-machine events in order; a trailing "?" means "fire if allowed".
_EVENTS = {
    "pending": ("enqueue",),
    "running": ("enqueue?", "run"),
    "success": ("success",),
    "failed": ("drop",),
    "canceled": ("cancel",),
    "skipped": ("skip",),
}
_TRANSITIONS = {
    "enqueue": ({"created", "skipped"}, "pending"),
    "run": ({"pending"}, "running"),
    "success": ({"created", "pending", "running"}, "success"),
    "drop": ({"created", "pending", "running"}, "failed"),
    "cancel": ({"created", "pending", "running"}, "canceled"),
    "skip": ({"created", "pending"}, "skipped"),
}
_FLOAT = re.compile(r"\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)\s*")
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


@dataclass(frozen=True, slots=True, kw_only=True)
class Pipeline:
    id: int
    iid: int
    project_id: int
    sha: str
    ref: str
    source: str
    user_id: int | None
    created_at: str
    updated_at: str
    status: str = "created"  # used only while the pipeline has no jobs


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    id: int
    pipeline_id: int
    project_id: int
    sha: str
    ref: str
    name: str
    status: str
    user_id: int | None
    created_at: str
    stage: str = EXTERNAL_STAGE
    target_url: str | None = None
    description: str | None = None
    coverage: float | None = None
    allow_failure: bool = False
    started_at: str | None = None
    finished_at: str | None = None
    retried: bool = False

    @property
    def is_external(self) -> bool:
        return self.stage == EXTERNAL_STAGE


@dataclass(frozen=True, slots=True, kw_only=True)
class PostParams:
    """The POST parameters after Grape-style coercion; None means "not sent"."""

    state: str
    ref: str | None
    name: str
    target_url: str | None
    description: str | None
    coverage: float | None
    pipeline_id: int | None


def coerce_post_params(
    params: Mapping[str, Any],
    reject_skipped: bool = False,
) -> PostParams | str:
    """Coerce and check like Grape does; a string is the `error` text of a 400."""
    errors: list[str] = []
    states = [s for s in POSTABLE_STATES if not (reject_skipped and s == "skipped")]
    state = _string(params, "state", errors)
    if "state" not in params:  # Grape's presence check wants the key; a JSON null passes it
        errors.append("state is missing")
    if state not in states:
        errors.append("state does not have a valid value")
    text = {key: _string(params, key, errors) for key in ("ref", "target_url", "description", "name", "context")}
    coverage = _number(params, "coverage", errors, _FLOAT, float)
    pipeline_id = _number(params, "pipeline_id", errors, _INTEGER, int)
    if errors:
        return ", ".join(errors)
    name = text["name"] if text["name"] is not None else text["context"]
    return PostParams(
        state=str(state),
        ref=text["ref"],
        name="default" if name is None else name,
        target_url=text["target_url"],
        description=text["description"],
        coverage=None if coverage is None else float(coverage),
        pipeline_id=None if pipeline_id is None else int(pipeline_id),
    )


def _string(params: Mapping[str, Any], key: str, errors: list[str]) -> str | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    errors.append(f"{key} is invalid")
    return None


def _number(
    params: Mapping[str, Any], key: str, errors: list[str], pattern: re.Pattern[str], kind: type[float] | type[int]
) -> float | int | None:
    value = params.get(key)
    if value is None or value == "":
        return None  # Grape coerces a blank non-String parameter to nil
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if kind is float or float(value).is_integer():
            return kind(value)
    elif isinstance(value, str) and pattern.fullmatch(value):
        return kind(value.strip())
    errors.append(f"{key} is invalid")
    return None


def apply_state(job: Job, posted: str, now: str) -> Job | str:
    """Fire the events for `posted`; a string is GitLab's InvalidTransition message."""
    for spec in _EVENTS[posted]:
        event = spec.rstrip("?")
        sources, target = _TRANSITIONS[event]
        if job.status not in sources:
            if spec.endswith("?"):
                continue
            return (
                f"Cannot transition status via :{event} from :{job.status} "
                f'(Reason(s): Status cannot transition via "{event}")'
            )
        job = _enter(job, target, now)
    return job


def _enter(job: Job, target: str, now: str) -> Job:
    if target == "running":
        job = replace(job, started_at=now)
    if target in ("success", "failed", "canceled"):
        job = replace(job, finished_at=now)
    return replace(job, status=target)


def with_attributes(job: Job, params: PostParams) -> Job:
    """Copy non-blank optional values onto the job (blank ones are ignored, never cleared)."""
    changes: dict[str, Any] = {}
    if params.target_url and params.target_url.strip():
        changes["target_url"] = params.target_url
    if params.description and params.description.strip():
        changes["description"] = params.description
    if params.coverage is not None:
        changes["coverage"] = params.coverage
    return replace(job, **changes)


def validate_job(job: Job, taken_names: Iterable[str]) -> tuple[Job, dict[str, list[str]]]:
    """Run the model validations in GitLab's order; the job comes back with `target_url`
    stripped (the URL validator does that), with the errors keyed by field (empty if valid).

    CommitStatus checks name presence and the 255 limits first; GenericCommitStatus then checks
    `target_url` again (URL, then its own 255 limit, so an over-long URL is reported twice, as
    Rails does for two validators) and last the name against non-external jobs.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    too_long = f"is too long (maximum is {MAX_LENGTH} characters)"
    if not job.name.strip():
        add("name", "can't be blank")
    for field in ("ref", "target_url", "description"):
        value = getattr(job, field)
        if value is not None and len(value) > MAX_LENGTH:
            add(field, too_long)
    if job.target_url is not None:
        target_url = urls.strip(job.target_url)
        job = replace(job, target_url=target_url)
        # Never blank here: blank values were dropped before the job was built.
        problem = urls.url_problem(target_url)
        if problem is not None:
            add("target_url", f"is blocked: {problem}")
        if len(target_url) > MAX_LENGTH:
            add("target_url", too_long)
    if job.name.strip() and job.name in set(taken_names):
        add("name", "has already been taken")
    return job, errors


def composite_status(jobs: Sequence[Job], empty: str = "created") -> str:
    """Pipeline status from its latest jobs (lib/gitlab/ci/status/composite.rb order)."""
    if not jobs:
        return empty
    seen = {"ignored" if j.allow_failure and j.status in ("failed", "canceled") else j.status for j in jobs}

    def only(*states: str) -> bool:
        return seen <= set(states)

    if only("skipped", "ignored"):
        return "skipped"
    if only("success", "skipped", "ignored"):
        return "success"
    if only("created", "ignored"):
        return "created"
    if only("canceled", "success", "skipped", "ignored"):
        return "canceled"
    if only("pending", "created", "skipped", "ignored"):
        return "pending"
    if seen & {"running", "pending"}:
        return "running"
    if "created" in seen:
        return "running"
    return "failed"


def to_boolean(value: Any) -> bool | None:
    """GitLab's Gitlab::Utils.to_boolean."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "t", "yes", "y", "1", "on"):
        return True
    if text in ("false", "f", "no", "n", "0", "off"):
        return False
    return None
