"""Tekton features a local run cannot stand in for, found before anything runs.

Each is named with where it is used and what to do instead, so `run`, `check`, `graph` and
`instrument` refuse them alike rather than failing later with a misleading message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from finale.core.validation.task import uses_artifacts
from finale.record import Record, set_field

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any


# A Record, not a dataclass or NamedTuple: `finale validate` starts faster (finale/record.py).
class Unsupported(Record):
    __slots__ = ("detail", "feature", "fix", "path", "source")
    source: str
    path: str
    feature: str
    detail: str
    fix: str

    def __init__(self, *, source: str, path: str, feature: str, detail: str, fix: str) -> None:
        set_field(self, "source", source)
        set_field(self, "path", path)
        set_field(self, "feature", feature)
        set_field(self, "detail", detail)
        set_field(self, "fix", fix)

    def message(self) -> str:
        return f"finale cannot run {self.feature} locally: {self.source}: {self.path}: {self.detail}\n  fix: {self.fix}"


_REMOTE_FIX = "fetch its YAML, give it with -f and refer to it by name"
# Kinds a taskRef may name that are Tasks; anything else is a custom task (a CustomRun).
_TASK_KINDS = ("", "Task", "ClusterTask")


def find_unsupported(docs: Sequence[tuple[str, Mapping[str, Any]]], *, running: bool) -> list[Unsupported]:
    """Every unsupported use in Pipelines, PipelineRuns and Tasks, in document order.

    Remote Tasks and custom tasks matter only when `running`: `check`, `graph` and `instrument`
    never need a Task's steps (the shipped reporter is often resolved from the hub).
    """
    found: list[Unsupported] = []
    for source, doc in docs:
        spec = doc.get("spec")
        if not isinstance(spec, Mapping):
            continue
        kind = doc.get("kind")
        if kind == "PipelineRun":
            found += _in_pipeline_run(source, spec)
        elif kind == "Pipeline":
            found += _in_pipeline_spec(source, spec, "spec")
        elif kind in ("Task", "ClusterTask"):
            found += _in_steps(source, spec, "spec")
    return [u for u in found if running or not _only_for_running(u)]


def _only_for_running(item: Unsupported) -> bool:
    return item.feature in ("custom tasks", "artifacts") or item.feature.startswith("remote Tasks")


def _in_pipeline_run(source: str, spec: Mapping[str, Any]) -> Iterator[Unsupported]:
    ref = spec.get("pipelineRef")
    if isinstance(ref, Mapping):
        yield from _remote(source, ref, "spec.pipelineRef", "Pipelines")
    embedded = spec.get("pipelineSpec")
    if isinstance(embedded, Mapping):
        yield from _in_pipeline_spec(source, embedded, "spec.pipelineSpec")


def _remote(source: str, ref: Mapping[str, Any], path: str, what: str) -> Iterator[Unsupported]:
    # Remote resolution (docs/resolution.md: git, hub, cluster, bundles, http) happens in the
    # cluster's resolvers; v1beta1 `bundle` is the older form of the bundles resolver.
    if ref.get("resolver"):
        resolver = ref["resolver"]
        yield Unsupported(
            source=source,
            path=f"{path}.resolver",
            feature=f"remote {what} ({resolver} resolver)",
            detail=f"resolver: {resolver}",
            fix=_REMOTE_FIX,
        )
    elif ref.get("bundle"):
        yield Unsupported(
            source=source,
            path=f"{path}.bundle",
            feature=f"remote {what} (bundles)",
            detail=f"bundle: {ref['bundle']}",
            fix=_REMOTE_FIX,
        )


def _in_pipeline_spec(source: str, spec: Mapping[str, Any], path: str) -> Iterator[Unsupported]:
    for section in ("tasks", "finally"):
        tasks = spec.get(section)
        for i, pt in enumerate(tasks if isinstance(tasks, list) else []):
            if isinstance(pt, Mapping):
                yield from _in_pipeline_task(source, pt, f"{path}.{section}[{i}]")


def _in_pipeline_task(source: str, pt: Mapping[str, Any], here: str) -> Iterator[Unsupported]:
    for field in ("pipelineRef", "pipelineSpec"):
        if pt.get(field) is not None:
            # TEP-0056 Pipelines in Pipelines: alpha, and not implemented by the controller's
            # PipelineRun reconciler in a way a local run could copy.
            yield Unsupported(
                source=source,
                path=f"{here}.{field}",
                feature="pipelines in pipelines",
                detail=f"the PipelineTask runs a Pipeline ({field})",
                fix="inline that Pipeline's tasks, or run it on its own with finale run",
            )
    ref = pt.get("taskRef")
    if isinstance(ref, Mapping):
        yield from _remote(source, ref, f"{here}.taskRef", "Tasks")
        if ref.get("apiVersion") or (ref.get("kind") or "") not in _TASK_KINDS:
            yield _custom(source, f"{here}.taskRef", ref)
    task_spec = pt.get("taskSpec")
    if isinstance(task_spec, Mapping):
        if task_spec.get("apiVersion") or task_spec.get("kind"):
            yield _custom(source, f"{here}.taskSpec", task_spec)
        else:
            yield from _in_steps(source, task_spec, f"{here}.taskSpec")


def _custom(source: str, path: str, ref: Mapping[str, Any]) -> Unsupported:
    return Unsupported(
        source=source,
        path=path,
        feature="custom tasks",
        detail=f"{ref.get('apiVersion') or '?'} {ref.get('kind') or '?'} runs in its own controller",
        fix="replace it with a Task for the local run",
    )


def _in_steps(source: str, spec: Mapping[str, Any], path: str) -> Iterator[Unsupported]:
    steps = spec.get("steps")
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        if isinstance(step, Mapping) and uses_artifacts(step):
            # TEP-0147 artifacts: the controller reads each step's provenance file and
            # substitutes $(tasks.<t>.outputs.<name>); the local executor has neither.
            yield Unsupported(
                source=source,
                path=f"{path}.steps[{i}]",
                feature="artifacts",
                detail="the step reads or writes artifacts (enable-artifacts)",
                fix="pass the values as results instead for the local run",
            )
        if isinstance(step, Mapping) and step.get("ref") is not None:
            ref = step["ref"]
            name = ref.get("name") if isinstance(ref, Mapping) else None
            yield Unsupported(
                source=source,
                path=f"{path}.steps[{i}].ref",
                feature="StepActions",
                detail=f"the step refers to StepAction {name or '(resolved remotely)'}",
                fix="write the StepAction's image and script into the step",
            )
