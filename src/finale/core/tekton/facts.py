"""Per-pass facts of a PipelineRun: task predicates, stopping, skip reasons, task statuses.

Like Tekton's controller, everything here is recomputed from the TaskRuns on every pass, so a
skip reason reported at the end is the one the final state gives (spec §0.5, §3.7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from finale.core.tekton.dag import edge_sources
from finale.core.tekton.model import PipelineSpec, PipelineTask, SpecStatus, Timeouts
from finale.core.tekton.parse import pipeline_task
from finale.core.tekton.reasons import AggregateStatus, SkipReason, TaskStatus
from finale.core.tekton.state import TaskRunState
from finale.core.tekton.taskrun import count_combinations
from finale.core.tekton.variables import Replacements, apply_deep, named_tasks, result_refs, value_replacements

# Where ApplyPipelineTaskContexts substitutes the matrix context variables.
_MATRIX_CONTEXT_FIELDS = frozenset({"params", "matrix", "displayName"})


TIMEOUT_SKIPS = {SkipReason.PIPELINE_TIMEOUT, SkipReason.TASKS_TIMEOUT}


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolved:
    """A PipelineTask with finished producers' results (and, in finally, statuses) substituted."""

    task: PipelineTask
    missing: tuple[tuple[str, str], ...] = ()
    source: PipelineTask | None = None  # the task as written, before substitution

    @property
    def has_guard_refs(self) -> bool:
        """Tekton's `hasResultReferences`: a result reference in params or when, resolvable or not."""
        return bool(result_refs({"params": self.task.raw.get("params"), "when": self.task.raw.get("when")}))


