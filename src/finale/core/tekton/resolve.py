"""Run-level values substituted into the Pipeline: params, context, `workspaces.w.bound` (spec §7.1).

The param values themselves (types, defaults, enums) are worked out in `params.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finale.core.tekton.model import ParamValue, PipelineRun, PipelineSpec
from finale.core.tekton.parse import pipeline_spec
from finale.core.tekton.reasons import PipelineRunReason
from finale.core.tekton.variables import (
    Replacements,
    apply_deep,
    value_replacements,
)
from finale.record import Record, set_field


# Records, not dataclasses: `finale run` starts faster without them (finale/record.py).
class RunFailure(Record):
    """A terminal failure found before or while scheduling; no finally runs (spec §6.5)."""

    __slots__ = ("message", "reason")
    reason: PipelineRunReason
    message: str

    def __init__(self, reason: PipelineRunReason, message: str) -> None:
        set_field(self, "reason", reason)
        set_field(self, "message", message)


def context_replacements(run: PipelineRun) -> Replacements:
    return Replacements(
        strings={
            "context.pipelineRun.name": run.name,
            "context.pipelineRun.namespace": run.namespace,
            "context.pipelineRun.uid": run.uid,
            "context.pipeline.name": run.pipeline_name,
        }
    )


def workspace_bound_replacements(spec: PipelineSpec, bound: set[str]) -> Replacements:
    return Replacements(
        strings={f"workspaces.{w.name}.bound": "true" if w.name in bound else "false" for w in spec.workspaces}
    )


def apply_run_values(
    raw_spec: Mapping[str, Any], values: Mapping[str, ParamValue], run: PipelineRun, bound: set[str]
) -> PipelineSpec:
    """Substitute params, context and `workspaces.w.bound` stage by stage (spec §7.1).

    Pipeline params propagate into embedded taskSpecs, except names the PipelineTask passes
    itself: the inner scope wins (spec §7.5).
    """
    params = value_replacements("params", values)
    spec = dict(raw_spec)
    for section in ("tasks", "finally"):
        tasks = []
        for task in raw_spec.get(section) or ():
            if not isinstance(task, Mapping):
                continue
            own = {p.get("name") for p in task.get("params") or () if isinstance(p, Mapping)}
            inner = value_replacements("params", {k: v for k, v in values.items() if k not in own})
            tasks.append({k: apply_deep(v, inner if k == "taskSpec" else params) for k, v in task.items()})
        if section in raw_spec:
            spec[section] = tasks
    staged = pipeline_spec(spec)
    stages = context_replacements(run).merge(workspace_bound_replacements(staged, bound))
    return pipeline_spec(apply_deep(spec, stages))
