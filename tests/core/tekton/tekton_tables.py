"""Builders for the table tests of the pure core: a Pipeline from inline YAML, TaskRuns from one word each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML

from finale.core.tekton import dag
from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import PipelineSpec
from finale.core.tekton.parse import pipeline_spec
from finale.core.tekton.reasons import ConditionStatus, TaskRunReason, TaskRunSpecStatus
from finale.core.tekton.state import CANCELLED_BY_TIMEOUT, CANCELLED_BY_USER, TaskRunState

# One word per TaskRun state: (condition status, reason, spec.status, statusMessage).
STATES: Mapping[str, tuple[ConditionStatus, TaskRunReason, TaskRunSpecStatus, str]] = {
    "running": (ConditionStatus.UNKNOWN, TaskRunReason.RUNNING, TaskRunSpecStatus.NONE, ""),
    "ok": (ConditionStatus.TRUE, TaskRunReason.SUCCEEDED, TaskRunSpecStatus.NONE, ""),
    "fail": (ConditionStatus.FALSE, TaskRunReason.FAILED, TaskRunSpecStatus.NONE, ""),
    "ignored": (ConditionStatus.FALSE, TaskRunReason.FAILURE_IGNORED, TaskRunSpecStatus.NONE, ""),
    "cancelled": (ConditionStatus.FALSE, TaskRunReason.CANCELLED, TaskRunSpecStatus.CANCELLED, CANCELLED_BY_USER),
    "timed-out": (ConditionStatus.FALSE, TaskRunReason.CANCELLED, TaskRunSpecStatus.CANCELLED, CANCELLED_BY_TIMEOUT),
}


def load_spec(text: str) -> PipelineSpec:
    return pipeline_spec(YAML(typ="safe", pure=True).load(text))


def taskrun(spec: PipelineSpec, task: str, word: str, results: Mapping[str, Any] | None = None) -> TaskRunState:
    status, reason, spec_status, message = STATES[word]
    pt = spec.task(task)
    assert pt is not None, task
    return TaskRunState(
        name=f"run-{task}",
        pipeline_task=task,
        is_finally=pt.is_finally,
        on_error=pt.on_error,
        status=status,
        reason=reason,
        spec_status=spec_status,
        status_message=message,
        results=dict(results or {}),
    )


def make_facts(
    text: str, states: str = "", results: Mapping[str, Mapping[str, Any]] | None = None, **kw: Any
) -> RunFacts:
    """Facts of `text` with TaskRuns in `states` ("a=ok b=fail"), results per task, other fields as given."""
    spec = load_spec(text)
    taskruns = {}
    for item in states.split():
        task, word = item.split("=")
        taskruns[task] = (taskrun(spec, task, word, (results or {}).get(task)),)
    return RunFacts(spec=spec, parents=dag.build(spec), taskruns=taskruns, **kw)
