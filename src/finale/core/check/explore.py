"""Every run the engine's rules allow, explored state by state without processes.

A state is the explored pipeline's TaskRuns (running or finished), `spec.status` and the time.
From a state, any running task may finish next with any outcome, or the run may be interrupted;
`compute_skips`, `ready_dag_tasks` and `run_condition.condition` (the engine's own rules) decide what
starts and how the run ends. Smallest stories are explored first, so each state is reached by
the simplest run that leads to it. When every DAG task is done, the finally phase is played.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import replace

from finale.core.check.finally_phase import finally_outcomes
from finale.core.check.outcomes import Event, Outcome, post_of
from finale.core.check.runstate import Context, Node, cancel, outcome_of
from finale.core.tekton import run_condition, skips
from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import PipelineTask, SpecStatus
from finale.core.tekton.reasons import TaskRunReason
from finale.core.tekton.state import CANCELLED_BY_TIMEOUT, CANCELLED_BY_USER, TaskRunState

DAG_INTERRUPTS = ("tasks-timeout", "pipeline-timeout", "cancelled", "cancelled-run-finally", "stopped-run-finally")
_SPEC_STATUS = {
    "cancelled-run-finally": SpecStatus.CANCELLED_RUN_FINALLY,
    "stopped-run-finally": SpecStatus.STOPPED_RUN_FINALLY,
}


def explore(ctx: Context) -> list[Outcome]:
    out: list[Outcome] = []
    seen: set[tuple[object, ...]] = set()
    counter = itertools.count()
    heap: list[tuple[int, int, Node]] = [(0, next(counter), Node(runs={}))]
    while heap:
        _, _, node = heapq.heappop(heap)
        node = _advance(ctx, node)
        if node.key in seen:
            continue
        seen.add(node.key)
        running = node.running()
        if running:
            for succ in _successors(ctx, node, running, out):
                heapq.heappush(heap, (succ.size, next(counter), succ))
            continue
        facts = ctx.facts(node)
        if facts.dag_done():
            out += finally_outcomes(ctx, node)
        else:  # a candidate failed validation and nothing else may start: the run waits for a timeout
            waiting = _interrupt(
                ctx, replace(node, events=(*node.events, Event(what="waits"))), "tasks-timeout", [], out
            )
            assert waiting is not None  # a tasks timeout goes on to finally
            heapq.heappush(heap, (waiting.size, next(counter), waiting))
    return out


def _advance(ctx: Context, node: Node) -> Node:
    """Start what the engine would start, pass after pass, until nothing more is ready."""
    while True:
        facts = ctx.facts(node)
        ready = skips.ready_dag_tasks(facts)
        if not ready:
            return node
        runs = dict(node.runs)
        pending = dict(node.pending)
        for task in ready:
            resolved = facts.resolve(task).task
            runs[task.name] = ctx.taskrun(task, state="Unknown", reason="Running")
            if task.name in ctx.model.reporters:
                pending[task.name] = post_of(ctx.model, resolved)
        node = replace(node, runs=runs, pending=pending)


def _successors(ctx: Context, node: Node, running: list[str], out: list[Outcome]) -> Iterator[Node]:
    for name in running:
        task = ctx.spec.task(name)
        assert task is not None
        for run, event in _finishes(ctx, task):
            runs = {**node.runs, name: run}
            events = (*node.events, event) if event else node.events
            posts, pending = node.posts, dict(node.pending)
            post = pending.pop(name, None)
            if post is not None and run.succeeded:
                posts = (*posts, post)
                events = (*events, Event(what="posts", task=name, detail=post.state))
            yield replace(node, runs=runs, events=events, posts=posts, pending=pending)
    if not node.interrupted:
        for kind in DAG_INTERRUPTS:
            if kind == "pipeline-timeout" and ctx.timeouts.pipeline is None:
                continue
            succ = _interrupt(ctx, node, kind, running, out)
            if succ is not None:
                yield succ


def _finishes(ctx: Context, task: PipelineTask) -> Iterator[tuple[TaskRunState, Event | None]]:
    """The outcomes a task may end with: success (with each value a guard compares for each
    result it writes), failure, and a timeout where a reporter reads the task's reason."""
    name = task.name
    if name in ctx.abstract.synthetic or name in ctx.model.reporters:
        yield ctx.taskrun(task, state="True", reason=TaskRunReason.SUCCEEDED, results=_placeholders(ctx, name)), None
        return
    for results, event in _result_choices(ctx, name):
        yield ctx.taskrun(task, state="True", reason=TaskRunReason.SUCCEEDED, results=results), event
    ignored = task.continues_on_error
    reason = "FailureIgnored" if ignored else "Failed"
    yield ctx.taskrun(task, state="False", reason=reason), Event(what="ignored" if ignored else "fails", task=name)
    if name in ctx.model.reason_read:
        yield ctx.taskrun(task, state="False", reason="TaskRunTimeout"), Event(what="timeout", task=name)


