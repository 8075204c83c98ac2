"""The v1 model the engine runs: immutable records built by `parse.py`.

Task specs stay plain (v1-shaped) mappings: Tekton substitutes variables into every string of a
Task spec, so the engine treats them as documents, not as objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from finale.record import Record, set_field

ParamValue = str | list[str] | dict[str, str]
ParamType = Literal["string", "array", "object"]


class SpecStatus(StrEnum):
    """`spec.status` of a PipelineRun: how a user asked it to stop."""

    NONE = ""
    CANCELLED = "Cancelled"
    CANCELLED_RUN_FINALLY = "CancelledRunFinally"
    STOPPED_RUN_FINALLY = "StoppedRunFinally"
    PENDING = "PipelineRunPending"


# Records, not dataclasses: each dataclass generates code when made, and `finale run` starts
# faster without them (finale/record.py).
class ParamSpec(Record):
    __slots__ = ("default", "enum", "name", "properties", "type")
    name: str
    type: ParamType
    default: ParamValue | None
    properties: tuple[str, ...]
    enum: tuple[str, ...]

    def __init__(
        self,
        *,
        name: str,
        type: ParamType = "string",
        default: ParamValue | None = None,
        properties: tuple[str, ...] = (),
        enum: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "type", type)
        set_field(self, "default", default)
        set_field(self, "properties", properties)
        set_field(self, "enum", enum)


class WhenExpression(Record):
    __slots__ = ("cel", "input", "operator", "values")
    input: str
    operator: str
    values: tuple[str, ...]
    cel: str

    def __init__(self, *, input: str = "", operator: str = "", values: tuple[str, ...] = (), cel: str = "") -> None:
        set_field(self, "input", input)
        set_field(self, "operator", operator)
        set_field(self, "values", values)
        set_field(self, "cel", cel)

    def to_dict(self) -> dict[str, Any]:
        if self.cel:
            return {"cel": self.cel}
        return {"input": self.input, "operator": self.operator, "values": list(self.values)}


class WorkspaceBinding(Record):
    """A PipelineTask's `workspaces[]` entry: Task workspace `name` <- Pipeline `workspace`."""

    __slots__ = ("name", "sub_path", "workspace")
    name: str
    workspace: str
    sub_path: str

    def __init__(self, *, name: str, workspace: str, sub_path: str = "") -> None:
        set_field(self, "name", name)
        set_field(self, "workspace", workspace)
        set_field(self, "sub_path", sub_path)


class PipelineTask(Record):
    __slots__ = (
        "is_finally",
        "matrix",
        "name",
        "on_error",
        "params",
        "raw",
        "retries",
        "run_after",
        "task_ref",
        "task_spec",
        "timeout",
        "when",
        "workspaces",
    )
    name: str
    is_finally: bool
    task_ref: str | None
    task_spec: Mapping[str, Any] | None
    params: Mapping[str, ParamValue]
    matrix: Mapping[str, Any] | None
    workspaces: tuple[WorkspaceBinding, ...]
    run_after: tuple[str, ...]
    when: tuple[WhenExpression, ...]
    retries: int
    timeout: str | None
    on_error: str
    raw: Mapping[str, Any]

    def __init__(
        self,
        *,
        name: str,
        is_finally: bool = False,
        task_ref: str | None = None,
        task_spec: Mapping[str, Any] | None = None,
        params: Mapping[str, ParamValue] | None = None,
        matrix: Mapping[str, Any] | None = None,
        workspaces: tuple[WorkspaceBinding, ...] = (),
        run_after: tuple[str, ...] = (),
        when: tuple[WhenExpression, ...] = (),
        retries: int = 0,
        timeout: str | None = None,
        on_error: str = "",
        raw: Mapping[str, Any] | None = None,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "is_finally", is_finally)
        set_field(self, "task_ref", task_ref)
        set_field(self, "task_spec", task_spec)
        set_field(self, "params", {} if params is None else params)
        set_field(self, "matrix", matrix)
        set_field(self, "workspaces", workspaces)
        set_field(self, "run_after", run_after)
        set_field(self, "when", when)
        set_field(self, "retries", retries)
        set_field(self, "timeout", timeout)
        set_field(self, "on_error", on_error)
        set_field(self, "raw", {} if raw is None else raw)

    @property
    def continues_on_error(self) -> bool:
        return self.on_error == "continue"


