"""Play one outcome class of a PipelineRun with the engine's rules, without processes.

Synthetic finished TaskRuns go into `RunFacts`; `compute_skips` and `status.condition` decide
the rest exactly as they do for a real run. Time is modelled as waves: the tasks that become
ready together start together and finish before the next pass looks again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from finale.core.check.model import CheckModel
from finale.core.gitlab.state import parse_state, resolve_state
from finale.core.tekton import status
from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import PipelineSpec, PipelineTask, SpecStatus, Timeouts
from finale.core.tekton.parse import pipeline_spec
from finale.core.tekton.skips import compute_skips, validation_error
from finale.core.tekton.state import CANCELLED_BY_TIMEOUT, CANCELLED_BY_USER, TaskRunState

Kind = Literal[
    "green",
    "when",
    "fail",
    "fail-ignored",
    "tasks-timeout",
    "pipeline-timeout",
    "cancelled",
    "cancelled-run-finally",
    "stopped-run-finally",
]
FINAL_STATES = frozenset({"success", "failed", "canceled"})
_TRUE_GUARD = ({"input": "true", "operator": "in", "values": ["true"]},)
_FALSE_GUARD = ({"input": "false", "operator": "in", "values": ["true"]},)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    kind: Kind
    members: tuple[str, ...] = ()  # DAG tasks that give this same class (fail / when)
    wave: int = 0  # the interruption happens while the tasks of this wave run
    finally_fails: str | None = None

    @property
    def task(self) -> str | None:
        return self.members[0] if self.members else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Post:
    reporter: str
    is_finally: bool
    context: str
    state: str  # a GitLab state, or the STATE text when it is not one


@dataclass(frozen=True, kw_only=True)
class Outcome:
    scenario: Scenario
    aggregate: str  # `$(tasks.status)` the finally tasks saw; "" when finally never ran
    finally_ran: tuple[str, ...]
    finally_skipped: Mapping[str, str]
    posts: tuple[Post, ...]
    condition: status.Condition
    observed: tuple[tuple[str, str, str, tuple[str, ...]], ...]  # task, status, reason, results
    dag_skipped: Mapping[str, str] = field(default_factory=dict)

    @property
    def finals(self) -> tuple[Post, ...]:
        return tuple(p for p in self.posts if p.state in FINAL_STATES)

    @property
    def signature(self) -> tuple[object, ...]:
        """What the finally tasks see: classes with equal signatures look the same to them."""
        return (self.aggregate, self.observed)


@dataclass(kw_only=True)
class _Run:
    """The mutable state of one simulated run (the engine's fields, no executor)."""

    model: CheckModel
    spec: PipelineSpec
    timeouts: Timeouts
    taskruns: dict[str, tuple[TaskRunState, ...]] = field(default_factory=dict)
    validation_failed: dict[str, str] = field(default_factory=dict)
    spec_status: SpecStatus = SpecStatus.NONE
    now: float = 0.0  # the run starts at 0; timeouts move it past a limit
    finally_start: float | None = None
    posts: list[Post] = field(default_factory=list)

    def facts(self) -> RunFacts:
        facts = RunFacts(
            spec=self.spec,
            parents=self.model.parents,
            taskruns=dict(self.taskruns),
            validation_failed=dict(self.validation_failed),
            spec_status=self.spec_status,
            timeouts=self.timeouts,
            start=0.0,
            finally_start=self.finally_start,
            now=self.now,
        )
        return compute_skips(facts)

    def finish(self, task: PipelineTask, *, ok: bool, cancel: str = "") -> None:
        results = {r: f"<{task.name}.{r}>" for r in self.model.results.get(task.name, ())} if ok else {}
        reason = "Succeeded" if ok else ("FailureIgnored" if task.continues_on_error else "Failed")
        if cancel:
            reason = "TaskRunCancelled"
        run = TaskRunState(
            name=f"{self.model.run_name}-{task.name}",
            pipeline_task=task.name,
            is_finally=task.is_finally,
            on_error=task.on_error,
            status="True" if ok else "False",
            reason=reason,
            results=results,
            spec_status="TaskRunCancelled" if cancel else "",
            status_message=cancel,
        )
        self.taskruns[task.name] = (run,)


def _empty_matrix(matrix: Mapping[str, Any]) -> dict[str, Any]:
    params = [dict(p, value=[]) if isinstance(p, Mapping) else p for p in matrix.get("params") or ()]
    return {**matrix, "params": params}


def _scenario_spec(model: CheckModel, when_false: frozenset[str]) -> PipelineSpec:
    """DAG guards become free choices: true, or false for the tasks this class skips; a matrix
    task without a guard is skipped by an empty array (which, unlike a when, skips its children)."""
    raw = dict(model.spec.raw)
    tasks = []
    for t in model.spec.tasks:
        item: dict[str, Any] = dict(t.raw)
        if item.get("when"):
            item["when"] = list(_FALSE_GUARD if t.name in when_false else _TRUE_GUARD)
        elif t.name in when_false and isinstance(item.get("matrix"), Mapping):
            item["matrix"] = _empty_matrix(item["matrix"])
        tasks.append(item)
    raw["tasks"] = tasks
    return pipeline_spec(raw)


def _timeouts(model: CheckModel) -> Timeouts:
    pipeline = model.timeouts.pipeline
    tasks = model.timeouts.tasks or (pipeline / 2 if pipeline else 1800.0)
    return Timeouts(pipeline=pipeline, tasks=tasks, finally_=model.timeouts.finally_)


def _post(model: CheckModel, task: PipelineTask) -> Post:
    reporter = model.reporters[task.name]
    given = task.params.get("STATE", reporter.state_default or "")
    text = given if isinstance(given, str) else str(given)
    state = parse_state(text.strip())
    if state is None:
        try:
            # Our Task also takes an aggregate status, and posts COMPLETED_STATE for Completed.
            state = resolve_state(text, _completed_state(model, task)).state
        except ValueError:
            state = None
    context = task.params.get("CONTEXT")
    default_context = _param_default(model.task_specs.get(task.name), "CONTEXT") or "(the Task's default)"
    return Post(
        reporter=task.name,
        is_finally=task.is_finally,
        context=context if isinstance(context, str) else default_context,
        state=state.value if state is not None else text,
    )


def _completed_state(model: CheckModel, task: PipelineTask) -> str:
    given = task.params.get("COMPLETED_STATE", _param_default(model.task_specs.get(task.name), "COMPLETED_STATE"))
    return given if isinstance(given, str) else ""


def _param_default(task_spec: Mapping[str, Any] | None, name: str) -> str | None:
    for p in (task_spec or {}).get("params") or ():
        if isinstance(p, Mapping) and p.get("name") == name and isinstance(p.get("default"), str):
            return str(p["default"])
    return None


def _start_wave(run: _Run, facts: RunFacts) -> list[tuple[PipelineTask, PipelineTask]]:
    """Start what the engine would start in this pass: (declared task, resolved task) pairs."""
    # Not `skips.ready_dag_tasks`: the two differ for an onError: continue candidate that fails
    # validation, where the engine starts nothing more and waits for the timeout.
    started = []
    for task in run.spec.tasks:
        name = task.name
        if facts.is_scheduled(name) or name in facts.skips or name in run.validation_failed:
            continue
        if not facts.parents_done(task):
            continue
        resolved = facts.resolve(task)
        if resolved.missing:
            producer, result = resolved.missing[0]
            run.validation_failed[name] = validation_error(facts, name, producer, result)
            break  # as the engine: a validation failure ends the pass
        started.append((task, resolved.task))
    return started


def _interrupt(run: _Run, sc: Scenario, running: list[PipelineTask]) -> bool:
    """Apply the class's interruption to the running wave; True when the run ends at once."""
    if sc.kind == "cancelled":
        for task in running:
            run.finish(task, ok=False, cancel=CANCELLED_BY_USER)
        return True
    if sc.kind == "pipeline-timeout":
        run.now = (run.timeouts.pipeline or 0.0) + 1.0
        for task in running:
            run.finish(task, ok=False, cancel=CANCELLED_BY_TIMEOUT)
        return True
    if sc.kind == "tasks-timeout":
        tasks_limit = run.timeouts.tasks or 0.0
        room = (run.timeouts.pipeline or tasks_limit + 2.0) - tasks_limit
        run.now = tasks_limit + min(1.0, room / 2)
        for task in running:
            run.finish(task, ok=False, cancel=CANCELLED_BY_TIMEOUT)
    elif sc.kind == "cancelled-run-finally":
        run.spec_status = SpecStatus.CANCELLED_RUN_FINALLY
        for task in running:
            run.finish(task, ok=False, cancel=CANCELLED_BY_USER)
    else:  # stopped-run-finally: running TaskRuns finish normally
        run.spec_status = SpecStatus.STOPPED_RUN_FINALLY
        _complete(run, sc, running)
    return False


def _complete(run: _Run, sc: Scenario, running: list[PipelineTask]) -> None:
    failing = sc.task if sc.kind in ("fail", "fail-ignored") else None
    for task in running:
        run.finish(task, ok=task.name != failing)


def _dag_phase(run: _Run, sc: Scenario) -> bool:
    """Run the DAG; True when the run ended without finally (hard cancel, pipeline timeout)."""
    wave = 0
    while True:
        facts = run.facts()
        if facts.is_stopping() or run.spec_status != SpecStatus.NONE:
            return False
        known = len(run.validation_failed)
        started = _start_wave(run, facts)
        if not started:
            if len(run.validation_failed) == known:
                return False
            continue
        wave += 1
        for task, resolved in started:
            if task.name in run.model.reporters:
                run.posts.append(_post(run.model, resolved))
        running = [task for task, _ in started]
        if sc.wave == wave and _interrupt(run, sc, running):
            return True
        if sc.wave != wave:
            _complete(run, sc, running)


def _drop_unfinished_posts(run: _Run) -> None:
    """A DAG reporter whose TaskRun did not succeed did not post (it was cancelled or failed)."""
    run.posts = [p for p in run.posts if p.is_finally or run.taskruns[p.reporter][0].succeeded]


def simulate(model: CheckModel, sc: Scenario) -> Outcome:
    when_false = frozenset(sc.members) if sc.kind == "when" else frozenset()
    run = _Run(model=model, spec=_scenario_spec(model, when_false), timeouts=_timeouts(model))
    ended = _dag_phase(run, sc)
    _drop_unfinished_posts(run)
    facts = run.facts()
    if ended:
        cond = status.cancelled(model.run_name) if sc.kind == "cancelled" else status.condition(facts, model.run_name)
        return _outcome(model, sc, run, facts, cond, aggregate="", ran=())
    run.finally_start = run.now
    facts = run.facts()
    aggregate = facts.aggregate_status()
    ran = []
    for task in run.spec.finally_:
        if task.name in facts.skips:
            continue
        resolved = facts.resolve(task).task
        if task.name in model.reporters:
            run.posts.append(_post(model, resolved))
        run.finish(task, ok=task.name != sc.finally_fails)
        ran.append(task.name)
    final = run.facts()
    return _outcome(model, sc, run, final, status.condition(final, model.run_name), aggregate, tuple(ran))


def _outcome(
    model: CheckModel,
    sc: Scenario,
    run: _Run,
    facts: RunFacts,
    cond: status.Condition,
    aggregate: str,
    ran: tuple[str, ...],
) -> Outcome:
    finals = {t.name for t in run.spec.finally_}
    observed = tuple(
        (name, facts.task_status(name), facts.task_reason(name), tuple(sorted(facts.results_of(name) or ())))
        for name in sorted(model.view_tasks)
    )
    return Outcome(
        scenario=sc,
        aggregate=aggregate,
        finally_ran=ran,
        finally_skipped={k: str(v) for k, v in facts.skips.items() if k in finals},
        posts=tuple(run.posts),
        condition=cond,
        observed=observed,
        dag_skipped={k: str(v) for k, v in facts.skips.items() if k not in finals},
    )