def _placeholders(ctx: Context, name: str) -> dict[str, str]:
    return {r: f"<{name}.{r}>" for r in ctx.model.results.get(name, ())}


def _result_choices(ctx: Context, name: str) -> Iterator[tuple[dict[str, str], Event | None]]:
    base = _placeholders(ctx, name)
    free = [r for r in base if (name, r) in ctx.guards.results]
    if not free:
        yield base, None
        return
    domains = [ctx.guards.results[name, r] for r in free]
    for combo in itertools.product(*domains):
        chosen = dict(zip(free, combo, strict=True))
        detail = ", ".join(f"{r} = {v}" for r, v in chosen.items())
        yield {**base, **chosen}, Event(what="value", task=name, detail=detail)


def _interrupt(ctx: Context, node: Node, kind: str, running: list[str], out: list[Outcome]) -> Node | None:
    """Apply an interruption while `running` run: a node to go on from, or None when the run ends."""
    event = Event(what="interrupt", detail=kind, running=tuple(running))
    runs = dict(node.runs)
    keep = node.pending if kind == "stopped-run-finally" else {}  # a stop lets running reporters finish
    node = replace(node, events=(*node.events, event), interrupted=True, pending=keep)
    limits = ctx.timeouts
    if kind in ("cancelled", "pipeline-timeout"):
        message = CANCELLED_BY_USER if kind == "cancelled" else CANCELLED_BY_TIMEOUT
        now = (limits.pipeline or 0.0) + 1.0 if kind == "pipeline-timeout" else node.now
        node = replace(node, runs={n: cancel(r, message) if n in running else r for n, r in runs.items()}, now=now)
        facts = ctx.facts(node)
        cond = (
            run_condition.cancelled(ctx.model.run_name)
            if kind == "cancelled"
            else run_condition.condition(facts, ctx.model.run_name)
        )
        out.append(_ended(ctx, node, facts, cond))
        return None
    if kind == "tasks-timeout":
        tasks_limit = limits.tasks or 0.0
        room = (limits.pipeline or tasks_limit + 2.0) - tasks_limit
        runs = {n: cancel(r, CANCELLED_BY_TIMEOUT) if n in running else r for n, r in runs.items()}
        return replace(node, runs=runs, now=tasks_limit + min(1.0, room / 2))
    if kind == "cancelled-run-finally":
        runs = {n: cancel(r, CANCELLED_BY_USER) if n in running else r for n, r in runs.items()}
    return replace(node, runs=runs, spec_status=_SPEC_STATUS[kind])


def _ended(ctx: Context, node: Node, facts: RunFacts, cond: run_condition.Condition) -> Outcome:
    """A run that ends with no finally task (hard cancel, pipeline timeout)."""
    return outcome_of(ctx, node, facts, cond, aggregate="", ran=(), posts=node.posts)
