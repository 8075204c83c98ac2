"""How a Tekton outcome becomes a GitLab commit state (pure, stdlib only).

This module is also inlined into the `gitlab-set-status` Task script, so it imports nothing of
finale but the Tekton words (`core/tekton/reasons.py`, inlined before it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from finale.core.tekton.reasons import AggregateStatus, ConditionStatus, PipelineRunReason


class GitLabState(StrEnum):
    """The six states `POST /projects/:id/statuses/:sha` accepts (case-sensitive on the wire)."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELED = "canceled"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True, kw_only=True)
class StateDecision:
    """A GitLab state plus the description to send when the user gave none."""

    state: GitLabState
    description: str


# Completed means every task that ran succeeded but some were skipped: by a when (the pipeline
# as a whole is green), or by a graceful stop (the run ends Cancelled); a Pipeline without DAG
# guards can only mean the latter and passes COMPLETED_STATE canceled. None means Tekton had no
# aggregate: report failure so a commit never stays "running" or turns green by accident.
_AGGREGATE = {
    AggregateStatus.SUCCEEDED: StateDecision(state=GitLabState.SUCCESS, description="Tekton: all tasks succeeded"),
    AggregateStatus.COMPLETED: StateDecision(
        state=GitLabState.SUCCESS,
        description="Tekton: all tasks that ran succeeded (some were skipped)",
    ),
    AggregateStatus.FAILED: StateDecision(state=GitLabState.FAILED, description="Tekton: one or more tasks failed"),
    AggregateStatus.NONE: StateDecision(
        state=GitLabState.FAILED,
        description="Tekton: no aggregate task status (reported as failed)",
    ),
}

STATE_NAMES = tuple(s.value for s in GitLabState)
AGGREGATE_NAMES = tuple(a.value for a in AggregateStatus)


def parse_state(text: str) -> GitLabState | None:
    """The GitLab state spelled exactly `text`, or None (GitLab is case-sensitive too)."""
    try:
        return GitLabState(text)
    except ValueError:
        return None


_STOPPED = "Tekton: the run stopped before every task ran"
COMPLETED_CHOICES = (GitLabState.SUCCESS, GitLabState.FAILED, GitLabState.CANCELED)


def parse_completed_state(text: str) -> GitLabState:
    """The Task's COMPLETED_STATE: a final GitLab state (empty means success)."""
    state = parse_state(text.strip() or GitLabState.SUCCESS.value)
    if state is None or state not in COMPLETED_CHOICES:
        choices = ", ".join(s.value for s in COMPLETED_CHOICES[:-1]) + f" or {COMPLETED_CHOICES[-1].value}"
        raise ValueError(f"expected {choices}, got {text!r}")
    return state


def state_for_aggregate(aggregate: str, completed: GitLabState = GitLabState.SUCCESS) -> StateDecision:
    """Map the aggregate `tasks.status` to a GitLab state, `completed` for Completed;
    ValueError names the accepted values."""
    try:
        decision = _AGGREGATE[AggregateStatus(aggregate)]
    except ValueError:
        raise ValueError(
            f"unknown Tekton aggregate status {aggregate!r}; expected one of {', '.join(AGGREGATE_NAMES)}"
        ) from None
    if aggregate != AggregateStatus.COMPLETED or completed == decision.state:
        return decision
    return StateDecision(state=completed, description=_STOPPED)


def resolve_state(text: str, completed_state: str = "") -> StateDecision:
    """Accept either a GitLab state or a Tekton aggregate status (the Task's STATE param);
    `completed_state` (COMPLETED_STATE) is posted for Completed.

    A plain GitLab state gets an empty default description: the caller chose the state and
    should choose the words. ValueError on an unknown STATE or COMPLETED_STATE.
    """
    state = parse_state(text.strip())
    if state is not None:
        return StateDecision(state=state, description="")
    completed = parse_completed_state(completed_state)
    try:
        return state_for_aggregate(text.strip(), completed)
    except ValueError:
        raise ValueError(
            f"unknown state {text!r}; expected a GitLab state ({', '.join(STATE_NAMES)}) "
            f"or a Tekton aggregate status ({', '.join(AGGREGATE_NAMES)})"
        ) from None


def state_for_condition(status: str, reason: str) -> StateDecision:
    """Map a PipelineRun's final `Succeeded` condition (status, reason) to a GitLab state.

    Tekton ends a cancelled or gracefully stopped run `False`/`Cancelled`; timeouts end
    `False`/`PipelineRunTimeout` and count as failures (tekton-semantics §2.8, §2.9).
    """
    if status == ConditionStatus.TRUE:
        return StateDecision(state=GitLabState.SUCCESS, description="Tekton: PipelineRun succeeded")
    if status == ConditionStatus.FALSE and reason == PipelineRunReason.CANCELLED:
        return StateDecision(state=GitLabState.CANCELED, description="Tekton: PipelineRun was cancelled")
    if status == ConditionStatus.FALSE:
        why = f" ({reason})" if reason else ""
        return StateDecision(state=GitLabState.FAILED, description=f"Tekton: PipelineRun failed{why}")
    if reason == PipelineRunReason.PENDING:
        return StateDecision(state=GitLabState.PENDING, description="Tekton: PipelineRun is pending")
    return StateDecision(state=GitLabState.RUNNING, description="Tekton: PipelineRun is running")


__all__ = [
    "AGGREGATE_NAMES",
    "COMPLETED_CHOICES",
    "STATE_NAMES",
    "AggregateStatus",
    "GitLabState",
    "StateDecision",
    "parse_completed_state",
    "parse_state",
    "resolve_state",
    "state_for_aggregate",
    "state_for_condition",
]
