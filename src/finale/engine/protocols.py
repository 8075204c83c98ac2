"""The seams between the engine and the outside world (typing.Protocol)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from finale.clock import Clock
from finale.core.tekton.model import ParamValue
from finale.core.tekton.reasons import SkipReason, TaskRunReason
from finale.core.tekton.state import StepState, TaskRunState


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptRequest:
    """Run one attempt of a TaskRun: its steps, in order, with its workspaces bound."""

    taskrun: TaskRunState
    retry_count: int
    namespace: str
    run_uid: str
    workspaces: Mapping[str, str] = field(default_factory=dict)  # Task workspace -> dir ("" unbound)


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptOutcome:
    name: str
    succeeded: bool
    reason: TaskRunReason
    message: str
    start: float
    end: float
    results: Mapping[str, ParamValue] = field(default_factory=dict)
    steps: tuple[StepState, ...] = ()


class StepExecutor(Protocol):
    def start(self, request: AttemptRequest, done: Callable[[AttemptOutcome], None]) -> None: ...

    def cancel(self, taskrun_name: str) -> None: ...


class Progress(Protocol):
    """Told about every change the user may want to see while a run goes on."""

    def taskrun_started(self, taskrun: TaskRunState) -> None: ...

    def taskrun_finished(self, taskrun: TaskRunState) -> None: ...

    def task_skipped(self, name: str, reason: SkipReason) -> None: ...


__all__ = ["AttemptOutcome", "AttemptRequest", "Clock", "Progress", "StepExecutor"]
