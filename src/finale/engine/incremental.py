"""Each pass's facts without the quadratic cost: recompute only what a changed TaskRun touches.

Tekton rebuilds every fact on each reconcile; `Reference` does the same and stays the yardstick
(tests/engine/test_incremental.py compares the two on every pass of random pipelines).
`Incremental` keeps each DAG task's skip, done and candidate state, and each task's status
bucket, and recomputes in topological order only the tasks whose TaskRuns changed and those
that depend on them. A run-wide change (spec.status, the run becoming stopping, a timeout) or a
failed result validation rebuilds everything, as the reference does every time.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Set
from typing import Protocol

from finale.core.tekton import dag, run_condition, skips
from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import PipelineSpec, PipelineTask, SpecStatus
from finale.core.tekton.reasons import SkipReason
from finale.core.tekton.variables import named_tasks
from finale.record import Record, replace, set_field


# Records, not dataclasses: `finale run` starts faster without them (finale/record.py).
class Pass(Record):
    """What the loop needs from one pass: facts with skips filled, and what follows from them."""

    __slots__ = ("counts", "dag_done", "dag_running", "facts", "ready")
    facts: RunFacts
    ready: tuple[PipelineTask, ...]  # DAG tasks to start now
    dag_done: bool
    dag_running: bool
    counts: run_condition.Counts

    def __init__(
        self,
        *,
        facts: RunFacts,
        ready: tuple[PipelineTask, ...],
        dag_done: bool,
        dag_running: bool,
        counts: run_condition.Counts,
    ) -> None:
        set_field(self, "facts", facts)
        set_field(self, "ready", ready)
        set_field(self, "dag_done", dag_done)
        set_field(self, "dag_running", dag_running)
        set_field(self, "counts", counts)


class Tracker(Protocol):
    def compute(self, facts: RunFacts, changed: Set[str]) -> Pass:
        """This pass's answers; `changed` names the tasks whose TaskRuns changed since the last."""
        ...


TrackerFactory = Callable[[PipelineSpec, Mapping[str, tuple[str, ...]]], Tracker]


class Reference:
    """Everything from scratch on every pass, as Tekton's controller does."""

    def __init__(self, spec: PipelineSpec, parents: Mapping[str, tuple[str, ...]]) -> None:
        self.spec = spec

    def compute(self, facts: RunFacts, changed: Set[str]) -> Pass:
        facts = skips.compute_skips(facts)
        return Pass(
            facts=facts,
            ready=skips.ready_dag_tasks(facts),
            dag_done=facts.dag_done(),
            dag_running=any(facts.is_running(t.name) for t in self.spec.tasks),
            counts=run_condition.count(facts),
        )


