"""The finally phase of an explored run: every finally task that runs starts at once (Tekton's
`GetFinalTasks`), so the reporters see one `$(tasks.status)`; after that, a finally task may fail,
and the run may be stopped, cancelled or time out while some of them still run.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from finale.core.check.outcomes import Event, Outcome, post_of
from finale.core.check.runstate import Context, Node, cancel, outcome_of
from finale.core.tekton import run_condition
from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import SpecStatus
from finale.core.tekton.state import CANCELLED_BY_TIMEOUT, CANCELLED_BY_USER

_GRACEFUL = {
    "stopped-run-finally": SpecStatus.STOPPED_RUN_FINALLY,
    "cancelled-run-finally": SpecStatus.CANCELLED_RUN_FINALLY,
}


class _Phase:
    def __init__(self, ctx: Context, node: Node) -> None:
        self.ctx = ctx
        self.node = node
        self.dag = ctx.facts(node)
        real = [t.name for t in ctx.spec.tasks if t.name not in ctx.abstract.synthetic]
        seen = tuple((n, self.dag.task_status(n), self.dag.task_reason(n), repr(self.dag.results_of(n))) for n in real)
        # What the finally tasks see decides which run and what they post: worked out once.
        key = (seen, self.dag.aggregate_status(), node.now, node.spec_status)
        if key not in ctx.cache:
            facts = ctx.facts(node, finally_start=node.now)
            finals = {t.name for t in ctx.spec.finally_}
            ran = tuple(t for t in ctx.spec.finally_ if t.name not in facts.skips)
            posts = {t.name: post_of(ctx.model, facts.resolve(t).task) for t in ran if t.name in ctx.model.reporters}
            skipped = {k: v for k, v in facts.skips.items() if k in finals}
            ctx.cache[key] = (facts.aggregate_status(), ran, posts, skipped)
        self.aggregate, self.ran, self.posts, self.skipped = ctx.cache[key]

    def _facts(self, ended: Node) -> RunFacts:
        """The facts at the end, with the finally skips found once (they do not change)."""
        dag = self.ctx.facts(ended)
        return RunFacts(
            spec=self.ctx.spec,
            parents=self.ctx.parents,
            taskruns=dict(dag.taskruns),
            validation_failed=dict(dag.validation_failed),
            spec_status=ended.spec_status,
            timeouts=self.ctx.timeouts,
            finally_start=self.node.now,
            now=ended.now,
            skips={**dag.skips, **self.skipped},
        )

    def play(
        self,
        states: Mapping[str, str],
        *,
        event: Event | None = None,
        now: float | None = None,
        spec_status: SpecStatus | None = None,
        posted: Sequence[str] | None = None,
    ) -> Outcome:
        """The run's end when each finally task that ran ended as `states` says (default: success)."""
        ctx, node = self.ctx, self.node
        runs = dict(node.runs)
        for task in self.ran:
            state = states.get(task.name, "ok")
            run = ctx.taskrun(
                task, state="True" if state == "ok" else "False", reason="Succeeded" if state == "ok" else "Failed"
            )
            if state.startswith("cancel"):
                run = cancel(run, CANCELLED_BY_USER if state == "cancel-user" else CANCELLED_BY_TIMEOUT)
            runs[task.name] = run
        ended = replace(
            node,
            runs=runs,
            now=node.now if now is None else now,
            spec_status=node.spec_status if spec_status is None else spec_status,
            events=node.events if event is None else (*node.events, event),
        )
        facts = self._facts(ended)
        hard_cancel = event is not None and event.detail == "cancelled"
        cond = (
            run_condition.cancelled(ctx.model.run_name)
            if hard_cancel
            else run_condition.condition(facts, ctx.model.run_name)
        )
        names = list(self.posts) if posted is None else posted
        posts = (*node.posts, *(self.posts[n] for n in names))
        return outcome_of(
            ctx, ended, facts, cond, aggregate=self.aggregate, ran=tuple(t.name for t in self.ran), posts=posts
        )

    def variants(self) -> Iterator[Outcome]:
        yield self.play({})
        failing = next((t.name for t in self.ran if t.name not in self.posts and not t.continues_on_error), None)
        if failing:
            yield self.play({failing: "fail"}, event=Event(what="finally-fails", task=failing, in_finally=True))
        if self.node.interrupted or not self.ran:
            return
        names = tuple(t.name for t in self.ran)
        for kind, spec_status in _GRACEFUL.items():
            event = Event(what="interrupt", detail=kind, running=names, in_finally=True)
            yield self.play({}, event=event, spec_status=spec_status)
        yield from self._hard()

    def _hard(self) -> Iterator[Outcome]:
        """Hard cancel or timeouts while some finally tasks still run (the reporters in `done` have posted)."""
        limits = self.ctx.timeouts
        start = self.node.now
        for done in _subsets(tuple(self.posts)):
            running = tuple(t.name for t in self.ran if t.name not in done)
            if not running:
                continue
            for kind, now, state in (
                ("cancelled", start, "cancel-user"),
                ("finally-timeout", start + (limits.finally_ or 0.0) + 1.0, "cancel-timeout"),
                ("pipeline-timeout", max((limits.pipeline or 0.0) + 1.0, start + 1.0), "cancel-timeout"),
            ):
                if (kind == "finally-timeout" and limits.finally_ is None) or (
                    kind == "pipeline-timeout" and limits.pipeline is None
                ):
                    continue
                event = Event(what="interrupt", detail=kind, running=running, in_finally=True)
                yield self.play({n: state for n in running}, event=event, now=now, posted=done)


def _subsets(names: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Which reporters posted before the interruption: all subsets of a few, else the extremes."""
    if len(names) <= 4:
        for size in range(len(names) + 1):
            yield from itertools.combinations(names, size)
        return
    yield ()
    for n in names:
        yield (n,)
        yield tuple(m for m in names if m != n)
    yield names


def finally_outcomes(ctx: Context, node: Node) -> list[Outcome]:
    return list(_Phase(ctx, node).variants())
