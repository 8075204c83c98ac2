"""Run-level values: param values with defaults, context and `workspaces.w.bound` (spec §2.1, §7.1)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finale.core.tekton.model import ParamSpec, ParamValue, PipelineRun, PipelineSpec
from finale.core.tekton.param_enum import run_enum_failure_message
from finale.core.tekton.parse import pipeline_spec
from finale.core.tekton.reasons import PipelineRunReason
from finale.core.tekton.variables import (
    Replacements,
    apply_deep,
    apply_value,
    value_replacements,
)

_PARAM_REF = re.compile(r"""\$\(params(?:\.([A-Za-z0-9_.-]+?)|\[["']([^"']+)["']\])(?:\[[^\]]*\])?(?:\.[^)]*)?\)""")


@dataclass(frozen=True, slots=True)
class RunFailure:
    """A terminal failure found before or while scheduling; no finally runs (spec §6.5)."""

    reason: PipelineRunReason
    message: str


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