class WorkspaceDeclaration(Record):
    __slots__ = ("name", "optional")
    name: str
    optional: bool

    def __init__(self, *, name: str, optional: bool = False) -> None:
        set_field(self, "name", name)
        set_field(self, "optional", optional)


class PipelineSpec(Record):
    __slots__ = ("finally_", "params", "raw", "results", "tasks", "workspaces")
    params: tuple[ParamSpec, ...]
    workspaces: tuple[WorkspaceDeclaration, ...]
    tasks: tuple[PipelineTask, ...]
    finally_: tuple[PipelineTask, ...]
    results: tuple[Mapping[str, Any], ...]
    raw: Mapping[str, Any]

    def __init__(
        self,
        *,
        params: tuple[ParamSpec, ...] = (),
        workspaces: tuple[WorkspaceDeclaration, ...] = (),
        tasks: tuple[PipelineTask, ...] = (),
        finally_: tuple[PipelineTask, ...] = (),
        results: tuple[Mapping[str, Any], ...] = (),
        raw: Mapping[str, Any] | None = None,
    ) -> None:
        set_field(self, "params", params)
        set_field(self, "workspaces", workspaces)
        set_field(self, "tasks", tasks)
        set_field(self, "finally_", finally_)
        set_field(self, "results", results)
        set_field(self, "raw", {} if raw is None else raw)

    def all_tasks(self) -> tuple[PipelineTask, ...]:
        return self.tasks + self.finally_

    def task(self, name: str) -> PipelineTask | None:
        return next((t for t in self.all_tasks() if t.name == name), None)


class Timeouts(Record):
    """Effective PipelineRun timeouts in seconds; None = no limit (Tekton's `0`)."""

    __slots__ = ("finally_", "finally_set", "pipeline", "tasks", "tasks_set")
    pipeline: float | None
    tasks: float | None
    finally_: float | None
    tasks_set: bool
    finally_set: bool

    def __init__(
        self,
        *,
        pipeline: float | None = 3600.0,
        tasks: float | None = None,
        finally_: float | None = None,
        tasks_set: bool = False,
        finally_set: bool = False,
    ) -> None:
        set_field(self, "pipeline", pipeline)
        set_field(self, "tasks", tasks)
        set_field(self, "finally_", finally_)
        set_field(self, "tasks_set", tasks_set)
        set_field(self, "finally_set", finally_set)


class PipelineRun(Record):
    __slots__ = (
        "annotations",
        "labels",
        "name",
        "namespace",
        "params",
        "pipeline_name",
        "pipeline_ref",
        "pipeline_spec",
        "raw",
        "status",
        "task_run_specs",
        "timeouts",
        "uid",
        "workspaces",
    )
    name: str
    namespace: str
    uid: str
    pipeline_name: str
    pipeline_ref: str | None
    pipeline_spec: Mapping[str, Any] | None
    params: Mapping[str, ParamValue]
    workspaces: tuple[Mapping[str, Any], ...]
    timeouts: Timeouts
    status: SpecStatus
    task_run_specs: tuple[Mapping[str, Any], ...]
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    raw: Mapping[str, Any]

    def __init__(
        self,
        *,
        name: str,
        namespace: str = "default",
        uid: str = "",
        pipeline_name: str = "",
        pipeline_ref: str | None = None,
        pipeline_spec: Mapping[str, Any] | None = None,
        params: Mapping[str, ParamValue] | None = None,
        workspaces: tuple[Mapping[str, Any], ...] = (),
        timeouts: Timeouts | None = None,
        status: SpecStatus = SpecStatus.NONE,
        task_run_specs: tuple[Mapping[str, Any], ...] = (),
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
        raw: Mapping[str, Any] | None = None,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "namespace", namespace)
        set_field(self, "uid", uid)
        set_field(self, "pipeline_name", pipeline_name)
        set_field(self, "pipeline_ref", pipeline_ref)
        set_field(self, "pipeline_spec", pipeline_spec)
        set_field(self, "params", {} if params is None else params)
        set_field(self, "workspaces", workspaces)
        set_field(self, "timeouts", Timeouts() if timeouts is None else timeouts)
        set_field(self, "status", status)
        set_field(self, "task_run_specs", task_run_specs)
        set_field(self, "labels", {} if labels is None else labels)
        set_field(self, "annotations", {} if annotations is None else annotations)
        set_field(self, "raw", {} if raw is None else raw)
