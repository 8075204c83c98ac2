"""Run-level preparation: param values, context, up-front checks (spec §2.1 steps 5-11, §6.5)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finale.core.model import ParamSpec, ParamValue, PipelineRun, PipelineSpec
from finale.core.param_enum import enum_subset_problem, run_enum_failure_message
from finale.core.parse import param_spec, pipeline_spec
from finale.core.variables import (
    Replacements,
    apply_deep,
    apply_value,
    result_refs,
    strings_in,
    value_replacements,
)

_PARAM_REF = re.compile(r"""\$\(params(?:\.([A-Za-z0-9_.-]+?)|\[["']([^"']+)["']\])(?:\[[^\]]*\])?(?:\.[^)]*)?\)""")


@dataclass(frozen=True, slots=True)
class RunFailure:
    """A terminal failure found before or while scheduling; no finally runs (spec §6.5)."""

    reason: str
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
            "ParameterMissing",
            f"[User error] PipelineRun {ns}/{pr} is missing some parameters required by Pipeline "
            f"{ns}/{p}: pipelineRun missing parameters: [{' '.join(missing)}]",
        )
    wrong = [s.name for s in spec.params if s.name in run.params and _value_type(run.params[s.name]) != s.type]
    if wrong:
        return RunFailure(
            "ParameterTypeMismatch",
            f"[User error] PipelineRun {ns}/{pr} parameters have mismatching types with Pipeline "
            f"{ns}/{p}'s parameters: parameters have inconsistent types : [{' '.join(wrong)}]",
        )
    # ValidateEnumParam comes right after the type check in reconcile (pipelinerun.go).
    enum_problem = run_enum_failure_message(ns, pr, run.params, spec.params)
    if enum_problem:
        return RunFailure("InvalidParamValue", enum_problem)
    values = _resolve_defaults(spec.params, run.params)
    if isinstance(values, str):
        return RunFailure(
            "PipelineValidationFailed",
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
            "ObjectParameterMissKeys",
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


def task_param_failure(
    task_name: str,
    task_spec: Mapping[str, Any],
    given: Mapping[str, Any],
    run: PipelineRun,
    ref: str | None,
) -> RunFailure | None:
    """Task params without default that the PipelineTask does not pass (checked up front)."""
    specs = [param_spec(p) for p in task_spec.get("params") or () if isinstance(p, Mapping)]
    missing = [s.name for s in specs if s.default is None and s.name not in given]
    if not missing:
        return None
    return RunFailure(
        "PipelineValidationFailed",
        f"[User error] Validation failed for pipelinerun {run.name} with error invalid input params for "
        f"task {ref or ''}: missing values for these params which have no default values: [{' '.join(missing)}]",
    )


def enum_subset_failure(
    task_params: Mapping[str, Any], pipeline_params: tuple[ParamSpec, ...], task_spec: Mapping[str, Any],
    ref: str | None,
) -> RunFailure | None:
    """A PipelineTask passing a Pipeline param whose enum is wider than its Task's (checked up front)."""
    specs = [param_spec(p) for p in task_spec.get("params") or () if isinstance(p, Mapping)]
    problem = enum_subset_problem(task_params, pipeline_params, specs, ref or "")
    if problem is None:
        return None
    message = f"[User error] Validation failed for pipelinerun with error {problem}"
    return RunFailure("PipelineValidationFailed", message)


def result_reference_failure(spec: PipelineSpec, task_specs: Mapping[str, Mapping[str, Any]]) -> RunFailure | None:
    """A consumer naming an unknown task or an undeclared result (InvalidTaskResultReference)."""
    from finale.core.dag import edge_sources

    names = {t.name for t in spec.tasks}
    for task in spec.all_tasks():
        for producer, result in result_refs(edge_sources(task)):
            prefix = f'invalid result reference in pipeline task "{task.name}": '
            if producer not in names:
                return RunFailure(
                    "InvalidTaskResultReference",
                    prefix + f'referenced pipeline task "{producer}" does not exist',
                )
            declared = {str(r.get("name")) for r in task_specs.get(producer, {}).get("results") or ()}
            if producer in task_specs and result not in declared:
                return RunFailure(
                    "InvalidTaskResultReference",
                    prefix + f'"{result}" is not a named result returned by pipeline task "{producer}"',
                )
    return None


