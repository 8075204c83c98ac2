"""What a finished (or stopped) PipelineRun leaves behind: the input to every output format."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import PipelineRun, PipelineSpec, SpecStatus
from finale.core.tekton.pipeline_results import pipeline_results
from finale.core.tekton.reasons import ConditionStatus, PipelineRunReason, SkipReason
from finale.core.tekton.run_condition import Condition
from finale.core.tekton.state import TaskRunState


# A slotted class, not a dataclass: `finale run` starts faster without them (finale/record.py).
class RunResult:
    __slots__ = (
        "condition",
        "end",
        "finally_start",
        "results",
        "run",
        "skipped",
        "skipped_when",
        "spec",
        "spec_status",
        "start",
        "taskruns",
    )
    run: PipelineRun
    spec: PipelineSpec | None
    condition: Condition
    start: float
    end: float
    finally_start: float | None
    taskruns: dict[str, tuple[TaskRunState, ...]]
    skipped: dict[str, SkipReason]
    skipped_when: dict[str, tuple[Mapping[str, Any], ...]]
    results: list[dict[str, Any]]
    spec_status: SpecStatus

    def __init__(
        self,
        *,
        run: PipelineRun,
        spec: PipelineSpec | None,
        condition: Condition,
        start: float,
        end: float,
        finally_start: float | None = None,
        taskruns: dict[str, tuple[TaskRunState, ...]] | None = None,
        skipped: dict[str, SkipReason] | None = None,
        skipped_when: dict[str, tuple[Mapping[str, Any], ...]] | None = None,
        results: list[dict[str, Any]] | None = None,
        spec_status: SpecStatus = SpecStatus.NONE,
    ) -> None:
        self.run = run
        self.spec = spec
        self.condition = condition
        self.start = start
        self.end = end
        self.finally_start = finally_start
        self.taskruns = {} if taskruns is None else taskruns
        self.skipped = {} if skipped is None else skipped
        self.skipped_when = {} if skipped_when is None else skipped_when
        self.results = [] if results is None else results
        self.spec_status = spec_status


def add_run_details(result: RunResult, spec: PipelineSpec, facts: RunFacts, *, with_results: bool) -> None:
    """Fill in the skips, the when expressions that skipped, and (once done) the pipeline results."""
    result.skipped = dict(facts.skips)
    for name in facts.skips:
        task = spec.task(name)
        if task is None or not task.when:
            continue
        if task.is_finally and facts.skips[name] != SkipReason.WHEN:
            continue
        result.skipped_when[name] = tuple(w.to_dict() for w in facts.resolve(task).task.when)
    if result.condition.done and with_results:
        outcome = pipeline_results(spec, facts, result.run.name)
        result.results = outcome.results
        # reconcile marks the run failed on any result error, whatever it ended as.
        if outcome.failure:
            result.condition = Condition(
                ConditionStatus.FALSE, PipelineRunReason.COULDNT_GET_PIPELINE_RESULT, outcome.failure
            )
