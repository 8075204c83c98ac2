"""The seams between the engine and the outside world (typing.Protocol)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from finale.clock import Clock
from finale.core.tekton.model import ParamValue
from finale.core.tekton.reasons import SkipReason, TaskRunReason
from finale.core.tekton.state import StepState, TaskRunState
from finale.record import Record, set_field


class AttemptRequest(Record):
    """Run one attempt of a TaskRun: its steps, in order, with its workspaces bound."""

    __slots__ = ("namespace", "retry_count", "run_uid", "taskrun", "workspaces")
    taskrun: TaskRunState
    retry_count: int
    namespace: str
    run_uid: str
    workspaces: Mapping[str, str]  # Task workspace -> dir ("" unbound)

    def __init__(
        self,
        *,
        taskrun: TaskRunState,
        retry_count: int,
        namespace: str,
        run_uid: str,
        workspaces: Mapping[str, str] | None = None,
    ) -> None:
        set_field(self, "taskrun", taskrun)
        set_field(self, "retry_count", retry_count)
        set_field(self, "namespace", namespace)
        set_field(self, "run_uid", run_uid)
        set_field(self, "workspaces", {} if workspaces is None else workspaces)


# Records, not dataclasses: `finale run` starts faster without them (finale/record.py).
class AttemptOutcome(Record):
    __slots__ = ("end", "message", "name", "reason", "results", "start", "steps", "succeeded")
    name: str
    succeeded: bool
    reason: TaskRunReason
    message: str
    start: float
    end: float
    results: Mapping[str, ParamValue]
    steps: tuple[StepState, ...]

    def __init__(
        self,
        *,
        name: str,
        succeeded: bool,
        reason: TaskRunReason,
        message: str,
        start: float,
        end: float,
        results: Mapping[str, ParamValue] | None = None,
        steps: tuple[StepState, ...] = (),
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "succeeded", succeeded)
        set_field(self, "reason", reason)
        set_field(self, "message", message)
        set_field(self, "start", start)
        set_field(self, "end", end)
        set_field(self, "results", {} if results is None else results)
        set_field(self, "steps", steps)


class StepExecutor(Protocol):
    def start(self, request: AttemptRequest, done: Callable[[AttemptOutcome], None]) -> None: ...

    def cancel(self, taskrun_name: str) -> None: ...


class Progress(Protocol):
    """Told about every change the user may want to see while a run goes on."""

    def taskrun_started(self, taskrun: TaskRunState) -> None: ...

    def taskrun_finished(self, taskrun: TaskRunState) -> None: ...

    def task_skipped(self, name: str, reason: SkipReason) -> None: ...


__all__ = ["AttemptOutcome", "AttemptRequest", "Clock", "Progress", "StepExecutor"]