def workspace_failure(spec: PipelineSpec, run: PipelineRun, bound: set[str]) -> RunFailure | None:
    for w in spec.workspaces:
        if not w.optional and w.name not in bound:
            return RunFailure(
                "InvalidWorkspaceBindings",
                f"[User error] PipelineRun {run.namespace}/{run.name} doesn't bind Pipeline "
                f"{run.namespace}/{run.pipeline_name}'s Workspaces correctly: pipeline requires workspace "
                f'with name "{w.name}" be provided by pipelinerun',
            )
    return None


def taskrunspec_failure(spec: PipelineSpec, run: PipelineRun) -> RunFailure | None:
    names = {t.name for t in spec.all_tasks()}
    for trs in run.task_run_specs:
        if trs.get("pipelineTaskName") not in names:
            return RunFailure(
                "InvalidTaskRunSpecs",
                f"[User error] PipelineRun {run.namespace}/{run.name} doesn't define taskRunSpecs correctly: "
                f'pipelineRun\'s taskrunSpecs defined wrong taskName: "{trs.get("pipelineTaskName")}", '
                "does not exist in Pipeline",
            )
    return None


_INDEXED_PARAM = re.compile(r"""\$\(params(?:\.([^.\[\]()"']+)|\[["']([^"']+)["']\])\[(\d+)\]\)""")


def _index_sources(spec: PipelineSpec) -> list[Any]:
    """Where GetIndexingReferencesToArrayParams looks: params, matrix params, when, subPath."""
    found: list[Any] = []
    for task in spec.all_tasks():
        found += [task.raw.get("params"), (task.matrix or {}).get("params"), task.raw.get("when")]
        if not task.is_finally:
            found += [w.sub_path for w in task.workspaces]
    return found


def array_index_failure(spec: PipelineSpec, run: PipelineRun) -> RunFailure | None:
    """ValidateParamArrayIndex: `$(params.a[i])` past the end of the array it names."""
    lengths = {s.name: len(s.default) for s in spec.params if isinstance(s.default, list)}
    lengths.update({k: len(v) for k, v in run.params.items() if isinstance(v, list)})
    bad = set()
    for text in strings_in(_index_sources(spec)):
        for m in _INDEXED_PARAM.finditer(text):
            name = m.group(1) or m.group(2)
            if name in lengths and int(m.group(3)) >= lengths[name]:
                bad.add(m.group(0))
    if not bad:
        return None
    ns, p = run.namespace, run.pipeline_name
    return RunFailure(
        "ParamArrayIndexingInvalid",
        f"[User error] PipelineRun {ns}/{run.name} failed validation: failed to validate Pipeline {ns}/{p}'s "
        f"parameter which has an invalid index while referring to an array: "
        f"non-existent param references:[{' '.join(sorted(bad))}]",
    )


def pipeline_result_reference_failure(
    spec: PipelineSpec, task_specs: Mapping[str, Mapping[str, Any]], run: PipelineRun
) -> RunFailure | None:
    """ValidatePipelineResults: a pipeline result naming an unknown task or undeclared result."""
    names = {t.name for t in spec.all_tasks()}
    for result in spec.results:
        for producer, name in result_refs(result.get("value")):
            if producer not in names:
                problem = f'referenced pipeline task "{producer}" does not exist'
            elif producer in task_specs and name not in {
                str(r.get("name")) for r in task_specs[producer].get("results") or ()
            }:
                problem = f'"{name}" is not a named result returned by pipeline task "{producer}"'
            else:
                continue
            return RunFailure(
                "InvalidPipelineResultReference",
                f'Failed to resolve pipeline result reference for "{run.name}" with error '
                f'invalid pipeline result "{result.get("name")}": {problem}',
            )
    return None


def optional_workspace_failure(spec: PipelineSpec, task_specs: Mapping[str, Mapping[str, Any]]) -> RunFailure | None:
    """ValidateOptionalWorkspaces: an optional Pipeline workspace bound to a required Task one."""
    optional = {w.name for w in spec.workspaces if w.optional}
    for task in spec.all_tasks():
        declared = {
            str(w.get("name")): bool(w.get("optional"))
            for w in task_specs.get(task.name, {}).get("workspaces") or ()
            if isinstance(w, Mapping)
        }
        for binding in task.workspaces:
            if binding.workspace in optional and declared.get(binding.name) is False:
                return RunFailure(
                    "RequiredWorkspaceMarkedOptional",
                    f'[User error] Optional workspace not supported by task: pipeline workspace "{binding.workspace}" '
                    f'is marked optional but pipeline task "{task.name}" requires it be provided',
                )
    return None
