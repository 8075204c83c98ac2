"""The loop: facts -> actions -> executor -> facts, until the PipelineRun condition is final.

Every pass gives the same facts a rebuild from the TaskRuns would (as Tekton's level-triggered
controller makes them), worked out incrementally (incremental.py); all I/O goes through the
executor, the clock and the progress protocols.
"""

from __future__ import annotations

import queue
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal

from finale.core.tekton import run_condition
from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import PipelineRun, PipelineSpec, PipelineTask, SpecStatus
from finale.core.tekton.reasons import ConditionStatus, PipelineRunReason
from finale.core.tekton.resolve import RunFailure
from finale.core.tekton.resolve_checks import indexes_results, result_index_failure
from finale.core.tekton.run_checks import prepare_run
from finale.core.tekton.run_result import RunResult, add_run_details
from finale.core.tekton.state import CANCELLED_BY_TIMEOUT, CANCELLED_BY_USER, TaskRunState
from finale.core.tekton.when import CelEvaluationError, cel_failure
from finale.engine.incremental import Incremental, Pass, Tracker, TrackerFactory
from finale.engine.protocols import AttemptOutcome, Clock, Progress, StepExecutor
from finale.engine.taskruns import InvalidParamValue, TaskRuns


class EngineEvent(StrEnum):
    """What wakes the loop: a new `spec.status` from outside, or an attempt's outcome."""

    STATUS = "status"
    DONE = "done"


Event = tuple[Literal[EngineEvent.STATUS], SpecStatus] | tuple[Literal[EngineEvent.DONE], AttemptOutcome]


# A slotted class, not a dataclass: `finale run` starts faster without them (finale/record.py).
class Control:
    """Requests from outside the loop (Ctrl-C, --cancel-after): a new `spec.status`."""

    __slots__ = ("events",)
    events: queue.Queue[Event]

    def __init__(self, *, events: queue.Queue[Event] | None = None) -> None:
        self.events = queue.Queue() if events is None else events

    def set_status(self, value: SpecStatus) -> None:
        self.events.put((EngineEvent.STATUS, value))


class _NullProgress:
    def taskrun_started(self, taskrun: TaskRunState) -> None:
        pass

    def taskrun_finished(self, taskrun: TaskRunState) -> None:
        pass

    def task_skipped(self, name: str, reason: str) -> None:
        pass


