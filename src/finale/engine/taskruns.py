"""The PipelineRun's TaskRuns: create and launch them, record attempts, retry, cancel.

The engine decides what to start or cancel; this owns the TaskRun states and the executor calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from finale.core.tekton.facts import outcome_of
from finale.core.tekton.model import ParamValue, PipelineRun, PipelineTask, WorkspaceBinding
from finale.core.tekton.params import taskrun_enum_problem
from finale.core.tekton.reasons import ConditionStatus, TaskRunReason, TaskRunSpecStatus
from finale.core.tekton.state import TaskRunState
from finale.core.tekton.taskrun import build_taskruns, propagate_workspaces
from finale.engine.protocols import AttemptOutcome, AttemptRequest, Clock, Progress, StepExecutor
from finale.errors import FinaleError
from finale.record import replace

# Failure reasons the TaskRun reconciler sets itself (failTaskRun, validateTaskRunResults) rather
# than reading them from a completed pod; only the pod path turns a failure into FailureIgnored
# (pod/status.go updateCompletedTaskRunStatus), so these stay as they are under onError: continue.
_SET_AFTER_THE_POD = frozenset(
    {
        TaskRunReason.TIMEOUT,
        TaskRunReason.CANCELLED,
        TaskRunReason.VALIDATION_FAILED,
        TaskRunReason.RESULT_LARGER_THAN_ALLOWED,
    }
)


class InvalidParamValue(FinaleError):
    """A TaskRun about to be created has a value outside its Task's enum: the run fails."""


