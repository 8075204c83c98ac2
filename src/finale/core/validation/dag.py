"""The PipelineTask graph at admission: edges, duplicates, unknown tasks, cycles.

Mirrors `dag.Build` (pkg/reconciler/pipeline/dag/dag.go): duplicates first, then cycles named
by the alphabetically smallest unresolved task, then links to tasks that do not exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def graph_error(names: Sequence[str], deps: Mapping[str, Sequence[str]]) -> str | None:
    """Tekton's graph error text for tasks `names` with edges `deps`, or None."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return f"task {name} is already present in Graph, can't add it again: duplicate pipeline task"
        seen.add(name)
    cycle = _cycle_error(deps)
    if cycle:
        return f"cycle detected; {cycle}"
    for name in names:
        for dep in sorted(deps.get(name, ())):
            if dep not in seen:
                return (
                    f"couldn't add link between {name} and {dep}: task {name} depends on "
                    f"{dep} but {dep} wasn't present in Pipeline"
                )
    return None


def _cycle_error(deps: Mapping[str, Sequence[str]]) -> str | None:
    """Kahn's algorithm over the tasks that have dependencies, as Tekton runs it."""
    pending = {task: set(ds) for task, ds in deps.items() if ds}
    children: dict[str, set[str]] = {}
    ready: list[str] = []
    for task, ds in pending.items():
        for dep in ds:
            if not deps.get(dep):
                ready.append(dep)
            children.setdefault(dep, set()).add(task)
    done: set[str] = set()
    while ready:
        parent = ready.pop()
        if parent in done:
            continue
        done.add(parent)
        for child in children.get(parent, set()):
            if child in pending:
                pending[child].discard(parent)
                if not pending[child]:
                    del pending[child]
                    ready.append(child)
    if not pending:
        return None
    first = min(pending)
    named = ", ".join(f'"{d}"' for d in sorted(pending[first]))
    return f'task "{first}" depends on {named}'
