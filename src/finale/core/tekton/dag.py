"""The DAG of a Pipeline's `tasks`: edges from `runAfter` and result references (spec §2.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finale.core.tekton.model import PipelineSpec, PipelineTask
from finale.core.tekton.variables import result_refs


def edge_sources(task: PipelineTask) -> dict[str, Any]:
    """The fields whose result references create ordering (not displayName, subPath, taskRef)."""
    raw = task.raw
    spec = raw.get("taskSpec") if isinstance(raw.get("taskSpec"), Mapping) else {}
    return {
        "params": raw.get("params"),
        "matrix": raw.get("matrix"),
        "when": raw.get("when"),
        "steps": spec.get("steps") if isinstance(spec, Mapping) else None,
        "sidecars": spec.get("sidecars") if isinstance(spec, Mapping) else None,
    }


def parents_of(task: PipelineTask, dag_names: set[str]) -> tuple[str, ...]:
    deps = list(task.run_after)
    for producer, _ in result_refs(edge_sources(task), dot_only=True):
        if producer not in deps:
            deps.append(producer)
    return tuple(d for d in deps if d in dag_names and d != task.name)


def build(spec: PipelineSpec) -> dict[str, tuple[str, ...]]:
    """Map each DAG task to its parents; finally tasks have no edges."""
    names = {t.name for t in spec.tasks}
    return {t.name: parents_of(t, names) for t in spec.tasks}


def find_cycle(parents: Mapping[str, tuple[str, ...]]) -> list[str] | None:
    """A cycle as a list of names, or None; the engine refuses such a graph."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for p in parents.get(node, ()):
            if state.get(p) == 1:
                return [*stack[stack.index(p) :], p]
            if p not in state:
                found = visit(p)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(parents):
        if name not in state:
            cycle = visit(name)
            if cycle:
                return cycle
    return None