@dataclass(frozen=True, kw_only=True)
class RunFacts:
    spec: PipelineSpec
    parents: Mapping[str, tuple[str, ...]]
    taskruns: Mapping[str, tuple[TaskRunState, ...]]
    validation_failed: dict[str, str] = field(default_factory=dict)  # this pass's, see skips.py
    spec_status: SpecStatus = SpecStatus.NONE
    timeouts: Timeouts = field(default_factory=Timeouts)
    start: float = 0.0
    finally_start: float | None = None
    now: float = 0.0
    skips: dict[str, SkipReason] = field(default_factory=dict)
    # DAG tasks by name: a caller making facts on every pass hands in one it keeps.
    dag_index: dict[str, PipelineTask] = field(default_factory=dict)
    # Built once per pass: the facts of a pass never change once made.
    _results: list[Replacements] = field(default_factory=list)
    _stopping: list[bool] = field(default_factory=list)
    _outcomes: dict[str, str] = field(default_factory=dict)
    _statuses: list[Replacements] = field(default_factory=list)
    _resolved: dict[str, Resolved] = field(default_factory=dict)  # DAG tasks: no statuses in them

    def fresh(self) -> RunFacts:
        """The same inputs with nothing worked out yet: no skips, failures or cached answers."""
        return RunFacts(
            spec=self.spec,
            parents=self.parents,
            taskruns=self.taskruns,
            spec_status=self.spec_status,
            timeouts=self.timeouts,
            start=self.start,
            finally_start=self.finally_start,
            now=self.now,
            dag_index=self.dag_index,
        )

    # --- task predicates (spec §2.5) -------------------------------------------------------

    def runs_of(self, name: str) -> tuple[TaskRunState, ...]:
        return self.taskruns.get(name, ())

    def is_scheduled(self, name: str) -> bool:
        return bool(self.runs_of(name))

    def _outcome(self, name: str) -> str:
        """ "succeeded", "failed" (all finished, one False), or "" (none, or still running).

        Asked for every task on every pass, so each pass works it out once per task.
        """
        outcome = self._outcomes.get(name)
        if outcome is None:
            runs = self.runs_of(name)
            if runs and all(r.succeeded for r in runs):
                outcome = "succeeded"
            elif runs and all(r.finished for r in runs) and any(r.failed for r in runs):
                outcome = "failed"
            else:
                outcome = ""
            self._outcomes[name] = outcome
        return outcome

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

    def is_done(self, name: str) -> bool:
        return bool(self._outcome(name)) or name in self.skips or name in self.validation_failed

    def add_validation_failures(self, failures: Mapping[str, str]) -> None:
        """Record this pass's failed candidates; they make the run stopping from now on."""
        self.validation_failed.update(failures)
        self._stopping.clear()

    # --- run-level predicates --------------------------------------------------------------

    def is_stopping(self) -> bool:
        if not self._stopping:
            self._stopping.append(
                any(
                    not t.continues_on_error and (self.is_failure(t.name) or t.name in self.validation_failed)
                    for t in self.spec.tasks
                )
            )
        return self._stopping[0]

    def know_stopping(self, stopping: bool) -> None:
        """Take `is_stopping` from a caller that keeps it up to date as TaskRuns change."""
        self._stopping[:] = [stopping]

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
            if not self._results:
                self._results.append(self.result_replacements(t.name for t in self.spec.tasks))
            return self._results[0]
        rep = Replacements()
        for name in names:
            results = self.results_of(name) if name in self._dag_tasks() else None
            if results:
                rep.update(value_replacements(f"tasks.{name}.results", results))  # type: ignore[arg-type]
        return rep

    def status_replacements(self) -> Replacements:
        """`$(tasks.status)`, `$(tasks.<t>.status)` and `.reason`: worked out once per pass."""
        if not self._statuses:
            rep = Replacements(strings={"tasks.status": self.aggregate_status()})
            for t in self.spec.tasks:
                rep.strings[f"tasks.{t.name}.status"] = self.task_status(t.name)
                rep.strings[f"tasks.{t.name}.reason"] = self.task_reason(t.name)
            self._statuses.append(rep)
        return self._statuses[0]

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
        if not self.dag_index and self.spec.tasks:
            self.dag_index.update((t.name, t) for t in self.spec.tasks)
        return self.dag_index

    def resolve(self, task: PipelineTask, *, statuses: bool = True) -> Resolved:
        """Substitute finished results (and statuses, in finally) into a PipelineTask.

        Status variables are not substituted inside an embedded taskSpec (spec §4.2), nor when
        `statuses` is False: reconcile resolves every task without them and only a finally task
        about to start gets them (ApplyPipelineTaskStateContext in runNextSchedulableTask).
        """
        if task.is_finally:
            return self._resolve(task, statuses=statuses)
        # A DAG task's resolution reads only TaskRuns, which a pass never changes.
        resolved = self._resolved.get(task.name)
        if resolved is None or resolved.source is not task:
            resolved = self._resolved[task.name] = self._resolve(task, statuses=False)
        return resolved

    def _resolve(self, task: PipelineTask, *, statuses: bool) -> Resolved:
        missing = []
        for producer, result in result_refs(edge_sources(task)):
            results = self.results_of(producer)
            if results is None or result not in results:
                missing.append((producer, result))
        # All or nothing: ResolveResultRefs returns no value at all when one reference fails,
        # so guards then see the literal `$(tasks...)` text (pipelinerunresolution.go,
        # ResolvePipelineTask).
        raw = dict(task.raw if missing else apply_deep(task.raw, self.result_replacements(named_tasks(task.raw))))
        matrix_rep = self.matrix_replacements(named_tasks({k: raw.get(k) for k in _MATRIX_CONTEXT_FIELDS}))
        raw = {k: apply_deep(v, matrix_rep) if k in _MATRIX_CONTEXT_FIELDS else v for k, v in raw.items()}
        if task.is_finally and statuses:
            states = self.status_replacements()
            raw = {k: v if k == "taskSpec" else apply_deep(v, states) for k, v in raw.items()}
        return Resolved(task=pipeline_task(raw, is_finally=task.is_finally), missing=tuple(missing), source=task)
