"""The shape of a Pipeline for people: its DAG, its finally group and their guards, as text.

Edges come from `runAfter` and from `$(tasks.X.results...)` references, as Tekton builds them
(pkg/apis/pipeline/v1 `PipelineTask.Deps`); rendered as Mermaid or Graphviz dot.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from finale.core.tekton import dag

EdgeKind = Literal["runAfter", "results", "both"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """One PipelineTask; `guard` is its `when` rendered as text ("" when unguarded)."""

    name: str
    guard: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    """`source` must finish before `target` starts."""

    source: str
    target: str
    kind: EdgeKind


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineGraph:
    """DAG tasks with their edges, and the finally tasks that run once the DAG is done."""

    name: str
    tasks: tuple[Node, ...]
    edges: tuple[Edge, ...]
    finally_tasks: tuple[Node, ...]

    def sinks(self) -> tuple[str, ...]:
        """DAG tasks nothing waits for, in declaration order."""
        sources = {e.source for e in self.edges}
        return tuple(n.name for n in self.tasks if n.name not in sources)


def result_sources(task: Mapping[str, Any]) -> tuple[str, ...]:
    """Tasks whose results `task` reads where Tekton makes an edge, in order of first mention."""
    return dag.result_producers(task)


def format_when(when: Any) -> str:
    """`when` as one line: `$(params.x) in [a, b] and cel: ...`."""
    if not isinstance(when, Sequence) or isinstance(when, str):
        return ""
    parts = []
    for expr in when:
        if not isinstance(expr, Mapping):
            continue
        if "cel" in expr:
            parts.append(f"cel: {expr['cel']}")
            continue
        values = expr.get("values") or []
        shown = ", ".join(str(v) for v in values) if isinstance(values, list) else str(values)
        parts.append(f"{expr.get('input', '')} {expr.get('operator', '')} [{shown}]")
    return " and ".join(parts)


def _task_list(spec: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = spec.get(key) or []
    return [t for t in items if isinstance(t, Mapping)] if isinstance(items, list) else []


def _edges_into(task: Mapping[str, Any], known: set[str]) -> list[Edge]:
    target = str(task.get("name", ""))
    after = task.get("runAfter") or []
    run_after = [str(a) for a in after] if isinstance(after, list) else []
    results = [r for r in result_sources(task) if r in known]
    edges = []
    for source in dict.fromkeys([*run_after, *results]):
        both = source in run_after and source in results
        kind: EdgeKind = "both" if both else "runAfter" if source in run_after else "results"
        edges.append(Edge(source=source, target=target, kind=kind))
    return edges


def _node(task: Mapping[str, Any]) -> Node:
    return Node(name=str(task.get("name", "")), guard=format_when(task.get("when")))


def build_graph(spec: Mapping[str, Any], name: str = "pipeline") -> PipelineGraph:
    """Graph of a Pipeline `spec` (or a PipelineRun's `pipelineSpec`)."""
    tasks = _task_list(spec, "tasks")
    known = {str(t.get("name", "")) for t in tasks}
    edges = [e for t in tasks for e in _edges_into(t, known)]
    return PipelineGraph(
        name=name,
        tasks=tuple(_node(t) for t in tasks),
        edges=tuple(edges),
        finally_tasks=tuple(_node(t) for t in _task_list(spec, "finally")),
    )


def _mermaid_id(name: str, prefix: str = "") -> str:
    # Prefixed so that a task called `end` or `graph` is not read as a keyword.
    return f"{prefix}t_" + name.replace("-", "_")


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _mermaid_node(node: Node, prefix: str) -> str:
    label = f"{node.name}<br/>when {node.guard}" if node.guard else node.name
    return f"{_mermaid_id(node.name, prefix)}[{_mermaid_text(label)}]"


def _subgraph(name: str, prefix: str) -> str:
    return f"subgraph {prefix}{name} [{name}]" if prefix else f"subgraph {name}"


def _mermaid_body(graph: PipelineGraph, prefix: str, pad: str) -> list[str]:
    """The `tasks` and `finally` subgraphs; `prefix` keeps ids apart when pipelines share a chart."""
    lines = [f"{pad}{_subgraph('tasks', prefix)}"]
    lines += [f"{pad}  {_mermaid_node(n, prefix)}" for n in graph.tasks]
    lines.append(f"{pad}end")
    arrows = {"runAfter": "-->", "results": "-. results .->", "both": "-- results -->"}
    lines += [
        f"{pad}{_mermaid_id(e.source, prefix)} {arrows[e.kind]} {_mermaid_id(e.target, prefix)}" for e in graph.edges
    ]
    if graph.finally_tasks:
        lines.append(f"{pad}{_subgraph('finally', prefix)}")
        lines += [f"{pad}  {_mermaid_id(n.name, prefix)}[{_mermaid_text(n.name)}]" for n in graph.finally_tasks]
        lines.append(f"{pad}end")
        for node in graph.finally_tasks:
            label = f"|{_mermaid_text('when ' + node.guard)}|" if node.guard else ""
            lines.append(f"{pad}{prefix}tasks ==>{label} {_mermaid_id(node.name, prefix)}")
    return lines


def format_mermaid(graph: PipelineGraph) -> str:
    """Mermaid flowchart: a `tasks` subgraph, a `finally` subgraph, guards as labels."""
    lines = ["flowchart TB", f"  %% {graph.name}", *_mermaid_body(graph, "", "  ")]
    return "\n".join(lines) + "\n"


def format_mermaid_all(graphs: Sequence[PipelineGraph]) -> str:
    """Several pipelines as ONE flowchart (a Mermaid document holds one diagram): a subgraph
    per pipeline, its ids prefixed `p1_`, `p2_`, ... so that equal task names stay apart."""
    if len(graphs) == 1:
        return format_mermaid(graphs[0])
    lines = ["flowchart TB"]
    for i, graph in enumerate(graphs, start=1):
        lines.append(f"  subgraph p{i} [{_mermaid_text(graph.name)}]")
        lines += _mermaid_body(graph, f"p{i}_", "    ")
        lines.append("  end")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return json.dumps(text)


def _dot_node(node: Node) -> str:
    if not node.guard:
        return _dot_text(node.name)
    return f"{_dot_text(node.name)} [label={_dot_text(node.name + chr(10) + 'when ' + node.guard)}]"


def format_dot(graph: PipelineGraph) -> str:
    """Graphviz dot: clusters `tasks` and `finally`; finally edges leave the tasks cluster."""
    lines = [
        f"digraph {_dot_text(graph.name)} {{",
        "  compound=true;",
        "  node [shape=box];",
        "  subgraph cluster_tasks {",
        '    label="tasks";',
    ]
    lines += [f"    {_dot_node(n)};" for n in graph.tasks]
    lines.append("  }")
    styles = {"runAfter": "", "results": ' [style=dashed, label="results"]', "both": ' [label="results"]'}
    lines += [f"  {_dot_text(e.source)} -> {_dot_text(e.target)}{styles[e.kind]};" for e in graph.edges]
    if graph.finally_tasks:
        lines += ["  subgraph cluster_finally {", '    label="finally";']
        lines += [f"    {_dot_text(n.name)};" for n in graph.finally_tasks]
        lines.append("  }")
        sinks = graph.sinks()
        for node in graph.finally_tasks if sinks else ():
            attrs = ["ltail=cluster_tasks"]
            if node.guard:
                attrs.append(f"label={_dot_text('when ' + node.guard)}")
            lines.append(f"  {_dot_text(sinks[-1])} -> {_dot_text(node.name)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def pipeline_spec_of(doc: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """(name, spec) of a Pipeline, or of a PipelineRun's embedded `pipelineSpec`; else None."""
    kind = doc.get("kind")
    spec = doc.get("spec")
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    name = str(meta.get("name") or meta.get("generateName") or "")
    if not isinstance(spec, Mapping):
        return None
    if kind == "Pipeline":
        return name or "pipeline", spec
    embedded = spec.get("pipelineSpec")
    if kind == "PipelineRun" and isinstance(embedded, Mapping):
        return name or "pipelinerun", embedded
    return None
