"""Per-pass facts of a PipelineRun, an immutable value: task predicates, stopping, skip reasons, statuses.

Like Tekton's controller, everything here is recomputed from the TaskRuns on every pass, so a
skip reason reported at the end is the one the final state gives (spec §0.5, §3.7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from finale.core.tekton.dag import edge_sources
from finale.core.tekton.model import PipelineSpec, PipelineTask, SpecStatus, Timeouts
from finale.core.tekton.parse import pipeline_task
from finale.core.tekton.reasons import AggregateStatus, SkipReason, TaskStatus
from finale.core.tekton.state import TaskRunState
from finale.core.tekton.taskrun import count_combinations
from finale.core.tekton.variables import Replacements, apply_deep, named_tasks, result_refs, value_replacements
from finale.record import Record, replace, set_field

# Where ApplyPipelineTaskContexts substitutes the matrix context variables.
_MATRIX_CONTEXT_FIELDS = frozenset({"params", "matrix", "displayName"})


TIMEOUT_SKIPS = {SkipReason.PIPELINE_TIMEOUT, SkipReason.TASKS_TIMEOUT}


# Records, not dataclasses: `finale run` starts faster without them (finale/record.py).
class Resolved(Record):
    """A PipelineTask with finished producers' results (and, in finally, statuses) substituted."""

    __slots__ = ("missing", "task")
    task: PipelineTask
    missing: tuple[tuple[str, str], ...]

    def __init__(self, *, task: PipelineTask, missing: tuple[tuple[str, str], ...] = ()) -> None:
        set_field(self, "task", task)
        set_field(self, "missing", missing)

    @property
    def has_guard_refs(self) -> bool:
        """Tekton's `hasResultReferences`: a result reference in params or when, resolvable or not."""
        return bool(result_refs({"params": self.task.raw.get("params"), "when": self.task.raw.get("when")}))


