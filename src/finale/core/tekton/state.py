"""What the controller knows about each TaskRun: immutable snapshots the engine replaces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from finale.core.tekton.model import ParamValue, WhenExpression, WorkspaceBinding
from finale.core.tekton.reasons import ConditionStatus, TaskRunReason, TaskRunSpecStatus

CANCELLED_BY_USER = "TaskRun cancelled as the PipelineRun it belongs to has been cancelled."
CANCELLED_BY_TIMEOUT = "TaskRun cancelled as the PipelineRun it belongs to has timed out."


@dataclass(frozen=True, slots=True, kw_only=True)
class StepState:
    name: str
    container: str
    exit_code: int | None = None
    reason: str = ""  # Kubernetes' terminated.reason: Completed / Error
    termination_reason: str = ""  # Completed, Continued, Skipped, TimeoutExceeded, Cancelled
    started: float | None = None
    finished: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRunState:
    """One TaskRun (one matrix combination), current attempt plus archived attempts."""

    name: str
    pipeline_task: str
    is_finally: bool = False
    matrix_index: int | None = None
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    task_spec: Mapping[str, Any] = field(default_factory=dict)
    task_ref: str | None = None
    timeout: float | None = None
    retries: int = 0
    on_error: str = ""
    status: ConditionStatus = ConditionStatus.UNKNOWN
    reason: TaskRunReason = TaskRunReason.STARTED
    message: str = ""
    start: float | None = None
    end: float | None = None
    results: Mapping[str, ParamValue] = field(default_factory=dict)
    steps: tuple[StepState, ...] = ()
    retries_status: tuple[TaskRunState, ...] = ()
    spec_status: TaskRunSpecStatus = TaskRunSpecStatus.NONE
    status_message: str = ""
    when: tuple[WhenExpression, ...] = ()
    workspaces: tuple[WorkspaceBinding, ...] = ()

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