class Engine:
    stops_run: frozenset[str] = frozenset()  # DAG tasks whose failure stops the run, set on the first pass

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
        tracker: TrackerFactory = Incremental,  # incremental.Reference: rebuild every pass
    ) -> None:
        self.run = run
        self.raw_spec = raw_spec
        self.task_specs = task_specs  # by PipelineTask name: the Task spec it runs
        self.run_workspaces = run_workspaces
        self.clock = clock
        self.control = control or Control()
        self.progress: Progress = progress or _NullProgress()
        self.cancel_at = cancel_at
        self.spec_status = run.status
        self.taskruns = TaskRuns(
            run=run,
            task_specs=task_specs,
            run_workspaces=run_workspaces,
            executor=executor,
            clock=clock,
            progress=self.progress,
            done=lambda outcome: self.control.events.put((EngineEvent.DONE, outcome)),
        )
        self.make_tracker = tracker
        self.tracker: Tracker | None = None
        self.has_cel = False
        self.indexes = False
        self.dag_index: Mapping[str, PipelineTask] = {}
        self.finally_start: float | None = None
        self.reported_skips: set[str] = set()
        self.start = 0.0
        self.settled: RunFacts | None = None  # the last pass that changed nothing: status as reported

    # --- entry -----------------------------------------------------------------------------

    def execute(self) -> RunResult:
        self.start = self.clock.now()
        if self.spec_status == SpecStatus.CANCELLED:
            return self._result(None, run_condition.cancelled(self.run.name), None)
        if self.spec_status == SpecStatus.PENDING:
            cond = run_condition.Condition(
                ConditionStatus.UNKNOWN, PipelineRunReason.PENDING, f'PipelineRun "{self.run.name}" is pending'
            )
            return self._result(None, cond, None)
        prepared = prepare_run(self.run, self.raw_spec, self.task_specs, set(self.run_workspaces))
        if isinstance(prepared, RunFailure):
            return self._result(
                None, run_condition.Condition(ConditionStatus.FALSE, prepared.reason, prepared.message), None
            )
        spec, parents = prepared
        return self._loop(spec, MappingProxyType(dict(parents)))  # read-only: no copy per pass

    # --- the loop --------------------------------------------------------------------------

    def _pass(self, spec: PipelineSpec, parents: Mapping[str, tuple[str, ...]]) -> Pass:
        if self.tracker is None:
            self.tracker = self.make_tracker(spec, parents)
            self.has_cel = any(w.cel for t in spec.all_tasks() for w in t.when)
            self.indexes = indexes_results(spec)
            self.dag_index = MappingProxyType({t.name: t for t in spec.tasks})
            self.stops_run = frozenset(t.name for t in spec.tasks if not t.continues_on_error)
        facts = RunFacts(
            spec=spec,
            parents=parents,
            taskruns=self.taskruns.snapshot(),
            spec_status=self.spec_status,
            timeouts=self.run.timeouts,
            start=self.start,
            finally_start=self.finally_start,
            now=self.clock.now(),
            dag_index=self.dag_index,
            # What RunFacts would find scanning every task, from the failures kept as they happen.
            stopping=not self.stops_run.isdisjoint(self.taskruns.failed),
        )
        return self.tracker.compute(facts, self.taskruns.take_changed())

    def _loop(self, spec: PipelineSpec, parents: Mapping[str, tuple[str, ...]]) -> RunResult:
        while True:
            self._drain_events(block=False, spec=spec)
            if self.spec_status == SpecStatus.CANCELLED:
                # Tekton ends the run in the same pass, without recomputing skippedTasks.
                facts = self._pass(spec, parents).facts
                self.taskruns.cancel_running(spec.all_tasks(), CANCELLED_BY_USER)
                return self._result(spec, run_condition.cancelled(self.run.name), facts, with_results=False)
            try:
                now = self._pass(spec, parents)
                facts = now.facts
                failure = self._resolution_failure(facts)
                if failure is None and self._tasks_timeout_ends_run(spec, facts):
                    self.taskruns.cancel_running(spec.tasks, CANCELLED_BY_TIMEOUT)
                    return self._result(spec, run_condition.condition(facts, self.run.name, now.counts), facts)
                acted = False if failure is not None else self._act(spec, now)
            except CelEvaluationError as exc:
                failure = self._cel_failed(str(exc))
            except InvalidParamValue as exc:
                self.taskruns.cancel_running(spec.all_tasks(), CANCELLED_BY_USER)
                return self._result(
                    spec,
                    run_condition.Condition(ConditionStatus.FALSE, PipelineRunReason.INVALID_PARAM_VALUE, str(exc)),
                    None,
                )
            if failure is not None:
                # MarkFailed and return: skippedTasks stays as the last full pass left it and
                # no pipeline result is computed (pipelinerun.go reconcile).
                self._settle(spec)
                return self._result(spec, failure, self.settled, with_results=False)
            if acted:
                continue
            if facts.pipeline_timed_out():
                # The run is marked timed out in the pass that cancels its TaskRuns, so skip
                # reasons are those of the TaskRuns still running (spec §2.8).
                self.taskruns.cancel_running(spec.all_tasks(), CANCELLED_BY_TIMEOUT)
                return self._result(spec, run_condition.condition(facts, self.run.name, now.counts), facts)
            cond = run_condition.condition(facts, self.run.name, now.counts)
            self.settled = facts
            self._report_skips(facts)
            if cond.done:
                return self._result(spec, cond, facts)
            self._wait(facts, spec)

    def _resolution_failure(self, facts: RunFacts) -> run_condition.Condition | None:
        """What ends the run while resolving its tasks, before anything is scheduled.

        reconcile resolves every PipelineTask (index checks on resolved array results), then
        evaluates every CEL guard (pipelinerun.go), on every pass. Both look at every task, so
        only a pipeline that has such references or guards pays for them.
        """
        invalid = result_index_failure(facts, self.run.namespace, self.run.name) if self.indexes else None
        if invalid is not None:
            return run_condition.Condition(ConditionStatus.FALSE, PipelineRunReason.VALIDATION_FAILED, invalid)
        problem = cel_failure(facts) if self.has_cel else None
        return None if problem is None else self._cel_failed(problem)

    def _tasks_timeout_ends_run(self, spec: PipelineSpec, facts: RunFacts) -> bool:
        """The tasks timeout passed while DAG tasks run and there is no finally task.

        reconcile cancels those TaskRuns and, in the same pass, GetPipelineConditionStatus ends
        the run (PipelineRunTimeout): the condition and skippedTasks are those of the TaskRuns
        still running, as for the pipeline timeout.
        """
        if spec.finally_ or self.finally_start is not None or not facts.tasks_timed_out():
            return False
        return any(facts.is_running(t.name) for t in spec.tasks)

    def _cel_failed(self, problem: str) -> run_condition.Condition:
        message = f"[User error] Error evaluating CEL {self.run.name}: {problem}"
        return run_condition.Condition(ConditionStatus.FALSE, PipelineRunReason.CEL_EVALUATION_FAILED, message)

    def _act(self, spec: PipelineSpec, now: Pass) -> bool:
        """One pass of decisions; True when anything changed, so the facts must be rebuilt."""
        facts, dag_running = now.facts, now.dag_running
        if self.spec_status == SpecStatus.CANCELLED_RUN_FINALLY and dag_running:
            return self.taskruns.cancel_running(spec.all_tasks(), CANCELLED_BY_USER)
        if self.finally_start is None and facts.tasks_timed_out() and dag_running:
            return self.taskruns.cancel_running(spec.tasks, CANCELLED_BY_TIMEOUT)
        finally_over = self.finally_start is not None and facts.finally_timed_out()
        if finally_over and self.taskruns.cancel_running(spec.finally_, CANCELLED_BY_TIMEOUT):
            return True
        if facts.pipeline_timed_out():
            return False
        ready = now.ready
        for task in ready:
            self.taskruns.start(facts.resolve(task).task)
        if ready:
            return True
        if now.dag_done:
            started = False
            if self.finally_start is None:
                self.finally_start = facts.now
                started = True
            to_start = [t for t in spec.finally_ if not facts.is_scheduled(t.name) and t.name not in facts.skips]
            # The statuses are the same for every finally task of this pass: worked out once.
            states = facts.status_replacements() if to_start else None
            for task in to_start:
                self.taskruns.start(facts.resolve(task, states=states).task)
            return started or bool(to_start)
        return False

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
        if deadline is None and not self.taskruns.has_pending():
            raise RuntimeError("the engine has nothing to wait for but the run is not finished")
        timeout = None if deadline is None else max(0.0, deadline - self.clock.now()) + 0.001
        try:
            event = self.control.events.get(timeout=timeout)
        except queue.Empty:
            self._check_cancel_at()
            return
        self._handle(event, spec)
        self._drain_events(block=False, spec=spec)

    def _settle(self, spec: PipelineSpec) -> None:
        """Wait for the TaskRuns still running after the run failed outright.

        A PipelineRun marked failed is never reconciled again (ReconcileKind returns early when
        IsDone), so its TaskRuns are not cancelled: they finish, retries included. Only a hard
        cancel requested meanwhile stops them.
        """
        while self.taskruns.has_pending():
            event = self.control.events.get()
            if event[0] == EngineEvent.STATUS and event[1] == SpecStatus.CANCELLED:
                self.taskruns.cancel_running(spec.all_tasks(), CANCELLED_BY_USER)
                return
            if event[0] == EngineEvent.DONE:
                self.taskruns.record(event[1])

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

    def _handle(self, event: Event, spec: PipelineSpec) -> None:
        if event[0] == EngineEvent.STATUS:
            if self.spec_status != SpecStatus.CANCELLED:
                self.spec_status = event[1]
            return
        self.taskruns.record(event[1])

    def _report_skips(self, facts: RunFacts) -> None:
        for name, reason in facts.skips.items():
            if name not in self.reported_skips:
                self.reported_skips.add(name)
                self.progress.task_skipped(name, reason)

    # --- result ----------------------------------------------------------------------------

    def _result(
        self,
        spec: PipelineSpec | None,
        cond: run_condition.Condition,
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
            taskruns=self.taskruns.snapshot(),
            spec_status=self.spec_status,
        )
        if facts is not None and spec is not None:
            add_run_details(result, spec, facts, with_results=with_results)
        return result
