"""The outcome classes `finale check` plays, grouped so equivalent ones are played once.

Two DAG tasks give the same class when their outcome changes nothing the reporters can see:
`$(tasks.status)`, the status/reason of the tasks finally tasks read, and the results they use.
"""

from __future__ import annotations

from collections.abc import Iterable

from finale.core.check.model import CheckModel
from finale.core.check.outcomes import Kind, Scenario
from finale.core.tekton.dag import edge_sources
from finale.core.tekton.variables import result_refs

INTERRUPTS: tuple[Kind, ...] = (
    "tasks-timeout",
    "pipeline-timeout",
    "cancelled",
    "cancelled-run-finally",
    "stopped-run-finally",
)


def _consumers(model: CheckModel, producer: str) -> set[str]:
    return {t.name for t in model.spec.tasks if any(p == producer for p, _ in result_refs(edge_sources(t)))}


def _descendants(model: CheckModel, roots: Iterable[str]) -> set[str]:
    children: dict[str, list[str]] = {}
    for child, parents in model.parents.items():
        for p in parents:
            children.setdefault(p, []).append(child)
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(children.get(name, ()))
    return seen


def _watched(model: CheckModel) -> frozenset[str]:
    return model.observed | frozenset(model.reporters)


def when_scenarios(model: CheckModel) -> list[Scenario]:
    """One class per group of DAG tasks a green run may skip (a when, a matrix) whose skip looks
    the same to the reporters."""
    watched = _watched(model)
    groups: dict[tuple[str, frozenset[str]], list[str]] = {}
    for task in model.spec.tasks:
        if not task.when and not task.matrix:
            continue
        # A `when` skip does not cascade along runAfter, only to result consumers (spec §3.4);
        # an empty matrix array skips the children too.
        roots = _consumers(model, task.name) if task.when else {task.name}
        affected = _descendants(model, roots)
        key = (task.name if task.name in watched else "", frozenset(affected & watched))
        groups.setdefault(key, []).append(task.name)
    return [Scenario(kind="when", members=tuple(names)) for names in groups.values()]


def failure_scenarios(model: CheckModel) -> list[Scenario]:
    """One class per group of failing DAG tasks (reporters excluded: see the notes)."""
    watched = _watched(model)
    dag_watched = [t.name for t in model.spec.tasks if t.name in watched]
    groups: dict[tuple[str, str, frozenset[str]], list[str]] = {}
    for task in model.spec.tasks:
        if task.name in model.reporters:
            continue
        wave = model.waves.get(task.name, 1)
        if task.continues_on_error:
            # Its consumers may be skipped or fail validation: such a task is its own class.
            special = task.name in watched or bool(_consumers(model, task.name))
            key = ("fail-ignored", task.name if special else "", frozenset[str]())
        else:
            # The run stops: what ran before (or beside) the failure is all that differs.
            ran = frozenset(n for n in dag_watched if model.waves.get(n, 1) <= wave)
            key = ("fail", task.name if task.name in watched else "", ran)
        groups.setdefault(key, []).append(task.name)
    return [
        Scenario(kind="fail-ignored" if key[0] == "fail-ignored" else "fail", members=tuple(names))
        for key, names in groups.items()
    ]


def interrupt_scenarios(model: CheckModel) -> list[Scenario]:
    """Timeouts and stops while the first tasks run; a graceful stop also during the last ones."""
    if not model.spec.tasks:
        return []
    kinds = [k for k in INTERRUPTS if k != "pipeline-timeout" or model.timeouts.pipeline is not None]
    out = [Scenario(kind=k, wave=1) for k in kinds]
    if model.depth > 1:
        out.append(Scenario(kind="stopped-run-finally", wave=model.depth))
    return out


def scenarios(model: CheckModel) -> list[Scenario]:
    return [
        Scenario(kind="green"),
        *when_scenarios(model),
        *failure_scenarios(model),
        *interrupt_scenarios(model),
    ]
