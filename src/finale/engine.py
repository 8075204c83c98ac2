"""The loop: facts -> actions -> executor -> facts, until the PipelineRun condition is final.

Every pass rebuilds the facts from the TaskRuns, as Tekton's level-triggered controller does;
all I/O goes through the executor, the clock and the progress protocols.
"""

from __future__ import annotations

import queue
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from finale.core import dag, resolve, skips, status
from finale.core.facts import RunFacts, SkipReason
from finale.core.model import PipelineRun, PipelineSpec, PipelineTask, SpecStatus
from finale.core.param_enum import taskrun_enum_problem
from finale.core.pipeline_results import pipeline_results
from finale.core.run_result import RunResult
from finale.core.state import CANCELLED_BY_TIMEOUT, CANCELLED_BY_USER, TaskRunState
from finale.core.taskrun import build_taskruns, propagate_workspaces
from finale.core.when import CelEvaluationError
from finale.protocols import AttemptOutcome, AttemptRequest, Clock, Progress, StepExecutor


@dataclass(kw_only=True)
class Control:
    """Requests from outside the loop (Ctrl-C, --cancel-after): a new `spec.status`."""

    events: queue.Queue[tuple[str, Any]] = field(default_factory=queue.Queue)

    def set_status(self, value: SpecStatus) -> None:
        self.events.put(("status", value))


class _NullProgress:
    def taskrun_started(self, taskrun: TaskRunState) -> None:
        pass

    def taskrun_finished(self, taskrun: TaskRunState) -> None:
        pass

    def task_skipped(self, name: str, reason: str) -> None:
        pass


