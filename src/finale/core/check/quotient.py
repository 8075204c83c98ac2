"""The pipeline `finale check` explores: the real one when small, else one task per class.

Kept as they are: the tasks a reporter reads (status, reason, results), DAG reporters, the
producers they need, `onError: continue` tasks with consumers and guarded producers (their skips
cascade), matrix tasks. Every other task is in a class keyed by which kept tasks come before and
after it (and its onError): one member stands for the class, the rest always succeed. A kept task
that followed removed tasks gets a stand-in `delay` before it (it may start late); `others` stands
for removed tasks still running; `skipped` for removed guarded tasks a guard may skip.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from finale.core.check.guards import OTHER, Guards, allows
from finale.core.check.model import CheckModel
from finale.core.tekton.dag import edge_sources
from finale.core.tekton.model import PipelineTask, WhenExpression
from finale.core.tekton.variables import result_refs

EXACT_UP_TO = 3  # DAG tasks: up to this, every task is its own class (exploring is exponential)


@dataclass(frozen=True, kw_only=True)
class Abstract:
    tasks: tuple[Mapping[str, Any], ...]  # raw DAG tasks of the explored pipeline
    members: Mapping[str, tuple[str, ...]]  # explored task -> the real tasks it stands for
    synthetic: frozenset[str] = frozenset()
    skip_task: str = ""  # the stand-in for removed guarded tasks, when there are some
    removed_guarded: tuple[PipelineTask, ...] = ()
    delays: Mapping[str, str] = field(default_factory=dict)  # delay stand-in -> the kept task after it

    @property
    def exact(self) -> bool:
        return not self.synthetic and all(len(m) == 1 for m in self.members.values())


def build(model: CheckModel) -> Abstract:
    if len(model.spec.tasks) <= EXACT_UP_TO:
        return Abstract(
            tasks=tuple(t.raw for t in model.spec.tasks), members={t.name: (t.name,) for t in model.spec.tasks}
        )
    return _Quotient(model).build()


class _Quotient:
    def __init__(self, model: CheckModel) -> None:
        self.model = model
        self.order = [t.name for t in model.spec.tasks]
        self.index = {n: i for i, n in enumerate(self.order)}
        self.consumers: dict[str, set[str]] = {n: set() for n in self.order}
        for t in model.spec.tasks:
            for producer, _ in result_refs(edge_sources(t)):
                if producer in self.consumers and producer != t.name:
                    self.consumers[producer].add(t.name)
        self.reps: set[str] = set()
        self.topo = self._topological()
        self.anc, self.desc = self._closures()

    def _topological(self) -> list[str]:
        """Parents before children (Kahn), declaration order among equals."""
        parents = self.model.parents
        waiting = {n: len(set(parents.get(n, ()))) for n in self.order}
        children: dict[str, list[str]] = {n: [] for n in self.order}
        for n in self.order:
            for p in set(parents.get(n, ())):
                children[p].append(n)
        ready = [n for n in self.order if not waiting[n]]
        out: list[str] = []
        while ready:
            n = ready.pop()
            out.append(n)
            for c in children[n]:
                waiting[c] -= 1
                if not waiting[c]:
                    ready.append(c)
        return out + [n for n in self.order if n not in set(out)]  # a cycle: validation refuses it

    def _closures(self) -> tuple[dict[str, int], dict[str, int]]:
        """Ancestor and descendant sets as bit sets over declaration order."""
        parents = self.model.parents
        anc: dict[str, int] = {}
        for n in self.topo:
            bits = 0
            for p in parents.get(n, ()):
                bits |= anc.get(p, 0) | (1 << self.index[p])
            anc[n] = bits
        desc = {n: 0 for n in self.order}
        for n in reversed(self.topo):
            for p in parents.get(n, ()):
                desc[p] |= desc[n] | (1 << self.index[n])
        return anc, desc

    def _kept(self) -> set[str]:
        m = self.model
        kept = set(m.observed) | {n for n in m.reporters if n in self.index}
        for t in m.spec.tasks:
            if t.matrix or ((t.continues_on_error or t.when) and self.consumers[t.name]):
                kept |= {t.name, *self.consumers[t.name]}
        todo = list(kept)
        while todo:  # producers of what kept tasks read
            task = m.spec.task(todo.pop())
            for producer, _ in result_refs(edge_sources(task)) if task else ():
                if producer in self.index and producer not in kept:
                    kept.add(producer)
                    todo.append(producer)
        return kept

    def _classes(self, kept: set[str]) -> dict[tuple[int, int, bool], list[str]]:
        kept_bits = sum(1 << self.index[k] for k in kept)
        classes: dict[tuple[int, int, bool], list[str]] = {}
        for t in self.model.spec.tasks:
            if t.name not in kept:
                key = (self.desc[t.name] & kept_bits, self.anc[t.name] & kept_bits, t.continues_on_error)
                classes.setdefault(key, []).append(t.name)
        return classes

    def _name(self, base: str) -> str:
        name = base
        while name in self.index:
            name = "_" + name
        return name

    def build(self) -> Abstract:
        kept = self._kept()
        classes = self._classes(kept)
        waves = self.model.waves
        members: dict[str, tuple[str, ...]] = {k: (k,) for k in kept}
        for names in classes.values():
            ordered = sorted(names, key=lambda n: (waves.get(n, 0), self.index[n]))
            members[ordered[0]] = tuple(ordered)
        explored = set(members)
        removed = [n for n in self.order if n not in explored]
        self.reps = explored - kept
        return self._assemble(explored, members, removed)

    def _others(
        self,
        removed: list[str],
        tasks: list[Mapping[str, Any]],
        synthetic: set[str],
        members: dict[str, tuple[str, ...]],
        delays: dict[str, str],
    ) -> None:
        """Stand-ins for removed tasks: roots start with the run and may be the last ones running;
        the others may also not have started yet when the run is stopped (their skip makes
        $(tasks.status) Completed), so a delay comes before them."""
        roots = tuple(n for n in removed if not self.model.parents.get(n))
        later = tuple(n for n in removed if n not in roots)
        if roots:
            name = self._name("others")
            tasks.append({"name": name, "taskRef": {"name": "stand-in"}})
            synthetic.add(name)
            members[name] = roots
        if later:
            name, delay = self._name("later-tasks"), self._name("delay-later-tasks")
            tasks.append({"name": delay, "taskRef": {"name": "stand-in"}})
            tasks.append({"name": name, "taskRef": {"name": "stand-in"}, "runAfter": [delay]})
            synthetic |= {name, delay}
            members[name] = members[delay] = later
            delays[delay] = name

    def _nearest(self, name: str, explored: set[str], memo: dict[str, frozenset[str]]) -> frozenset[str]:
        if name not in memo:
            memo[name] = frozenset()
            found: set[str] = set()
            for p in self.model.parents.get(name, ()):
                found |= {p} if p in explored else self._nearest(p, explored, memo)
            memo[name] = frozenset(found)
        return memo[name]

    def _assemble(self, explored: set[str], members: dict[str, tuple[str, ...]], removed: list[str]) -> Abstract:
        m = self.model
        memo: dict[str, frozenset[str]] = {}
        tasks: list[Mapping[str, Any]] = []
        synthetic: set[str] = set()
        delays: dict[str, str] = {}
        for t in m.spec.tasks:
            if t.name not in explored:
                continue
            after = set(self._nearest(t.name, explored, memo))
            if any(p not in explored for p in m.parents.get(t.name, ())):
                delay = self._name(f"delay-{t.name}")
                tasks.append({"name": delay, "taskRef": {"name": "stand-in"}, "runAfter": sorted(after)})
                synthetic.add(delay)
                delays[delay] = t.name
                members[delay] = tuple(n for n in removed if self.anc[t.name] >> self.index[n] & 1)
                after.add(delay)
            raw = dict(t.raw)
            if t.name in self.reps:
                raw.pop("params", None)  # stands for its class: what it is given does not matter
            raw["runAfter"] = sorted(after)
            tasks.append(raw)
        guarded = tuple(t for t in m.spec.tasks if t.name in removed and t.when)
        skip_task = ""
        if guarded:
            skip_task = self._name("skipped")
            tasks.append({"name": skip_task, "taskRef": {"name": "stand-in"}})
            synthetic.add(skip_task)
            members[skip_task] = tuple(t.name for t in guarded)
        if removed:
            self._others(removed, tasks, synthetic, members, delays)
        return Abstract(
            tasks=tuple(tasks),
            members=members,
            synthetic=frozenset(synthetic),
            skip_task=skip_task,
            removed_guarded=guarded,
            delays=delays,
        )


def skip_modes(abstract: Abstract, guards: Guards, valuation: Mapping[str, str]) -> tuple[bool, ...]:
    """Whether the removed guarded tasks can all run (True) and whether one can be skipped (False)
    under this valuation of the variables the explored tasks use; the rest are free."""
    if not abstract.removed_guarded:
        return (True,)
    allowed: dict[str, set[str]] = {}
    all_run, some_skip = True, False
    for task in abstract.removed_guarded:
        for i, expr in enumerate(task.when):
            key = guards.keys.get((task.name, i))
            if key is None or key in valuation:
                truth = _truth(expr, key, valuation)
                all_run &= truth
                some_skip |= not truth
                continue
            domain = guards.domains.get(key, (OTHER,))
            ok = {"true"} if key.startswith("cel:") else {v for v in domain if allows(expr, v)}
            allowed[key] = allowed.get(key, set(domain)) & ok
            some_skip |= len(ok) < len(domain)
    all_run &= all(allowed.values())
    return tuple(mode for mode, possible in ((True, all_run), (False, some_skip)) if possible)


def _truth(expr: WhenExpression, key: str | None, valuation: Mapping[str, str]) -> bool:
    if key is None:
        return allows(expr, expr.input)
    return valuation[key] == "true" if key.startswith("cel:") else allows(expr, valuation[key])