class RunFacts(Record):
    """One pass's facts: a value. Skips and validation failures come in a new value (`skips.py`)."""

    __slots__ = (
        "dag_index",
        "finally_start",
        "now",
        "parents",
        "skips",
        "spec",
        "spec_status",
        "start",
        "stopping",
        "taskruns",
        "timeouts",
        "validation_failed",
    )
    spec: PipelineSpec
    parents: Mapping[str, tuple[str, ...]]
    taskruns: Mapping[str, tuple[TaskRunState, ...]]
    validation_failed: Mapping[str, str]  # this pass's, see skips.py
    spec_status: SpecStatus
    timeouts: Timeouts
    start: float
    finally_start: float | None
    now: float
    skips: Mapping[str, SkipReason]
    # DAG tasks by name: a caller making facts on every pass hands in one it keeps.
    dag_index: Mapping[str, PipelineTask]
    # Whether the run is stopping; None: worked out here. A caller that keeps it up to date as
    # TaskRuns change (the incremental engine) hands it in instead of paying a scan per pass.
    stopping: bool | None

    def __init__(
        self,
        *,
        spec: PipelineSpec,
        parents: Mapping[str, tuple[str, ...]],
        taskruns: Mapping[str, tuple[TaskRunState, ...]],
        validation_failed: Mapping[str, str] | None = None,
        spec_status: SpecStatus = SpecStatus.NONE,
        timeouts: Timeouts | None = None,
        start: float = 0.0,
        finally_start: float | None = None,
        now: float = 0.0,
        skips: Mapping[str, SkipReason] | None = None,
        dag_index: Mapping[str, PipelineTask] | None = None,
        stopping: bool | None = None,
    ) -> None:
        # Read-only views of private copies, so no holder can change the facts once made.
        set_field(self, "spec", spec)
        set_field(self, "parents", _read_only(parents))
        set_field(self, "taskruns", _read_only(taskruns))
        set_field(self, "validation_failed", _read_only(validation_failed or {}))
        set_field(self, "spec_status", spec_status)
        set_field(self, "timeouts", Timeouts() if timeouts is None else timeouts)
        set_field(self, "start", start)
        set_field(self, "finally_start", finally_start)
        set_field(self, "now", now)
        set_field(self, "skips", _read_only(skips or {}))
        if not dag_index and spec.tasks:
            dag_index = MappingProxyType({t.name: t for t in spec.tasks})
        set_field(self, "dag_index", _read_only(dag_index or {}))
        set_field(self, "stopping", self._any_stopping_task() if stopping is None else stopping)

    def fresh(self) -> RunFacts:
        """The same inputs with nothing worked out yet: no skips, validation failures or stopping."""
        return replace(self, skips={}, validation_failed={}, stopping=None)

    # --- task predicates (spec §2.5) -------------------------------------------------------

    def runs_of(self, name: str) -> tuple[TaskRunState, ...]:
        return self.taskruns.get(name, ())

    def is_scheduled(self, name: str) -> bool:
        return bool(self.runs_of(name))

    def _outcome(self, name: str) -> str:
        return outcome_of(self.runs_of(name))

    def is_successful(self, name: str) -> bool:
        return self._outcome(name) == "succeeded"

    def is_failure(self, name: str) -> bool:
        return self._outcome(name) == "failed"

    def is_cancelled(self, name: str) -> bool:
        return self.is_failure(name) and any(r.cancelled for r in self.runs_of(name))

    def is_cancelled_for_timeout(self, name: str) -> bool:
        return self.is_failure(name) and any(r.cancelled_for_timeout for r in self.runs_of(name))

    def is_running(self, name: str) -> bool:
        return self.is_scheduled(name) and not self.is_successful(name) and not self.is_failure(name)

    def has_ended(self, name: str) -> bool:
        """Succeeded or failed (`is_successful` or `is_failure`)."""
        return bool(self._outcome(name))

    def is_done(self, name: str) -> bool:
        return self.has_ended(name) or name in self.skips or name in self.validation_failed

    # --- run-level predicates --------------------------------------------------------------

    def is_stopping(self) -> bool:
        return bool(self.stopping)

    def _any_stopping_task(self) -> bool:
        return any(
            not t.continues_on_error and (self.is_failure(t.name) or t.name in self.validation_failed)
            for t in self.spec.tasks
        )

    def pipeline_timed_out(self) -> bool:
        limit = self.timeouts.pipeline
        return limit is not None and self.now - self.start > limit

    def tasks_timed_out(self) -> bool:
        limit = self.timeouts.tasks
        return limit is not None and self.now - self.start > limit

    def finally_timed_out(self) -> bool:
        limit = self.timeouts.finally_
        if limit is None or self.finally_start is None:
            return False
        return self.now - self.finally_start > limit

    def dag_done(self) -> bool:
        return all(self.is_done(t.name) for t in self.spec.tasks)

    def parents_done(self, task: PipelineTask) -> bool:
        return all(self.is_done(p) for p in self.parents.get(task.name, ()))

    # --- results and statuses ----------------------------------------------------------------

    def results_of(self, name: str) -> dict[str, object] | None:
        """Results of a finished task (successful or not), or None if it has not finished."""
        runs = self.runs_of(name)
        if not runs or not all(r.finished for r in runs):
            return None
        if len(runs) == 1 and runs[0].matrix_index is None:
            return dict(runs[0].results)
        merged: dict[str, object] = {}
        # Matrix: string results aggregate into arrays, in TaskRun *name* order, so `-10`
        # comes before `-2` (createResultsCacheMatrixedTaskRuns sorts by name).
        for run in sorted(runs, key=lambda r: r.name):
            for key, value in run.results.items():
                bucket = merged.setdefault(key, [])
                if isinstance(bucket, list) and isinstance(value, str):
                    bucket.append(value)
        return merged

    def task_status(self, name: str) -> TaskStatus:
        """`$(tasks.<t>.status)` (spec §5.1)."""
        if self.is_successful(name):
            return TaskStatus.SUCCEEDED
        if any(r.failed for r in self.runs_of(name)):
            return TaskStatus.FAILED
        return TaskStatus.NONE

    def task_reason(self, name: str) -> str:
        """`$(tasks.<t>.reason)`: first not-successful TaskRun's reason, else the first's."""
        runs = self.runs_of(name)
        for run in runs:
            if not run.succeeded:
                return run.reason
        return runs[0].reason if runs else ""

    def aggregate_status(self) -> AggregateStatus:
        """`$(tasks.status)` (spec §5.2)."""
        if not self.dag_done():
            return AggregateStatus.NONE
        result = AggregateStatus.SUCCEEDED
        for t in self.spec.tasks:
            if any(r.failed for r in self.runs_of(t.name)):
                return AggregateStatus.FAILED
            if t.name in self.skips:
                result = AggregateStatus.COMPLETED
        return result

    def result_replacements(self, names: Iterable[str] | None = None) -> Replacements:
        """`$(tasks.<t>.results...)` of the finished tasks among `names` (default: all).

        A key names its task, so substituting a document needs only the tasks it names.
        """
        if names is None:
            names = [t.name for t in self.spec.tasks]
        rep = Replacements()
        for name in names:
            results = self.results_of(name) if name in self._dag_tasks() else None
            if results:
                rep.update(value_replacements(f"tasks.{name}.results", results))  # type: ignore[arg-type]
        return rep

    def status_replacements(self) -> Replacements:
        """`$(tasks.status)`, `$(tasks.<t>.status)` and `.reason`."""
        rep = Replacements(strings={"tasks.status": self.aggregate_status()})
        for t in self.spec.tasks:
            rep.strings[f"tasks.{t.name}.status"] = self.task_status(t.name)
            rep.strings[f"tasks.{t.name}.reason"] = self.task_reason(t.name)
        return rep

    def matrix_replacements(self, names: Iterable[str] | None = None) -> Replacements:
        """`$(tasks.<t>.matrix.length)` and `$(tasks.<t>.matrix.<result>.length)`.

        ApplyPipelineTaskContexts (resources/apply.go): the count comes from the spec, the result
        lengths from whatever TaskRuns exist; neither creates an ordering edge.
        """
        rep = Replacements()
        tasks = self._dag_tasks()
        for t in tasks.values() if names is None else (tasks[n] for n in set(names) if n in tasks):
            if not t.matrix:
                continue
            rep.strings[f"tasks.{t.name}.matrix.length"] = str(count_combinations(t.matrix))
            lengths: dict[str, int] = {}
            for run in self.runs_of(t.name):
                for key in run.results:
                    lengths[key] = lengths.get(key, 0) + 1
            for key, n in lengths.items():
                rep.strings[f"tasks.{t.name}.matrix.{key}.length"] = str(n)
        return rep

    def _dag_tasks(self) -> Mapping[str, PipelineTask]:
        return self.dag_index

    def resolve(self, task: PipelineTask, *, statuses: bool = True, states: Replacements | None = None) -> Resolved:
        """Substitute finished results (and statuses, in finally) into a PipelineTask.

        Status variables are not substituted inside an embedded taskSpec (spec §4.2), nor when
        `statuses` is False: reconcile resolves every task without them and only a finally task
        about to start gets them (ApplyPipelineTaskStateContext in runNextSchedulableTask).
        `states` is `status_replacements()`, passed in by a caller resolving several finally tasks.
        """
        names = named_tasks(task.raw)
        if not names and not (task.is_finally and statuses):
            return Resolved(task=task)  # it names no task: no result to substitute or to miss
        missing = []
        for producer, result in result_refs(edge_sources(task)):
            results = self.results_of(producer)
            if results is None or result not in results:
                missing.append((producer, result))
        # All or nothing: ResolveResultRefs returns no value at all when one reference fails,
        # so guards then see the literal `$(tasks...)` text (pipelinerunresolution.go,
        # ResolvePipelineTask).
        produced = Replacements() if missing else self.result_replacements(names)
        raw = dict(apply_deep(task.raw, produced))
        matrix_rep = self.matrix_replacements(named_tasks({k: raw.get(k) for k in _MATRIX_CONTEXT_FIELDS}))
        if not produced and not matrix_rep and not (task.is_finally and statuses):
            return Resolved(task=task, missing=tuple(missing))  # nothing to substitute: the task as it is
        raw = {k: apply_deep(v, matrix_rep) if k in _MATRIX_CONTEXT_FIELDS else v for k, v in raw.items()}
        if task.is_finally and statuses:
            states = self.status_replacements() if states is None else states
            raw = {k: v if k == "taskSpec" else apply_deep(v, states) for k, v in raw.items()}
        return Resolved(task=pipeline_task(raw, is_finally=task.is_finally), missing=tuple(missing))


def outcome_of(runs: tuple[TaskRunState, ...]) -> str:
    """A task's TaskRuns as one: "succeeded", "failed" (all finished, one False), or "" (none,
    or still running)."""
    if runs and all(r.succeeded for r in runs):
        return "succeeded"
    if runs and all(r.finished for r in runs) and any(r.failed for r in runs):
        return "failed"
    return ""


def _read_only(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return mapping if isinstance(mapping, MappingProxyType) else MappingProxyType(dict(mapping))
