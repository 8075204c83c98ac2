"""The v1 model the engine runs: frozen dataclasses built by `parse.py`.

Task specs stay plain (v1-shaped) mappings: Tekton substitutes variables into every string of a
Task spec, so the engine treats them as documents, not as objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

ParamValue = str | list[str] | dict[str, str]
ParamType = Literal["string", "array", "object"]


class SpecStatus(StrEnum):
    """`spec.status` of a PipelineRun: how a user asked it to stop."""

    NONE = ""
    CANCELLED = "Cancelled"
    CANCELLED_RUN_FINALLY = "CancelledRunFinally"
    STOPPED_RUN_FINALLY = "StoppedRunFinally"
    PENDING = "PipelineRunPending"


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamSpec:
    name: str
    type: ParamType = "string"
    default: ParamValue | None = None
    properties: tuple[str, ...] = ()
    enum: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class WhenExpression:
    input: str = ""
    operator: str = ""
    values: tuple[str, ...] = ()
    cel: str = ""

    def to_dict(self) -> dict[str, Any]:
        if self.cel:
            return {"cel": self.cel}
        return {"input": self.input, "operator": self.operator, "values": list(self.values)}


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceBinding:
    """A PipelineTask's `workspaces[]` entry: Task workspace `name` <- Pipeline `workspace`."""

    name: str
    workspace: str
    sub_path: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineTask:
    name: str
    is_finally: bool = False
    task_ref: str | None = None
    task_spec: Mapping[str, Any] | None = None
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    matrix: Mapping[str, Any] | None = None
    workspaces: tuple[WorkspaceBinding, ...] = ()
    run_after: tuple[str, ...] = ()
    when: tuple[WhenExpression, ...] = ()
    retries: int = 0
    timeout: str | None = None
    on_error: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def continues_on_error(self) -> bool:
        return self.on_error == "continue"


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceDeclaration:
    name: str
    optional: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineSpec:
    params: tuple[ParamSpec, ...] = ()
    workspaces: tuple[WorkspaceDeclaration, ...] = ()
    tasks: tuple[PipelineTask, ...] = ()
    finally_: tuple[PipelineTask, ...] = ()
    results: tuple[Mapping[str, Any], ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)

    def all_tasks(self) -> tuple[PipelineTask, ...]:
        return self.tasks + self.finally_

    def task(self, name: str) -> PipelineTask | None:
        return next((t for t in self.all_tasks() if t.name == name), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeouts:
    """Effective PipelineRun timeouts in seconds; None = no limit (Tekton's `0`)."""

    pipeline: float | None = 3600.0
    tasks: float | None = None
    finally_: float | None = None
    tasks_set: bool = False
    finally_set: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineRun:
    name: str
    namespace: str = "default"
    uid: str = ""
    pipeline_name: str = ""
    pipeline_ref: str | None = None
    pipeline_spec: Mapping[str, Any] | None = None
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    workspaces: tuple[Mapping[str, Any], ...] = ()
    timeouts: Timeouts = field(default_factory=Timeouts)
    status: SpecStatus = SpecStatus.NONE
    task_run_specs: tuple[Mapping[str, Any], ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)
