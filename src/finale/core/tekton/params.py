"""Param rules at run time, in one place: types, defaults, object keys and `enum` of the values.

In the PipelineRun reconciler's order (pkg/reconciler/pipelinerun/pipelinerun.go); the rules for
declarations are admission's, in `core/validation/params.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from finale.core.tekton.model import ParamSpec, ParamValue, PipelineRun, PipelineSpec
from finale.core.tekton.parse import param_spec
from finale.core.tekton.reasons import PipelineRunReason
from finale.core.tekton.resolve import RunFailure
from finale.core.tekton.variables import apply_value, value_replacements

# `enum` (feature flag enable-param-enum), checked three times as reconcile and createTaskRuns do:
# the run's values against the Pipeline's enums, each PipelineTask's enum subset, and every
# TaskRun's values against its Task's enums just before the TaskRun is created.
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


_PARAM_REF = re.compile(r"""\$\(params(?:\.([A-Za-z0-9_.-]+?)|\[["']([^"']+)["']\])(?:\[[^\]]*\])?(?:\.[^)]*)?\)""")


def _value_type(value: ParamValue) -> str:
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "string"


def _resolve_defaults(specs: tuple[ParamSpec, ...], given: Mapping[str, ParamValue]) -> dict[str, ParamValue] | str:
    """Values for every declared param; defaults may reference other params (Tekton v1.9+)."""
    values: dict[str, ParamValue] = {}
    for spec in specs:
        if spec.name in given:
            values[spec.name] = given[spec.name]
        elif spec.default is not None:
            values[spec.name] = spec.default
    for name, value in given.items():
        values.setdefault(name, value)
    cycle = _default_cycle(specs, given)
    if cycle:
        return f'circular dependency detected in param "params.{cycle}"'
    for _ in range(10):
        rep = value_replacements("params", values)
        changed = False
        for spec in specs:
            if spec.name in given or spec.default is None:
                continue
            new = apply_value(values[spec.name], rep)
            if new != values[spec.name]:
                values[spec.name] = new
                changed = True
        if not changed:
            return values
    return "maximum recursion depth (10) exceeded"


def _default_cycle(specs: tuple[ParamSpec, ...], given: Mapping[str, ParamValue]) -> str | None:
    """The first param whose default reaches itself through other defaults."""
    deps: dict[str, set[str]] = {}
    for spec in specs:
        if spec.name in given or spec.default is None:
            continue
        texts = (
            spec.default
            if isinstance(spec.default, list)
            else (list(spec.default.values()) if isinstance(spec.default, dict) else [spec.default])
        )
        deps[spec.name] = {m.group(1) or m.group(2) for t in texts for m in _PARAM_REF.finditer(t)}

    def reaches(start: str, node: str, seen: set[str]) -> bool:
        for nxt in deps.get(node, ()):
            if nxt == start:
                return True
            if nxt not in seen:
                seen.add(nxt)
                if reaches(start, nxt, seen):
                    return True
        return False

    return next((name for name in deps if reaches(name, name, set())), None)


def param_values(spec: PipelineSpec, run: PipelineRun) -> dict[str, ParamValue] | RunFailure:
    ns, pr, p = run.namespace, run.name, run.pipeline_name
    missing = [s.name for s in spec.params if s.default is None and s.name not in run.params]
    if missing:
        return RunFailure(
            PipelineRunReason.PARAMETER_MISSING,
            f"[User error] PipelineRun {ns}/{pr} is missing some parameters required by Pipeline "
            f"{ns}/{p}: pipelineRun missing parameters: [{' '.join(missing)}]",
        )
    wrong = [s.name for s in spec.params if s.name in run.params and _value_type(run.params[s.name]) != s.type]
    if wrong:
        return RunFailure(
            PipelineRunReason.PARAMETER_TYPE_MISMATCH,
            f"[User error] PipelineRun {ns}/{pr} parameters have mismatching types with Pipeline "
            f"{ns}/{p}'s parameters: parameters have inconsistent types : [{' '.join(wrong)}]",
        )
    # ValidateEnumParam comes right after the type check in reconcile (pipelinerun.go).
    enum_problem = run_enum_failure_message(ns, pr, run.params, spec.params)
    if enum_problem:
        return RunFailure(PipelineRunReason.INVALID_PARAM_VALUE, enum_problem)
    values = _resolve_defaults(spec.params, run.params)
    if isinstance(values, str):
        return RunFailure(
            PipelineRunReason.VALIDATION_FAILED,
            f"[User error] Failed to apply parameters to Pipeline {ns}/{p}: parameter resolution failed: {values}",
        )
    missing_keys = {
        s.name: sorted(set(s.properties) - set(v))
        for s in spec.params
        if s.type == "object" and isinstance(v := values.get(s.name), dict) and set(s.properties) - set(v)
    }
    if missing_keys:
        rendered = " ".join(f"{k}:[{' '.join(v)}]" for k, v in sorted(missing_keys.items()))
        return RunFailure(
            PipelineRunReason.OBJECT_PARAMETER_MISS_KEYS,
            f"[User error] PipelineRun {ns}/{pr} parameters is missing object keys required by Pipeline "
            f"{ns}/{p}'s parameters: pipelineRun missing object keys for parameters: map[{rendered}]",
        )
    return values
