"""What a finished (or stopped) PipelineRun leaves behind: the input to every output format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from finale.core.facts import SkipReason
from finale.core.model import PipelineRun, PipelineSpec, SpecStatus
from finale.core.state import TaskRunState
from finale.core.status import Condition


@dataclass(kw_only=True)
class RunResult:
    run: PipelineRun
    spec: PipelineSpec | None
    condition: Condition
    start: float
    end: float
    finally_start: float | None = None
    taskruns: dict[str, tuple[TaskRunState, ...]] = field(default_factory=dict)
    skipped: dict[str, SkipReason] = field(default_factory=dict)
    skipped_when: dict[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    spec_status: SpecStatus = SpecStatus.NONE
