"""What the controller knows about each TaskRun: immutable snapshots the engine replaces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finale.core.tekton.model import ParamValue, WhenExpression, WorkspaceBinding
from finale.core.tekton.reasons import ConditionStatus, TaskRunReason, TaskRunSpecStatus
from finale.record import Record, set_field

CANCELLED_BY_USER = "TaskRun cancelled as the PipelineRun it belongs to has been cancelled."
CANCELLED_BY_TIMEOUT = "TaskRun cancelled as the PipelineRun it belongs to has timed out."


# Records, not dataclasses: `finale run` starts faster without them (finale/record.py).
class StepState(Record):
    __slots__ = ("container", "exit_code", "finished", "name", "reason", "started", "termination_reason")
    name: str
    container: str
    exit_code: int | None
    reason: str  # Kubernetes' terminated.reason: Completed / Error
    termination_reason: str  # Completed, Continued, Skipped, TimeoutExceeded, Cancelled
    started: float | None
    finished: float | None

    def __init__(
        self,
        *,
        name: str,
        container: str,
        exit_code: int | None = None,
        reason: str = "",
        termination_reason: str = "",
        started: float | None = None,
        finished: float | None = None,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "container", container)
        set_field(self, "exit_code", exit_code)
        set_field(self, "reason", reason)
        set_field(self, "termination_reason", termination_reason)
        set_field(self, "started", started)
        set_field(self, "finished", finished)


class TaskRunState(Record):
    """One TaskRun (one matrix combination), current attempt plus archived attempts."""

    __slots__ = (
        "end",
        "is_finally",
        "matrix_index",
        "message",
        "name",
        "on_error",
        "params",
        "pipeline_task",
        "reason",
        "results",
        "retries",
        "retries_status",
        "spec_status",
        "start",
        "status",
        "status_message",
        "steps",
        "task_ref",
        "task_spec",
        "timeout",
        "when",
        "workspaces",
    )
    name: str
    pipeline_task: str
    is_finally: bool
    matrix_index: int | None
    params: Mapping[str, ParamValue]
    task_spec: Mapping[str, Any]
    task_ref: str | None
    timeout: float | None
    retries: int
    on_error: str
    status: ConditionStatus
    reason: TaskRunReason
    message: str
    start: float | None
    end: float | None
    results: Mapping[str, ParamValue]
    steps: tuple[StepState, ...]
    retries_status: tuple[TaskRunState, ...]
    spec_status: TaskRunSpecStatus
    status_message: str
    when: tuple[WhenExpression, ...]
    workspaces: tuple[WorkspaceBinding, ...]

    def __init__(
        self,
        *,
        name: str,
        pipeline_task: str,
        is_finally: bool = False,
        matrix_index: int | None = None,
        params: Mapping[str, ParamValue] | None = None,
        task_spec: Mapping[str, Any] | None = None,
        task_ref: str | None = None,
        timeout: float | None = None,
        retries: int = 0,
        on_error: str = "",
        status: ConditionStatus = ConditionStatus.UNKNOWN,
        reason: TaskRunReason = TaskRunReason.STARTED,
        message: str = "",
        start: float | None = None,
        end: float | None = None,
        results: Mapping[str, ParamValue] | None = None,
        steps: tuple[StepState, ...] = (),
        retries_status: tuple[TaskRunState, ...] = (),
        spec_status: TaskRunSpecStatus = TaskRunSpecStatus.NONE,
        status_message: str = "",
        when: tuple[WhenExpression, ...] = (),
        workspaces: tuple[WorkspaceBinding, ...] = (),
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "pipeline_task", pipeline_task)
        set_field(self, "is_finally", is_finally)
        set_field(self, "matrix_index", matrix_index)
        set_field(self, "params", {} if params is None else params)
        set_field(self, "task_spec", {} if task_spec is None else task_spec)
        set_field(self, "task_ref", task_ref)
        set_field(self, "timeout", timeout)
        set_field(self, "retries", retries)
        set_field(self, "on_error", on_error)
        set_field(self, "status", status)
        set_field(self, "reason", reason)
        set_field(self, "message", message)
        set_field(self, "start", start)
        set_field(self, "end", end)
        set_field(self, "results", {} if results is None else results)
        set_field(self, "steps", steps)
        set_field(self, "retries_status", retries_status)
        set_field(self, "spec_status", spec_status)
        set_field(self, "status_message", status_message)
        set_field(self, "when", when)
        set_field(self, "workspaces", workspaces)

    @property
    def finished(self) -> bool:
        return self.status != ConditionStatus.UNKNOWN

    @property
    def succeeded(self) -> bool:
        return self.status == ConditionStatus.TRUE

    @property
    def failed(self) -> bool:
        return self.status == ConditionStatus.FALSE

    @property
    def cancelled(self) -> bool:
        return self.failed and self.reason == TaskRunReason.CANCELLED

    @property
    def cancelled_for_timeout(self) -> bool:
        return self.cancelled and self.status_message == CANCELLED_BY_TIMEOUT