class Engine:
    def __init__(
        self,
        run: PipelineRun,
        raw_spec: Mapping[str, Any],
        task_specs: Mapping[str, Mapping[str, Any]],
        run_workspaces: Mapping[str, str],
        executor: StepExecutor,
        clock: Clock,
        control: Control | None = None,
        progress: Progress | None = None,
        cancel_at: tuple[float, SpecStatus] | None = None,
    ) -> None:
        self.run = run
        self.raw_spec = raw_spec
        self.task_specs = task_specs  # by PipelineTask name: the Task spec it runs
        self.run_workspaces = run_workspaces
        self.executor = executor
        self.clock = clock
        self.control = control or Control()
        self.progress: Progress = progress or _NullProgress()
        self.cancel_at = cancel_at
        self.spec_status = run.status
        self.taskruns: dict[str, tuple[TaskRunState, ...]] = {}
        self.finally_start: float | None = None
        self.reported_skips: set[str] = set()
        self.start = 0.0

    # --- entry -----------------------------------------------------------------------------

    def execute(self) -> RunResult:
        self.start = self.clock.now()
        if self.spec_status == SpecStatus.CANCELLED:
            return self._result(None, status.cancelled(self.run.name), None)
        if self.spec_status == SpecStatus.PENDING:
            cond = status.Condition("Unknown", "PipelineRunPending", f'PipelineRun "{self.run.name}" is pending')
            return self._result(None, cond, None)
        prepared = self._prepare()
        if isinstance(prepared, resolve.RunFailure):
            return self._result(None, status.Condition("False", prepared.reason, prepared.message), None)
        spec, parents = prepared
        return self._loop(spec, parents)

    def _prepare(self) -> tuple[PipelineSpec, dict[str, tuple[str, ...]]] | resolve.RunFailure:
        from finale.core.parse import pipeline_spec

        declared = pipeline_spec(self.raw_spec)
        values = resolve.param_values(declared, self.run)
        if isinstance(values, resolve.RunFailure):
            return values
        index_failure = resolve.array_index_failure(declared, self.run)
        if index_failure:
            return index_failure
        bound = set(self.run_workspaces)
        failure = resolve.workspace_failure(declared, self.run, bound) or resolve.taskrunspec_failure(
            declared, self.run
        )
        if failure:
            return failure
        spec = resolve.apply_run_values(self.raw_spec, values, self.run, bound)
        original = {t.name: t for t in declared.all_tasks()}
        for task in spec.all_tasks():
            task_spec = self.task_specs.get(task.name, {})
            given = set(task.params) | {str(p.get("name")) for p in (task.matrix or {}).get("params") or ()}
            for inc in (task.matrix or {}).get("include") or ():
                given |= {str(p.get("name")) for p in inc.get("params") or ()}
            failure = resolve.task_param_failure(
                task.name, task_spec, dict.fromkeys(given), self.run, task.task_ref
            ) or resolve.enum_subset_failure(
                # The subset check reads the params as written, before substitution (pipelinerun.go).
                original[task.name].params, declared.params, task_spec, task.task_ref
            )
            if failure:
                return failure
        failure = (
            resolve.result_reference_failure(spec, self.task_specs)
            or resolve.pipeline_result_reference_failure(spec, self.task_specs, self.run)
            or resolve.optional_workspace_failure(spec, self.task_specs)
        )
        if failure:
            return failure
        return spec, dag.build(spec)

    # --- the loop --------------------------------------------------------------------------

    def _facts(self, spec: PipelineSpec, parents: Mapping[str, tuple[str, ...]]) -> RunFacts:
        facts = RunFacts(
            spec=spec,
            parents=parents,
            taskruns=dict(self.taskruns),
            spec_status=self.spec_status,
            timeouts=self.run.timeouts,
            start=self.start,
            finally_start=self.finally_start,
            now=self.clock.now(),
        )
        return skips.compute_skips(facts)

    def _loop(self, spec: PipelineSpec, parents: Mapping[str, tuple[str, ...]]) -> RunResult:
        while True:
            self._drain_events(block=False, spec=spec)
            if self.spec_status == SpecStatus.CANCELLED:
                # Tekton ends the run in the same pass, without recomputing skippedTasks.
                facts = self._facts(spec, parents)
                self._cancel_running(spec.all_tasks(), CANCELLED_BY_USER)
                return self._result(spec, status.cancelled(self.run.name), facts, with_results=False)
            try:
                facts = self._facts(spec, parents)
                acted = self._act(spec, facts)
            except CelEvaluationError as exc:
                self._cancel_running(spec.all_tasks(), CANCELLED_BY_USER)
                cond = status.Condition(
                    "False",
                    "CELEvaluationFailed",
                    f"[User error] Error evaluating CEL {self.run.name}: {exc}",
                )
                return self._result(spec, cond, None)
            except _InvalidParamValue as exc:
                self._cancel_running(spec.all_tasks(), CANCELLED_BY_USER)
                return self._result(spec, status.Condition("False", "InvalidParamValue", str(exc)), None)
            if acted:
                continue
            if facts.pipeline_timed_out():
                # The run is marked timed out in the pass that cancels its TaskRuns, so skip
                # reasons are those of the TaskRuns still running (spec §2.8).
                self._cancel_running(spec.all_tasks(), CANCELLED_BY_TIMEOUT)
                return self._result(spec, status.condition(facts, self.run.name), facts)
            cond = status.condition(facts, self.run.name)
            self._report_skips(facts)
            if cond.done:
                return self._result(spec, cond, facts)
            self._wait(facts, spec)

    def _act(self, spec: PipelineSpec, facts: RunFacts) -> bool:
        """One pass of decisions; True when anything changed, so the facts must be rebuilt."""
        dag_running = [t for t in spec.tasks if facts.is_running(t.name)]
        if self.spec_status == SpecStatus.CANCELLED_RUN_FINALLY and dag_running:
            return self._cancel_running(spec.all_tasks(), CANCELLED_BY_USER)
        if self.finally_start is None and facts.tasks_timed_out() and dag_running:
            return self._cancel_running(spec.tasks, CANCELLED_BY_TIMEOUT)
        finally_over = self.finally_start is not None and facts.finally_timed_out()
        if finally_over and self._cancel_running(spec.finally_, CANCELLED_BY_TIMEOUT):
            return True
        if facts.pipeline_timed_out():
            return False
        ready = skips.ready_dag_tasks(facts)
        for task in ready:
            self._start(facts.resolve(task).task)
        if ready:
            return True
        if facts.dag_done():
            started = False
            if self.finally_start is None:
                self.finally_start = facts.now
                started = True
            for task in spec.finally_:
                if not facts.is_scheduled(task.name) and task.name not in facts.skips:
                    self._start(facts.resolve(task).task)
                    started = True
            return started
        return False

    def _start(self, task: PipelineTask) -> None:
        # An embedded taskSpec carries the pipeline-level substitutions; a referenced Task does not.
        task_spec = task.task_spec if task.task_spec is not None else self.task_specs.get(task.name, {})
        extra: tuple[Mapping[str, Any], ...] = ()
        if task.task_spec is not None:
            task_spec, extra = propagate_workspaces(task, task_spec, set(self.run_workspaces))
        runs = build_taskruns(task, task_spec, self.run, extra)
        problem = taskrun_enum_problem(task.name, task_spec, [r.params for r in runs])
        if problem:
            raise _InvalidParamValue(problem)
        now = self.clock.now()
        started = tuple(
            replace(
                r,
                start=now,
                reason="Running",
                message="Not all Steps in the Task have finished executing",
            )
            for r in runs
        )
        self.taskruns[task.name] = started
        for tr in started:
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
        self.executor.start(request, lambda outcome: self.control.events.put(("done", outcome)))

    def _task_workspaces(self, tr: TaskRunState) -> dict[str, str]:
        bindings = {w["name"]: w for w in tr.workspaces}
        paths: dict[str, str] = {}
        for decl in tr.task_spec.get("workspaces") or ():
            name = str(decl.get("name", ""))
            binding = bindings.get(name)
            pipeline_ws = binding["workspace"] if binding else name
            base = self.run_workspaces.get(pipeline_ws, "")
            sub = binding.get("subPath", "") if binding else ""
            paths[name] = f"{base}/{sub}" if base and sub else base
        return paths

    def _cancel_running(self, tasks: tuple[PipelineTask, ...], message: str) -> bool:
        changed = False
        now = self.clock.now()
        names = {t.name for t in tasks}
        for name, runs in list(self.taskruns.items()):
            if name not in names:
                continue
            updated = []
            for tr in runs:
                if not tr.finished:
                    self.executor.cancel(tr.name)
                    tr = replace(
                        tr,
                        status="False",
                        reason="TaskRunCancelled",
                        message=f'TaskRun "{tr.name}" was cancelled. {message}',
                        spec_status="TaskRunCancelled",
                        status_message=message,
                        end=now,
                    )
                    self.progress.taskrun_finished(tr)
                    changed = True
                updated.append(tr)
            self.taskruns[name] = tuple(updated)
        return changed

    # --- events ----------------------------------------------------------------------------

    def _next_deadline(self, facts: RunFacts) -> float | None:
        t = self.run.timeouts
        candidates = []
        if t.pipeline is not None:
            candidates.append(self.start + t.pipeline)
        if t.tasks is not None and self.finally_start is None:
            candidates.append(self.start + t.tasks)
        if t.finally_ is not None and self.finally_start is not None:
            candidates.append(self.finally_start + t.finally_)
        if self.cancel_at is not None:
            candidates.append(self.cancel_at[0])
        return min(candidates) if candidates else None

    def _wait(self, facts: RunFacts, spec: PipelineSpec) -> None:
        deadline = self._next_deadline(facts)
        running = any(not tr.finished or tr.reason == "ToBeRetried" for runs in self.taskruns.values() for tr in runs)
        if deadline is None and not running:
            raise RuntimeError("the engine has nothing to wait for but the run is not finished")
        timeout = None if deadline is None else max(0.0, deadline - self.clock.now()) + 0.001
        try:
            event = self.control.events.get(timeout=timeout)
        except queue.Empty:
            self._check_cancel_at()
            return
        self._handle(event, spec)
        self._drain_events(block=False, spec=spec)

    def _check_cancel_at(self) -> None:
        if self.cancel_at is not None and self.clock.now() >= self.cancel_at[0]:
            self.spec_status = self.cancel_at[1]
            self.cancel_at = None

    def _drain_events(self, *, block: bool, spec: PipelineSpec) -> None:
        self._check_cancel_at()
        while True:
            try:
                event = self.control.events.get_nowait()
            except queue.Empty:
                return
            self._handle(event, spec)

    def _handle(self, event: tuple[str, Any], spec: PipelineSpec) -> None:
        kind, payload = event
        if kind == "status":
            if self.spec_status != SpecStatus.CANCELLED:
                self.spec_status = payload
            return
        self._record(payload)

    def _record(self, outcome: AttemptOutcome) -> None:
        for name, runs in self.taskruns.items():
            for i, tr in enumerate(runs):
                if tr.name != outcome.name:
                    continue
                if tr.finished:  # cancelled by us already: keep the step details only
                    updated = replace(tr, steps=outcome.steps or tr.steps, results=outcome.results or tr.results)
                else:
                    updated = self._apply_outcome(tr, outcome)
                self.taskruns[name] = (*runs[:i], updated, *runs[i + 1 :])
                return

    def _apply_outcome(self, tr: TaskRunState, outcome: AttemptOutcome) -> TaskRunState:
        attempt = replace(
            tr,
            status="True" if outcome.succeeded else "False",
            reason=outcome.reason,
            message=outcome.message,
            start=outcome.start,
            end=outcome.end,
            results=dict(outcome.results),
            steps=outcome.steps,
            retries_status=(),
        )
        if outcome.succeeded or len(tr.retries_status) >= tr.retries:
            if (
                not outcome.succeeded
                and tr.on_error == "continue"
                and outcome.reason
                not in (
                    "TaskRunTimeout",
                    "TaskRunCancelled",
                )
            ):
                attempt = replace(attempt, reason="FailureIgnored")
            final = replace(attempt, retries_status=tr.retries_status)
            self.progress.taskrun_finished(final)
            return final
        retry = replace(
            tr,
            reason="ToBeRetried",
            message=outcome.message,
            retries_status=(*tr.retries_status, attempt),
            start=self.clock.now(),
            results={},
            steps=(),
        )
        self._launch(retry, len(retry.retries_status))
        return retry

    def _report_skips(self, facts: RunFacts) -> None:
        for name, reason in facts.skips.items():
            if name not in self.reported_skips:
                self.reported_skips.add(name)
                self.progress.task_skipped(name, reason)

    # --- result ----------------------------------------------------------------------------

    def _result(
        self,
        spec: PipelineSpec | None,
        cond: status.Condition,
        facts: RunFacts | None,
        *,
        with_results: bool = True,  # a hard cancel returns before pipeline results are computed
    ) -> RunResult:
        result = RunResult(
            run=self.run,
            spec=spec,
            condition=cond,
            start=self.start,
            end=self.clock.now(),
            finally_start=self.finally_start,
            taskruns=dict(self.taskruns),
            spec_status=self.spec_status,
        )
        if facts is not None and spec is not None:
            result.skipped = dict(facts.skips)
            for name in facts.skips:
                task = spec.task(name)
                if task is None or not task.when:
                    continue
                if task.is_finally and facts.skips[name] != SkipReason.WHEN:
                    continue
                result.skipped_when[name] = tuple(w.to_dict() for w in facts.resolve(task).task.when)
            if cond.done and with_results:
                outcome = pipeline_results(spec, facts, self.run.name)
                result.results = outcome.results
                # reconcile marks the run failed on any result error, whatever it ended as.
                if outcome.failure:
                    result.condition = status.Condition("False", "CouldntGetPipelineResult", outcome.failure)
        return result


class _InvalidParamValue(Exception):
    """A TaskRun about to be created has a value outside its Task's enum: the run fails."""

