"""The state of one explored run, the pipeline it runs, and the outcome it ends in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from finale.core.check.guards import Guards, Valuation
from finale.core.check.model import CheckModel
from finale.core.check.outcomes import Event, Outcome, Post
from finale.core.check.quotient import Abstract
from finale.core.tekton import run_condition, skips
from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import PipelineSpec, PipelineTask, SpecStatus, Timeouts
from finale.core.tekton.reasons import ConditionStatus, TaskRunReason, TaskRunSpecStatus
from finale.core.tekton.state import TaskRunState
from finale.record import replace


@dataclass(frozen=True, kw_only=True)
class Node:
    runs: Mapping[str, TaskRunState]
    spec_status: SpecStatus = SpecStatus.NONE
    now: float = 0.0
    events: tuple[Event, ...] = ()
    posts: tuple[Post, ...] = ()
    pending: Mapping[str, Post] = field(default_factory=dict)  # DAG reporters running: post on success
    interrupted: bool = False

    @property
    def key(self) -> tuple[object, ...]:
        runs = tuple(sorted((n, r.status, r.reason, tuple(sorted(r.results.items()))) for n, r in self.runs.items()))
        return (runs, self.spec_status, self.now, self.posts, self.interrupted)

    @property
    def size(self) -> int:
        return sum(1 for e in self.events if e.what not in ("posts", "value"))

    def running(self) -> list[str]:
        return [n for n, r in self.runs.items() if not r.finished]


@dataclass(frozen=True, kw_only=True)
class Context:
    """One valuation's explored pipeline: everything the exploration reads."""

    model: CheckModel
    abstract: Abstract
    guards: Guards
    spec: PipelineSpec
    parents: Mapping[str, tuple[str, ...]]
    timeouts: Timeouts
    valuation: Valuation
    cache: dict[tuple[object, ...], Any] = field(default_factory=dict)  # finally phases by what they see

    def facts(self, node: Node, finally_start: float | None = None) -> RunFacts:
        """The engine's facts for this state; before finally, without the finally tasks (they
        change nothing in the DAG and cost a resolution each)."""
        facts = RunFacts(
            spec=self.spec if finally_start is not None else replace(self.spec, finally_=()),
            parents=self.parents,
            taskruns={n: (r,) for n, r in node.runs.items()},
            spec_status=node.spec_status,
            timeouts=self.timeouts,
            start=0.0,
            finally_start=finally_start,
            now=node.now,
        )
        return skips.compute_skips(facts)

    def taskrun(
        self, task: PipelineTask, *, state: str, reason: str, results: Mapping[str, str] | None = None
    ) -> TaskRunState:
        return TaskRunState(
            name=f"{self.model.run_name}-{task.name}",
            pipeline_task=task.name,
            is_finally=task.is_finally,
            on_error=task.on_error,
            status=ConditionStatus(state),  # the wire words, checked here
            reason=TaskRunReason(reason),
            results=dict(results or {}),
        )


def cancel(run: TaskRunState, message: str) -> TaskRunState:
    return replace(
        run,
        status=ConditionStatus.FALSE,
        reason=TaskRunReason.CANCELLED,
        spec_status=TaskRunSpecStatus.CANCELLED,
        status_message=message,
    )


def outcome_of(
    ctx: Context,
    node: Node,
    facts: RunFacts,
    cond: run_condition.Condition,
    *,
    aggregate: str,
    ran: tuple[str, ...],
    posts: tuple[Post, ...],
) -> Outcome:
    finals = {t.name for t in ctx.spec.finally_}
    real = [t.name for t in ctx.spec.tasks if t.name not in ctx.abstract.synthetic]
    seen = tuple(
        (n, facts.task_status(n), facts.task_reason(n), repr(sorted((facts.results_of(n) or {}).items()))) for n in real
    )
    read_keys = ctx.guards.keys_of(frozenset(finals))
    guard_values = tuple((k, v) for k, v in ctx.valuation if k in read_keys)
    read = ctx.model.view_tasks
    return Outcome(
        events=node.events,
        valuation=ctx.valuation,
        aggregate=aggregate,
        finally_ran=ran,
        finally_skipped={k: str(v) for k, v in facts.skips.items() if k in finals},
        posts=posts,
        condition=cond,
        view=(aggregate, seen, guard_values),
        read_view=(aggregate, tuple(t for t in seen if t[0] in read), guard_values),
        dag_skipped={k: str(v) for k, v in facts.skips.items() if k not in finals},
        reporter_runs={n: _run_state(facts, n) for n in ctx.model.reporters if n not in finals},
    )


def _run_state(facts: RunFacts, name: str) -> str:
    runs = facts.runs_of(name)
    if not runs:
        return str(facts.skips.get(name, "not started"))
    if runs[0].cancelled:
        return "cancelled while running"
    return "running" if not runs[0].finished else ("succeeded" if runs[0].succeeded else "failed")