class TaskRuns:
    """TaskRun states by PipelineTask name, changed only through the executor's outcomes."""

    def __init__(
        self,
        *,
        run: PipelineRun,
        task_specs: Mapping[str, Mapping[str, Any]],
        run_workspaces: Mapping[str, str],
        executor: StepExecutor,
        clock: Clock,
        progress: Progress,
        done: Callable[[AttemptOutcome], None],
    ) -> None:
        self.run = run
        self.task_specs = task_specs  # by PipelineTask name: the Task spec it runs
        self.run_workspaces = run_workspaces
        self.executor = executor
        self.clock = clock
        self.progress = progress
        self.done = done  # where the executor hands each finished attempt
        self.by_task: dict[str, tuple[TaskRunState, ...]] = {}
        self.task_of: dict[str, str] = {}  # TaskRun name -> PipelineTask name
        self.unfinished: set[str] = set()  # PipelineTasks with a TaskRun running or to be retried
        self.changed: set[str] = set()  # PipelineTasks whose TaskRuns changed since `take_changed`
        self.failed: set[str] = set()  # PipelineTasks whose TaskRuns all finished, one failed

    def snapshot(self) -> dict[str, tuple[TaskRunState, ...]]:
        return dict(self.by_task)

    def take_changed(self) -> set[str]:
        changed, self.changed = self.changed, set()
        return changed

    def has_pending(self) -> bool:
        """True while an attempt is running or a retry is about to run (a retry is unfinished)."""
        return bool(self.unfinished)

    def _store(self, name: str, runs: tuple[TaskRunState, ...]) -> None:
        self.by_task[name] = runs
        self.changed.add(name)
        if all(tr.finished for tr in runs):
            self.unfinished.discard(name)
        else:
            self.unfinished.add(name)
        if outcome_of(runs) == "failed":
            self.failed.add(name)
        else:
            self.failed.discard(name)

    def start(self, task: PipelineTask) -> None:
        # An embedded taskSpec carries the pipeline-level substitutions; a referenced Task does not.
        task_spec = task.task_spec if task.task_spec is not None else self.task_specs.get(task.name, {})
        extra: tuple[WorkspaceBinding, ...] = ()
        if task.task_spec is not None:
            task_spec, extra = propagate_workspaces(task, task_spec, set(self.run_workspaces))
        runs = build_taskruns(task, task_spec, self.run, extra)
        problem = taskrun_enum_problem(task.name, task_spec, [r.params for r in runs])
        if problem:
            raise InvalidParamValue(problem)
        now = self.clock.now()
        started = tuple(
            replace(
                r, start=now, reason=TaskRunReason.RUNNING, message="Not all Steps in the Task have finished executing"
            )
            for r in runs
        )
        self._store(task.name, started)
        for tr in started:
            self.task_of[tr.name] = task.name
            self.progress.taskrun_started(tr)
            self._launch(tr, 0)

    def _launch(self, tr: TaskRunState, retry_count: int) -> None:
        request = AttemptRequest(
            taskrun=tr,
            retry_count=retry_count,
            namespace=self.run.namespace,
            run_uid=self.run.uid,
            workspaces=self._task_workspaces(tr),
        )
        self.executor.start(request, self.done)

    def _task_workspaces(self, tr: TaskRunState) -> dict[str, str]:
        bindings = {w.name: w for w in tr.workspaces}
        paths: dict[str, str] = {}
        for decl in tr.task_spec.get("workspaces") or ():
            name = str(decl.get("name", ""))
            binding = bindings.get(name)
            pipeline_ws = binding.workspace if binding else name
            base = self.run_workspaces.get(pipeline_ws, "")
            sub = binding.sub_path if binding else ""
            paths[name] = f"{base}/{sub}" if base and sub else base
        return paths

    def cancel_running(self, tasks: tuple[PipelineTask, ...], message: str) -> bool:
        """Cancel the unfinished TaskRuns of `tasks`; True when any was still running."""
        changed = False
        now = self.clock.now()
        names = {t.name for t in tasks}
        for name in [n for n in self.by_task if n in names and n in self.unfinished]:
            runs = self.by_task[name]
            updated = []
            for tr in runs:
                if not tr.finished:
                    self.executor.cancel(tr.name)
                    tr = replace(
                        tr,
                        status=ConditionStatus.FALSE,
                        reason=TaskRunReason.CANCELLED,
                        message=f'TaskRun "{tr.name}" was cancelled. {message}',
                        spec_status=TaskRunSpecStatus.CANCELLED,
                        status_message=message,
                        end=now,
                    )
                    self.progress.taskrun_finished(tr)
                    changed = True
                updated.append(tr)
            self._store(name, tuple(updated))
        return changed

    def record(self, outcome: AttemptOutcome) -> None:
        name = self.task_of.get(outcome.name, "")
        runs = self.by_task.get(name, ())
        for i, tr in enumerate(runs):
            if tr.name != outcome.name:
                continue
            # Cancelled by us already: keep the step details only; failTaskRun (taskrun.go)
            # copies no results, the pod never completed.
            updated = replace(tr, steps=outcome.steps or tr.steps) if tr.finished else self._apply_outcome(tr, outcome)
            self._store(name, (*runs[:i], updated, *runs[i + 1 :]))
            return

    def _apply_outcome(self, tr: TaskRunState, outcome: AttemptOutcome) -> TaskRunState:
        attempt = replace(
            tr,
            status=ConditionStatus.TRUE if outcome.succeeded else ConditionStatus.FALSE,
            reason=outcome.reason,
            message=outcome.message,
            start=outcome.start,
            end=outcome.end,
            results=_kept_results(outcome),
            steps=outcome.steps,
            retries_status=(),
        )
        if outcome.succeeded or len(tr.retries_status) >= tr.retries:
            if not outcome.succeeded and tr.on_error == "continue" and outcome.reason not in _SET_AFTER_THE_POD:
                attempt = replace(attempt, reason=TaskRunReason.FAILURE_IGNORED)
            final = replace(attempt, retries_status=tr.retries_status)
            self.progress.taskrun_finished(final)
            return final
        return self._retry(tr, outcome, attempt)

    def _retry(self, tr: TaskRunState, outcome: AttemptOutcome, attempt: TaskRunState) -> TaskRunState:
        retry = replace(
            tr,
            reason=TaskRunReason.TO_BE_RETRIED,
            message=outcome.message,
            retries_status=(*tr.retries_status, attempt),
            start=self.clock.now(),
            results={},
            steps=(),
        )
        self._launch(retry, len(retry.retries_status))
        return retry


def _kept_results(outcome: AttemptOutcome) -> dict[str, ParamValue]:
    """The results an attempt leaves in its TaskRun's status: none after a timeout or cancel.

    Results reach the status only from a completed pod (pod/status.go, under `tr.IsDone()`); a
    timed-out or cancelled TaskRun is failed by failTaskRun (taskrun.go), which copies step
    states only, so whatever its steps wrote is lost.
    """
    if outcome.reason in (TaskRunReason.TIMEOUT, TaskRunReason.CANCELLED):
        return {}
    return dict(outcome.results)