def _depends_on(spec: PipelineSpec, parents: Mapping[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """The DAG tasks each DAG task's skip and readiness read: parents and any task it names.

    A substituted result may itself name a matrix task, so a task naming any task also reads
    every matrix task (`$(tasks.<t>.matrix.<r>.length)`).
    """
    dag_names = {t.name for t in spec.tasks}
    matrix = {t.name for t in spec.tasks if t.matrix}
    found: dict[str, set[str]] = {}
    for task in spec.tasks:
        named = named_tasks(task.raw) & dag_names
        found[task.name] = (set(parents.get(task.name, ())) | named | (matrix if named else set())) - {task.name}
    return found


class Incremental:
    """Per-task state and a dirty set; answers exactly what `Reference` answers."""

    def __init__(self, spec: PipelineSpec, parents: Mapping[str, tuple[str, ...]]) -> None:
        self.spec = spec
        self.tasks = {t.name: t for t in spec.all_tasks()}
        self.rank = {n: i for i, n in enumerate(dag.topological_order([t.name for t in spec.tasks], parents))}
        self.index = {t.name: i for i, t in enumerate(spec.tasks)}
        depends = _depends_on(spec, parents)
        self.dependants: dict[str, list[str]] = {t.name: [] for t in spec.tasks}
        for name, sources in depends.items():
            for source in sources:
                self.dependants[source].append(name)
        # Tasks naming a later task: in the reference they see only the skips computed before
        # them in the pass, so they are recomputed on every pass with that view.
        self.forward = {n for n, sources in depends.items() if any(self.rank[s] > self.rank[n] for s in sources)}
        self.key: tuple[object, ...] | None = None
        self.rebuild_next = True
        self.skips: dict[str, SkipReason] = {}  # DAG tasks, in topological order
        self.done: set[str] = set()
        self.candidates: set[str] = set()  # not scheduled, not skipped, parents done
        self.running: set[str] = set()  # DAG tasks with an unfinished TaskRun
        self.stopping: set[str] = set()  # DAG tasks whose failure stops the run
        self.buckets: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.reorder = False  # a skip moved in this pass: put `skips` back in topological order
        self.rebuilds = 0  # how often everything was rebuilt, and how many tasks were refreshed
        self.refreshed = 0

    def compute(self, facts: RunFacts, changed: Set[str]) -> Pass:
        self._update_flags(facts, changed)
        key = (facts.spec_status, bool(self.stopping), facts.pipeline_timed_out(), facts.tasks_timed_out())
        if self.rebuild_next or key != self.key:
            self.key = key
            return self._rebuild(facts)
        return self._step(facts, changed)

    # --- a full rebuild --------------------------------------------------------------------

    def _rebuild(self, facts: RunFacts) -> Pass:
        self.rebuilds += 1
        done = Reference(self.spec, {}).compute(facts, frozenset())
        facts = done.facts
        # A failed validation lasts one pass only: the next one starts from scratch again.
        self.rebuild_next = bool(facts.validation_failed)
        self._update_flags(facts, self.tasks)
        self.skips = {t.name: facts.skips[t.name] for t in self.spec.tasks if t.name in facts.skips}
        self.skips = dict(sorted(self.skips.items(), key=lambda item: self.rank[item[0]]))
        self.done = {t.name for t in self.spec.tasks if facts.is_done(t.name)}
        self.candidates = {t.name for t in self.spec.tasks if self._is_candidate(facts, facts.skips, t)}
        self.buckets = {t.name: run_condition.bucket(facts, t) for t in self.spec.all_tasks()}
        self.counts = dict.fromkeys(run_condition.Counts._fields, 0)
        for bucket in self.buckets.values():
            self.counts[bucket] += 1
        return done

    # --- an incremental pass ---------------------------------------------------------------

    def _step(self, facts: RunFacts, changed: Set[str]) -> Pass:
        if facts.stopping != bool(self.stopping):
            facts = replace(facts, stopping=bool(self.stopping))
        self.reorder = False
        moved = self._recompute(facts, changed)
        if self.reorder:
            self.skips = dict(sorted(self.skips.items(), key=lambda item: self.rank[item[0]]))
        facts = replace(facts, skips=self.skips)
        queue_open = facts.spec_status == SpecStatus.NONE and not facts.is_stopping()
        candidates = sorted(self.candidates, key=self.index.__getitem__)
        if queue_open and any(skips.candidate_missing(facts, self.tasks[n]) for n in candidates):
            self.rebuild_next = True
            return self._rebuild(facts.fresh())
        dag_done = len(self.done) == len(self.spec.tasks)
        if dag_done:
            finals = skips.finally_skips(facts)
            if finals:
                facts = replace(facts, skips={**facts.skips, **finals})
        self._recount(facts, [*changed, *moved, *(t.name for t in self.spec.finally_)])
        return Pass(
            facts=facts,
            ready=tuple(self.tasks[n] for n in candidates) if queue_open else (),
            dag_done=dag_done,
            dag_running=bool(self.running),
            counts=run_condition.tally(self.counts),
        )

    def _recompute(self, facts: RunFacts, changed: Set[str]) -> set[str]:
        """DAG tasks in topological order, from the changed ones to what depends on them."""
        heap = [(self.rank[n], n) for n in {*changed, *self.forward} if n in self.rank]
        heapq.heapify(heap)
        seen: set[str] = set()
        moved: set[str] = set()
        while heap:
            _, name = heapq.heappop(heap)
            if name in seen:
                continue
            seen.add(name)
            if self._refresh(facts, self.tasks[name]) or name in changed:
                moved.add(name)
                for dependant in self.dependants[name]:
                    heapq.heappush(heap, (self.rank[dependant], dependant))
        return moved

    def _refresh(self, facts: RunFacts, task: PipelineTask) -> bool:
        """Recompute one DAG task's skip, done and candidate state; True when skip or done moved."""
        self.refreshed += 1
        name = task.name
        reason = skips.dag_skip(facts, task, self.skips if name not in self.forward else self._before(name))
        skip_moved = reason != self.skips.get(name)
        if skip_moved:
            self.reorder = True
            _set_or_drop(self.skips, name, reason)
        done_moved = _toggle(self.done, name, skips.is_done(facts, self.skips, name))
        _toggle(self.candidates, name, self._is_candidate(facts, self.skips, task))
        return skip_moved or done_moved

    def _before(self, name: str) -> dict[str, SkipReason]:
        """The skips as the reference has them when it reaches `name`: earlier ones only."""
        return {n: r for n, r in self.skips.items() if self.rank[n] < self.rank[name]}

    @staticmethod
    def _is_candidate(facts: RunFacts, skipped: Mapping[str, SkipReason], task: PipelineTask) -> bool:
        return (
            not facts.is_scheduled(task.name) and task.name not in skipped and skips.parents_done(facts, skipped, task)
        )

    # --- flags and counts ------------------------------------------------------------------

    def _update_flags(self, facts: RunFacts, names: Iterable[str]) -> None:
        for name in names:
            task = self.tasks.get(name)
            if task is None or task.is_finally:
                continue
            _toggle(self.running, name, facts.is_running(name))
            _toggle(self.stopping, name, not task.continues_on_error and facts.is_failure(name))

    def _recount(self, facts: RunFacts, names: Iterable[str]) -> None:
        for name in set(names):
            bucket = run_condition.bucket(facts, self.tasks[name])
            old = self.buckets.get(name)
            if bucket != old:
                if old is not None:
                    self.counts[old] -= 1
                self.counts[bucket] += 1
                self.buckets[name] = bucket


def _set_or_drop(skips_: dict[str, SkipReason], name: str, reason: SkipReason | None) -> None:
    if reason is None:
        skips_.pop(name, None)
    else:
        skips_[name] = reason


def _toggle(members: set[str], name: str, present: bool) -> bool:
    """Make `name`'s membership `present`; True when that changed it."""
    if (name in members) == present:
        return False
    if present:
        members.add(name)
    else:
        members.discard(name)
    return True
