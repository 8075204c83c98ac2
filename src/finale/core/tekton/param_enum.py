"""Param `enum` checks made while a run goes (feature flag `enable-param-enum`).

Static validation already refuses `enum` without the flag, so declared enums mean the flag is on.
Three checks, as the PipelineRun reconciler makes them (tektoncd/pipeline
pkg/reconciler/pipelinerun/pipelinerun.go reconcile and createTaskRuns):
the run's values against the Pipeline's enums, each PipelineTask's enum subset, and every
TaskRun's values against its Task's enums just before the TaskRun is created.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from finale.core.tekton.model import ParamSpec, ParamValue
from finale.core.tekton.parse import param_spec

_PARAM_NAME = re.compile(
    r"""\$\(params(?:\.([^.)\[\]]+(?:\.[^)\[\]]+)*?)|\[["']([^"']+)["']\])(?:\[[^\]]*\])?[^)]*\)"""
)


def value_not_in_enum(values: Iterable[tuple[str, Any]], specs: Iterable[ParamSpec]) -> str | None:
    """The first string value outside its spec's enum; empty strings and other types pass.

    tektoncd/pipeline pkg/reconciler/taskrun/validate_taskrun.go ValidateEnumParam.
    """
    enums = {s.name: s.enum for s in specs if s.enum}
    for name, value in values:
        if not isinstance(value, str) or value == "" or name not in enums:
            continue
        if value not in enums[name]:
            return f"param `{name}` value: {value} is not in the enum list"
    return None


def run_enum_failure_message(
    namespace: str, run_name: str, given: Mapping[str, ParamValue], specs: Iterable[ParamSpec]
) -> str | None:
    """InvalidParamValue for the PipelineRun's own values (checked before anything runs)."""
    problem = value_not_in_enum(given.items(), specs)
    if problem is None:
        return None
    return f"[User error] PipelineRun {namespace}/{run_name} parameters have invalid value: {problem}"


def _go_list(items: Iterable[str]) -> str:
    return "[" + " ".join(items) + "]"


def enum_subset_problem(
    task_params: Mapping[str, Any],
    pipeline_params: Iterable[ParamSpec],
    task_param_specs: Iterable[ParamSpec],
    task_name: str,
) -> str | None:
    """A PipelineTask param that is exactly one `$(params.x)` must not widen the Task's enum.

    tektoncd/pipeline pkg/reconciler/pipelinerun/resources/pipelinerunresolution.go
    ValidateParamEnumSubset, including its early `return nil` when the first such param is not a
    string or its Task param has no enum.
    """
    pipeline_by_name = {s.name: s for s in pipeline_params}
    task_by_name = {s.name: s for s in task_param_specs}
    for name, value in task_params.items():
        refs = [m.group(1) or m.group(2) for m in _PARAM_NAME.finditer(value)] if isinstance(value, str) else []
        if len(refs) != 1:
            continue
        pipeline_param = pipeline_by_name.get(refs[0])
        task_enum = task_by_name[name].enum if name in task_by_name else ()
        # An unknown name is Go's zero ParamSpec, whose empty type is not "string".
        if pipeline_param is None or pipeline_param.type != "string" or not task_enum:
            return None
        if not pipeline_param.enum:
            return (
                f'pipeline param "{pipeline_param.name}" has no enum, but referenced in "{task_name}" '
                f"task has enums: {_go_list(task_enum)}"
            )
        if not set(pipeline_param.enum) <= set(task_enum):
            return (
                f'pipeline param "{pipeline_param.name}" enum: {_go_list(pipeline_param.enum)} is not a '
                f'subset of the referenced in "{task_name}" task param enum: {_go_list(task_enum)}'
            )
    return None


def taskrun_enum_problem(name: str, task_spec: Mapping[str, Any], runs: Iterable[Mapping[str, Any]]) -> str | None:
    """InvalidParamValue for a TaskRun's values (matrix combination plus the task's params).

    tektoncd/pipeline pkg/reconciler/pipelinerun/pipelinerun.go createTaskRuns.
    """
    specs = [param_spec(p) for p in task_spec.get("params") or () if isinstance(p, Mapping)]
    if not any(s.enum for s in specs):
        return None
    for params in runs:
        problem = value_not_in_enum(params.items(), specs)
        if problem:
            return f'[User error] Invalid param value from PipelineTask "{name}": {problem}'
    return None
