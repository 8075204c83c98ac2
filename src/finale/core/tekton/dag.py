"""The DAG of a Pipeline's `tasks`: edges, cycles and topological order, in one place (spec §2.2).

Edges come from `runAfter` and from dot-form result references, as Tekton's `PipelineTask.Deps`
builds them (pkg/apis/pipeline/v1/pipeline_types.go); cycles as `dag.Build` reports them
(pkg/reconciler/pipeline/dag/dag.go). Validation, graph, instrument, skips and check all ask here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from finale.core.tekton.variables import result_refs

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:  # annotations only: `finale validate` reads documents and never builds the model
    from typing import Any

    from finale.core.tekton.model import PipelineSpec, PipelineTask


def edge_fields(task: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a PipelineTask document whose result references create ordering.

    In Tekton's order (params and matrix, when, then the embedded spec); not displayName,
    workspaces' subPath or taskRef params.
    """
    spec = task.get("taskSpec") if isinstance(task.get("taskSpec"), Mapping) else {}
    return {
        "params": task.get("params"),
        "matrix": task.get("matrix"),
        "when": task.get("when"),
        "steps": spec.get("steps") if isinstance(spec, Mapping) else None,
        "sidecars": spec.get("sidecars") if isinstance(spec, Mapping) else None,
    }


def edge_sources(task: PipelineTask) -> dict[str, Any]:
    """`edge_fields` of a parsed PipelineTask."""
    return edge_fields(task.raw)


def result_producers(task: Mapping[str, Any]) -> tuple[str, ...]:
    """Tasks whose results a PipelineTask document reads in edge-making form, first mention first.

    Only the dot form `$(tasks.t.results.r)` makes an edge; the bracket form is substituted but
    not parsed as a dependency (resultref `LooksLikeResultRef`).
    """
    return tuple(dict.fromkeys(p for p, _ in result_refs(edge_fields(task), dot_only=True)))


def parents_of(task: PipelineTask, dag_names: set[str]) -> tuple[str, ...]:
    deps = list(task.run_after)
    for producer in result_producers(task.raw):
        if producer not in deps:
            deps.append(producer)
    return tuple(d for d in deps if d in dag_names and d != task.name)


def build(spec: PipelineSpec) -> dict[str, tuple[str, ...]]:
    """Map each DAG task to its parents; finally tasks have no edges."""
    names = {t.name for t in spec.tasks}
    return {t.name: parents_of(t, names) for t in spec.tasks}


def topological_order(names: Sequence[str], parents: Mapping[str, Iterable[str]]) -> list[str]:
    """`names`, parents first, declaration order among equals; a cycle's members come last.

    Admission refuses cycles; the fallback only keeps a caller from looping forever.
    """
    done: set[str] = set()
    order: list[str] = []
    pending = list(names)
    while pending:
        ready = []
        for name in pending:
            if all(p in done for p in parents.get(name, ())):
                done.add(name)
                ready.append(name)
        if not ready:
            return order + pending
        order.extend(ready)
        pending = [n for n in pending if n not in done]
    return order


def graph_error(names: Sequence[str], deps: Mapping[str, Sequence[str]]) -> str | None:
    """Tekton's `dag.Build` error text for tasks `names` with edges `deps`, or None.

    Duplicates first, then cycles named by the alphabetically smallest unresolved task, then
    links to tasks that do not exist.
    """
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return f"task {name} is already present in Graph, can't add it again: duplicate pipeline task"
        seen.add(name)
    cycle = cycle_error(deps)
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


def cycle_error(deps: Mapping[str, Sequence[str]]) -> str | None:
    """Kahn's algorithm over the tasks that have dependencies, as Tekton runs it; None if acyclic."""
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
